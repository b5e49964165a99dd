package kernel

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// Path is a kernel implementation. All paths produce identical arenas.
type Path uint8

// Kernel paths.
const (
	PathPureGo Path = iota // portable Go (SWAR block classification); always built
	PathAVX2               // simd/archsimd AVX2 kernels (GOEXPERIMENT=simd, amd64)
	PathAVX512             // reserved: no AVX-512 kernels exist yet (see Available)
)

// Paths lists every path, in order of preference (fastest last).
var Paths = []Path{PathPureGo, PathAVX2, PathAVX512}

// ErrPathUnavailable is returned (wrapped) by LexWith when the requested path
// cannot run in this binary or on this CPU.
var ErrPathUnavailable = errors.New("kernel path unavailable")

// String returns the path's name: "purego", "avx2" or "avx512".
func (p Path) String() string {
	switch p {
	case PathPureGo:
		return "purego"
	case PathAVX2:
		return "avx2"
	case PathAVX512:
		return "avx512"
	}
	return "unknown"
}

// Available reports whether path p can run in this binary on this CPU, with
// the reason in either case (for example "CPU has AVX2, built with
// GOEXPERIMENT=simd", or "built without GOEXPERIMENT=simd (use make build)").
// It is safe for concurrent use.
func Available(p Path) (bool, string) {
	switch p {
	case PathPureGo:
		return true, "always built"
	case PathAVX2:
		return simdUsable(), simdReason()
	case PathAVX512:
		return false, "no AVX-512 kernels: not written without hardware to test them"
	}
	return false, "unknown path"
}

// SIMDUnavailable reports why the SIMD path cannot run ("" when it can). A
// server that must not silently run the slower pure-Go path refuses to start
// when this is not empty (unless told otherwise); the reason names the cause
// and the fix. It is safe for concurrent use.
func SIMDUnavailable() string {
	if ok, why := Available(PathAVX2); !ok {
		return why
	}
	return ""
}

// Active returns the path Lex uses and why it was chosen. It is safe for
// concurrent use.
func Active() (Path, string) {
	ok, why := Available(PathAVX2)
	if ok {
		return PathAVX2, "avx2: " + why
	}
	return PathPureGo, "purego: " + why
}

// Lex lexes src into a with the active path (see Active). The arena is
// reset first; src must not change until the arena is reused, because names
// and spans refer to it. cancel may be nil; when it is raised, Lex stops
// within about 64 KiB of input and returns an error wrapping ErrCancelled.
// An arena too small for src gives an error wrapping ErrArenaFull.
func Lex(a *Arena, src []byte, cancel *atomic.Bool) error {
	return lexFast(a, src, cancel, activeSIMD)
}

// Count is Lex for callers that need only the number of tokens and the
// issues: afterwards a.N, a.Issues, a.DroppedIssues and the line index are
// exactly what Lex gives, but the token slots are not filled (a.Counted
// reports it; Token, Name and the dumps panic). It saves storing the tokens
// (about a third of the time of the AVX2 path; the pure-Go path stores
// them anyway). Errors are as for Lex.
func Count(a *Arena, src []byte, cancel *atomic.Bool) error {
	return countFast(a, src, cancel, activeSIMD)
}

// CountWith is Count with path p, as LexWith is Lex.
func CountWith(p Path, a *Arena, src []byte, cancel *atomic.Bool) error {
	return withPath(p, "count", countFast, a, src, cancel)
}

// activeSIMD is whether Lex uses the AVX2 kernels; fixed at start-up.
var activeSIMD = simdUsable()

// LexWith lexes src into a with path p, which must be available (see
// Available); otherwise it returns an error wrapping ErrPathUnavailable.
// Everything else is as for Lex.
func LexWith(p Path, a *Arena, src []byte, cancel *atomic.Bool) error {
	return withPath(p, "lex", lexFast, a, src, cancel)
}

// withPath runs run (lexFast or countFast) with path p, which must be
// available; verb names what run does, for the error.
func withPath(p Path, verb string, run func(*Arena, []byte, *atomic.Bool, bool) error, a *Arena, src []byte, cancel *atomic.Bool) error {
	if ok, why := Available(p); !ok {
		return fmt.Errorf("cannot %s with the %s path: %s: %w", verb, p, why, ErrPathUnavailable)
	}
	return run(a, src, cancel, p == PathAVX2)
}
