package kernel

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
// token slots k..k+n-1: value from simpleVal, offset p+i, length 1.
// The caller guarantees k+n <= len(val) and p+n <= len(src).
func emitGo(val, off, ln []uint32, k int, src []byte, p, n int) {
	s := src[p : p+n]
	v := val[k : k+n]
	o := off[k : k+n]
	l := ln[k : k+n]
	base := uint32(p)
	for i := range s {
		v[i] = simpleVal[s[i]]
		o[i] = base + uint32(i)
		l[i] = 1
	}
}
