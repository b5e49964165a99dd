package kernel

import "sync/atomic"

// lexFast is TEMPORARY (one token per byte) until the driver over the TeX
// lexer is written.
func lexFast(a *Arena, src []byte, cancel *atomic.Bool, simd bool) error {
	a.Reset()
	a.src = src
	for i := range src {
		a.Val[i] = PackChar(CatOther, uint32(src[i]))
		a.Off[i] = uint32(i)
		a.Len[i] = 1
	}
	a.N = len(src)
	return nil
}
