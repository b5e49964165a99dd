//go:build !amd64.v3

package kernel

// buildLevel is empty for binaries compiled for the baseline x86-64 level
// (or another architecture).
const buildLevel = ""
