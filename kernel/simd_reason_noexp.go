//go:build !purego && !goexperiment.simd

package kernel

const notBuiltReason = "built without GOEXPERIMENT=simd (use make build)"
