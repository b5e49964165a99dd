//go:build goexperiment.simd && amd64 && !purego

package kernel

import "simd/archsimd"

// simdBuilt reports whether this binary contains the AVX2 kernels.
const simdBuilt = true

// simdNotBuiltReason is empty when the AVX2 kernels are built in.
const simdNotBuiltReason = ""

// classifyAVX2 classifies the 64 bytes of b with two 32-byte vectors.
func classifyAVX2(b *[64]byte) blockMasks {
	lo := classify32((*[32]byte)(b[:32]))
	hi := classify32((*[32]byte)(b[32:]))
	return blockMasks{
		ord: uint64(lo.ord) | uint64(hi.ord)<<32,
		sp:  uint64(lo.sp) | uint64(hi.sp)<<32,
		s20: uint64(lo.s20) | uint64(hi.s20)<<32,
		le:  uint64(lo.le) | uint64(hi.le)<<32,
		let: uint64(lo.let) | uint64(hi.let)<<32,
		grp: uint64(lo.grp) | uint64(hi.grp)<<32,
	}
}

type masks32 struct{ ord, sp, s20, le, let, grp uint32 }

func bc(c uint8) archsimd.Uint8x32 { return archsimd.BroadcastUint8x32(c) }

// classify32 computes the masks of 32 bytes.
func classify32(p *[32]byte) masks32 {
	x := archsimd.LoadUint8x32(p)
	// 0x21 <= x <= 0x7d  <=>  min(x-0x21, 0x5c) == x-0x21
	d := x.Sub(bc(0x21))
	inRange := d.Min(bc(0x5c)).Equal(d)
	lower := x.Or(bc(0x20))
	excl := x.Equal(bc('\\')).Or(x.Equal(bc('%'))).Or(lower.Equal(bc('~')))
	l := lower.Sub(bc('a'))
	letter := l.Min(bc(25)).Equal(l)
	spc := x.Equal(bc(' '))
	sp := spc.Or(x.Equal(bc('\t')))
	le := x.Equal(bc('\n')).Or(x.Equal(bc('\r')))
	grp := x.Equal(bc('{')).Or(x.Equal(bc('}'))).Or(x.Equal(bc('$')))
	return masks32{
		ord: inRange.ToBits() &^ excl.ToBits(),
		sp:  sp.ToBits(),
		s20: spc.ToBits(),
		le:  le.ToBits(),
		let: letter.ToBits(),
		grp: grp.ToBits(),
	}
}

// Lookup tables indexed by a byte's low nibble: the one special ordinary or
// space byte with that nibble, and its catcode. The low nibbles of
// ' ', '#', '$', '&', TAB, '{', '}' and '_' are all different.
var (
	nibByte = archsimd.LoadUint8x32(&[32]byte{
		' ', 0xff, 0xff, '#', '$', 0xff, '&', 0xff, 0xff, '\t', 0xff, '{', 0xff, '}', 0xff, '_',
		' ', 0xff, 0xff, '#', '$', 0xff, '&', 0xff, 0xff, '\t', 0xff, '{', 0xff, '}', 0xff, '_',
	})
	nibCat = archsimd.LoadUint8x32(&[32]byte{
		CatSpace, 0, 0, CatParam, CatMathShift, 0, CatAlignTab, 0, 0, CatSpace, 0, CatBeginGroup, 0, CatEndGroup, 0, CatSubscr,
		CatSpace, 0, 0, CatParam, CatMathShift, 0, CatAlignTab, 0, 0, CatSpace, 0, CatBeginGroup, 0, CatEndGroup, 0, CatSubscr,
	})
)

// emitAVX2 writes one token per byte of src[p:p+n] (all simple bytes) into
// token slots k..k+n-1, 32 at a time with vector stores; it may write
// scratch values into up to 31 slots past k+n. The caller guarantees
// k+n+32 <= len(val) (the arena's slack) and p+n+32 <= len(src).
func emitAVX2(val, off, ln []uint32, k int, src []byte, p, n int) {
	val = val[k : k+n+32]
	off = off[k : k+n+32]
	ln = ln[k : k+n+32]
	src = src[p : p+n+32]
	ones := archsimd.BroadcastUint32x8(1)
	step := archsimd.BroadcastUint32x8(8)
	o := archsimd.BroadcastUint32x8(uint32(p)).Add(archsimd.LoadUint32x8(&[8]uint32{0, 1, 2, 3, 4, 5, 6, 7}))
	nibMask := bc(0x0f)
	for i := 0; i < n; i += 32 {
		x := archsimd.LoadUint8x32((*[32]byte)(src[i : i+32]))
		// code: the byte, except TAB whose space token has code 32
		code := x.Max(bc(' '))
		// catcode: 11 for letters, 12 for other ordinary bytes, the
		// nibble table's catcode for its bytes
		nib := x.And(nibMask).AsInt8x32()
		isNib := nibByte.PermuteOrZeroGrouped(nib).Equal(x)
		l := x.Or(bc(0x20)).Sub(bc('a'))
		isLetter := l.Min(bc(25)).Equal(l)
		// (x.Merge(y, m) keeps x where m is set and takes y elsewhere)
		cat := nibCat.PermuteOrZeroGrouped(nib).Merge(bc(CatLetter).Merge(bc(CatOther), isLetter), isNib)
		codeLo, codeHi := code.GetLo(), code.GetHi()
		catLo, catHi := cat.GetLo(), cat.GetHi()
		zero := archsimd.Uint8x16{}
		vals := [4]archsimd.Uint32x8{
			codeLo.ExtendLo8ToUint32().Or(catLo.ExtendLo8ToUint32().ShiftAllLeft(catShift)),
			zero.ConcatShiftBytesRight(8, codeLo).ExtendLo8ToUint32().Or(zero.ConcatShiftBytesRight(8, catLo).ExtendLo8ToUint32().ShiftAllLeft(catShift)),
			codeHi.ExtendLo8ToUint32().Or(catHi.ExtendLo8ToUint32().ShiftAllLeft(catShift)),
			zero.ConcatShiftBytesRight(8, codeHi).ExtendLo8ToUint32().Or(zero.ConcatShiftBytesRight(8, catHi).ExtendLo8ToUint32().ShiftAllLeft(catShift)),
		}
		for j := 0; j < 4; j++ {
			vals[j].Store((*[8]uint32)(val[i+8*j : i+8*j+8]))
			o.Store((*[8]uint32)(off[i+8*j : i+8*j+8]))
			ones.Store((*[8]uint32)(ln[i+8*j : i+8*j+8]))
			o = o.Add(step)
		}
	}
}
