package kernel

import "unsafe"

// simpleVal holds the packed token value of every byte that the fast driver
// emits by itself: ordinary ASCII characters (catcode 1, 2, 3, 4, 6, 8, 11
// or 12, code = the byte) and the spaces 0x20 and TAB (catcode 10, code 32,
// as TeX makes every space token). Other bytes hold 0 (never emitted here).
var simpleVal = func() (t [256]uint32) {
	for c := 0; c < 256; c++ {
		ord, sp, let := classByte(byte(c))
		switch {
		case sp:
			t[c] = PackChar(CatSpace, ' ')
		case let:
			t[c] = PackChar(CatLetter, uint32(c))
		case ord:
			t[c] = PackChar(uint32(simpleCat(byte(c))), uint32(c))
		}
	}
	return t
}()

// simpleCat returns the LaTeX catcode of an ordinary non-letter ASCII byte.
func simpleCat(c byte) byte {
	switch c {
	case '{':
		return CatBeginGroup
	case '}':
		return CatEndGroup
	case '$':
		return CatMathShift
	case '&':
		return CatAlignTab
	case '#':
		return CatParam
	case '_':
		return CatSubscr
	}
	return CatOther
}

// emitGo writes one token per byte of src[p:p+n] (all simple bytes) into
// token slots k..k+n-1: value from simpleVal, offset p+i, length 1. It
// stores two tokens' fields at a time as 64-bit words.
// The caller guarantees k+n <= len(val) and p+n <= len(src).
func emitGo(val, off, ln []uint32, k int, src []byte, p, n int) {
	s := src[p : p+n]
	v := val[k : k+n]
	o := off[k : k+n]
	l := ln[k : k+n]
	offs := uint64(p) | uint64(p+1)<<32
	i := 0
	for ; i+1 < len(s); i += 2 {
		// i+1 < n: both words are inside the slices.
		*(*uint64)(unsafe.Pointer(&v[i])) = uint64(simpleVal[s[i]]) | uint64(simpleVal[s[i+1]])<<32
		*(*uint64)(unsafe.Pointer(&o[i])) = offs
		*(*uint64)(unsafe.Pointer(&l[i])) = 1 | 1<<32
		offs += 2 | 2<<32
	}
	if i < len(s) {
		v[i] = simpleVal[s[i]]
		o[i] = uint32(offs)
		l[i] = 1
	}
}
