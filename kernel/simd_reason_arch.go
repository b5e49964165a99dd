//go:build !purego && goexperiment.simd && !amd64

package kernel

const notBuiltReason = "no SIMD kernels for this architecture (amd64 only)"
