//go:build !goexperiment.simd || !amd64 || purego

package kernel

// simdBuilt reports whether this binary contains the AVX2 kernels.
const simdBuilt = false

// simdNotBuiltReason says why the AVX2 kernels are not in this binary.
const simdNotBuiltReason = notBuiltReason

// classifyAVX2 is never called in a binary without the AVX2 kernels.
func classifyAVX2(b *[64]byte, vals *blockVals, m *blockMasks) {
	panic("kernel: AVX2 kernels not built")
}

// emitAVX2 is never called in a binary without the AVX2 kernels.
func emitAVX2(val, off []uint32, ln []uint8, k int, vals *blockVals, sh, p, n int) {
	panic("kernel: AVX2 kernels not built")
}

// lfMasksAVX2 is never called in a binary without the AVX2 kernels.
func lfMasksAVX2(b []byte, m []uint64) {
	panic("kernel: AVX2 kernels not built")
}

// compressAVX2 is never called in a binary without the AVX2 kernels.
func compressAVX2(val, off []uint32, ln []uint8, n int, vals *blockVals, emit uint64, base int) int {
	panic("kernel: AVX2 kernels not built")
}
