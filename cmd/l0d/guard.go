package main

import (
	"fmt"

	"l0lex/kernel"
)

// simdGuard reports why l0d must not start, or "" when it may: the SIMD
// kernel path is required unless allowScalar (L0_ALLOW_SCALAR=1).
func simdGuard(path kernel.Path, reason string, allowScalar bool) string {
	if path != kernel.PathPureGo || allowScalar {
		return ""
	}
	return fmt.Sprintf("refusing to start: the SIMD kernel is not available (%s).\n"+
		"  fix: build with `make build` (GOEXPERIMENT=simd) and run on an AVX2 CPU,\n"+
		"  or set L0_ALLOW_SCALAR=1 (flag --allow-scalar) to serve with the pure-Go kernel", reason)
}
