//go:build amd64.v3

package kernel

// buildLevel names the x86-64 level this binary was compiled for when it is
// above the baseline (GOAMD64=v3: AVX2, BMI1/2, LZCNT in every instruction
// the compiler emits).
const buildLevel = ", GOAMD64=v3"
