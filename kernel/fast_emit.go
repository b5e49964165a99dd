package kernel

import "unsafe"

// simpleVal holds the packed token value of every byte that the fast driver
// emits by itself: ordinary ASCII characters (catcode 1, 2, 3, 4, 6, 8, 11
// or 12, code = the byte), the active '~' and the spaces 0x20 and TAB
// (catcode 10, code 32, as TeX makes every space token). Other bytes hold 0
// (never emitted here).
var simpleVal = func() (t [256]uint32) {
	for c := 0; c < 256; c++ {
		ord, sp, let := classByte(byte(c))
		switch {
		case sp:
			t[c] = PackChar(CatSpace, ' ')
		case let:
			t[c] = PackChar(CatLetter, uint32(c))
		case c == '~':
			t[c] = PackActive('~')
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
func emitGo(val, off []uint32, ln []uint8, k int, src []byte, p, n int) {
	if n <= 0 {
		return
	}
	// Bounds checked once for every store below.
	_, _, _, _ = val[k+n-1], off[k+n-1], ln[k+n-1], src[p+n-1]
	pv, po, pl := unsafe.Pointer(&val[k]), unsafe.Pointer(&off[k]), unsafe.Pointer(&ln[k])
	s := unsafe.Pointer(&src[p])
	offs := uint64(p) | uint64(p+1)<<32
	i := 0
	for ; i+1 < n; i += 2 {
		b0, b1 := *(*byte)(unsafe.Add(s, i)), *(*byte)(unsafe.Add(s, i+1))
		*(*uint64)(unsafe.Add(pv, 4*i)) = uint64(simpleVal[b0]) | uint64(simpleVal[b1])<<32
		*(*uint64)(unsafe.Add(po, 4*i)) = offs
		*(*uint16)(unsafe.Add(pl, i)) = 1 | 1<<8
		offs += 2 | 2<<32
	}
	if i < n {
		*(*uint32)(unsafe.Add(pv, 4*i)) = simpleVal[*(*byte)(unsafe.Add(s, i))]
		*(*uint32)(unsafe.Add(po, 4*i)) = uint32(offs)
		*(*uint8)(unsafe.Add(pl, i)) = 1
	}
}
