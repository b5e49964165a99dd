package kernel

import "sync/atomic"

// LexRef exposes the reference driver to the external tests.
func LexRef(a *Arena, src []byte, cancel *atomic.Bool) error { return lexRef(a, src, cancel) }
