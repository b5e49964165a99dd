package kernel

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"l0lex/kernel/corpus"
)

// TestActive checks that the path choice and its reason match the build
// and the CPU.
func TestActive(t *testing.T) {
	p, why := Active()
	ok, _ := Available(PathAVX2)
	switch {
	case ok && p != PathAVX2, !ok && p != PathPureGo:
		t.Fatalf("Active() = %v (%s) with AVX2 available = %v", p, why, ok)
	case !strings.HasPrefix(why, p.String()+": "):
		t.Fatalf("Active() reason %q does not start with the path name", why)
	}
	if u := SIMDUnavailable(); (u == "") != ok {
		t.Fatalf("SIMDUnavailable() = %q, AVX2 available = %v", u, ok)
	}
	if !simdBuilt && !strings.Contains(why, simdNotBuiltReason) {
		t.Fatalf("reason %q does not say why the AVX2 kernels are not built", why)
	}
	if ok, _ := Available(PathPureGo); !ok {
		t.Fatal("the pure-Go path must always be available")
	}
	if ok, why := Available(PathAVX512); ok || why == "" {
		t.Fatalf("Available(avx512) = %v, %q", ok, why)
	}
	a := NewArena(SizeFor([]byte("x\n")))
	for _, p := range Paths {
		ok, _ := Available(p)
		err := LexWith(p, a, []byte("x\n"), nil)
		if ok != (err == nil) || !ok && !errors.Is(err, ErrPathUnavailable) {
			t.Errorf("LexWith(%v): %v (available %v)", p, err, ok)
		}
	}
}

// TestFastCancel checks that a raised cancel flag stops every path within
// a bounded amount of input, with ErrCancelled, and that an arena can be
// reused afterwards.
func TestFastCancel(t *testing.T) {
	src := corpus.Generate(1<<20, 5)
	a := NewArena(SizeFor(src))
	var cancel atomic.Bool
	cancel.Store(true)
	for pname, fm := range fastPaths() {
		err := lexFastMode(a, src, &cancel, fm.simd, fm.block, false)
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("%s: %v, want ErrCancelled", pname, err)
		}
		if a.N > 2*cancelEvery {
			t.Errorf("%s: %d tokens lexed after the cancel flag was raised", pname, a.N)
		}
		if err := lexFastMode(a, src, nil, fm.simd, fm.block, false); err != nil {
			t.Fatalf("%s: lexing again: %v", pname, err)
		}
	}
}
