//go:build goexperiment.simd && amd64 && !purego

package kernel

import (
	"simd/archsimd"
	"unsafe"
)

// simdBuilt reports whether this binary contains the AVX2 kernels.
const simdBuilt = true

// simdNotBuiltReason is empty when the AVX2 kernels are built in.
const simdNotBuiltReason = ""

// classifyAVX2 classifies the 64 bytes of b with two 32-byte vectors into
// m and stores the token values of its simple bytes into vals.
//
// Every AVX2 function here ends with VZEROUPPER, after its last vector
// instruction (results go to memory first, which orders them before it),
// and contains no legacy SSE instruction: on some CPUs mixing legacy SSE
// code (which the Go compiler emits to zero and copy memory) with dirty
// upper halves of the YMM registers costs hundreds of cycles each time.
func classifyAVX2(b *[64]byte, vals *blockVals, m *blockMasks) {
	lo := classify32((*[32]byte)(b[:32]), (*[32]uint32)(vals[:32]))
	hi := classify32((*[32]byte)(b[32:]), (*[32]uint32)(vals[32:64]))
	m.ord = uint64(lo.ord) | uint64(hi.ord)<<32
	m.sp = uint64(lo.sp) | uint64(hi.sp)<<32
	m.let = uint64(lo.let) | uint64(hi.let)<<32
	m.gm = uint64(lo.gm) | uint64(hi.gm)<<32
	archsimd.ClearAVXUpperBits()
}

type masks32 struct{ ord, sp, let, gm uint32 }

func bc(c uint8) archsimd.Uint8x32 { return archsimd.BroadcastUint8x32(c) }

// Vector constants, loaded from memory where used (cheaper than
// rebuilding broadcasts in every call).
var (
	c21, c5c, cBS, cPct, cTilde = bc(0x21), bc(0x5c), bc('\\'), bc('%'), bc('~')
	c20, cA, c25, cSp, cTab     = bc(0x20), bc('a'), bc(25), bc(' '), bc('\t')
	cNib                        = bc(0x0f)
	cLBrace, cRBrace, cDollar   = bc('{'), bc('}'), bc('$')
	cCatLetter, cCatOther       = bc(CatLetter), bc(CatOther)
	vIota                       = archsimd.LoadUint32x8(&[8]uint32{0, 1, 2, 3, 4, 5, 6, 7})
	vOnes                       = archsimd.BroadcastUint32x8(1)
	vEight                      = archsimd.BroadcastUint32x8(8)
)

// classify32 computes the masks of 32 bytes and stores their token values
// (as for simpleVal; other bytes get unspecified values) into vals.
func classify32(p *[32]byte, vals *[32]uint32) masks32 {
	x := archsimd.LoadUint8x32(p)
	// 0x21 <= x <= 0x7d  <=>  min(x-0x21, 0x5c) == x-0x21
	d := x.Sub(c21)
	inRange := d.Min(c5c).Equal(d)
	lower := x.Or(c20)
	excl := x.Equal(cBS).Or(x.Equal(cPct)).Or(lower.Equal(cTilde))
	l := lower.Sub(cA)
	letter := l.Min(c25).Equal(l)
	sp := x.Equal(cSp).Or(x.Equal(cTab))

	// Token values: code = the byte (32 for TAB); catcode 11 for letters,
	// the nibble table's for its bytes, 12 otherwise.
	// (x.Merge(y, m) keeps x where m is set and takes y elsewhere.)
	code := x.Max(c20)
	nib := x.And(cNib).AsInt8x32()
	isNib := nibByte.PermuteOrZeroGrouped(nib).Equal(x)
	cat := nibCat.PermuteOrZeroGrouped(nib).Merge(cCatLetter.Merge(cCatOther, letter), isNib)
	codeLo, codeHi := code.GetLo(), code.GetHi()
	catLo, catHi := cat.GetLo(), cat.GetHi()
	// x.ConcatShiftBytesRight(8, x): bytes 8..15 of x in its low half
	codeLo.ExtendLo8ToUint32().Or(catLo.ExtendLo8ToUint32().ShiftAllLeft(catShift)).Store((*[8]uint32)(vals[0:8]))
	codeLo.ConcatShiftBytesRight(8, codeLo).ExtendLo8ToUint32().Or(catLo.ConcatShiftBytesRight(8, catLo).ExtendLo8ToUint32().ShiftAllLeft(catShift)).Store((*[8]uint32)(vals[8:16]))
	codeHi.ExtendLo8ToUint32().Or(catHi.ExtendLo8ToUint32().ShiftAllLeft(catShift)).Store((*[8]uint32)(vals[16:24]))
	codeHi.ConcatShiftBytesRight(8, codeHi).ExtendLo8ToUint32().Or(catHi.ConcatShiftBytesRight(8, catHi).ExtendLo8ToUint32().ShiftAllLeft(catShift)).Store((*[8]uint32)(vals[24:32]))
	return masks32{
		ord: inRange.ToBits() &^ excl.ToBits(),
		sp:  sp.ToBits(),
		let: letter.ToBits(),
		gm:  x.Equal(cLBrace).Or(x.Equal(cRBrace)).Or(x.Equal(cDollar)).ToBits(),
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

// emitAVX2 writes the tokens of the simple bytes [p, p+n) of a block whose
// token values classifyAVX2 stored in vals, starting at block index sh
// (sh+n <= 64), into token slots k..k+n-1, 8 at a time with vector stores;
// it may write scratch values into up to 7 slots past k+n. The caller
// guarantees k+n+8 <= len(val) (the arena's slack).
func emitAVX2(val, off, ln []uint32, k int, vals *blockVals, sh, p, n int) {
	// Bounds checked once for every vector store and load below (the last
	// one touches index k+n+7 at most, and vals index sh+n+7 <= 71).
	_, _, _, _ = val[k+n+7], off[k+n+7], ln[k+n+7], vals[sh+n+7]
	pv, po, pl := unsafe.Pointer(&val[k]), unsafe.Pointer(&off[k]), unsafe.Pointer(&ln[k])
	ps := unsafe.Pointer(&vals[sh])
	o := archsimd.BroadcastUint32x8(uint32(p)).Add(vIota)
	for i := 0; i < 4*n; i += 32 {
		archsimd.LoadUint32x8((*[8]uint32)(unsafe.Add(ps, i))).Store((*[8]uint32)(unsafe.Add(pv, i)))
		o.Store((*[8]uint32)(unsafe.Add(po, i)))
		vOnes.Store((*[8]uint32)(unsafe.Add(pl, i)))
		o = o.Add(vEight)
	}
	archsimd.ClearAVXUpperBits()
}

var vLF, vCR = bc('\n'), bc('\r')

// lfMasksAVX2 stores into m[i] the LF-or-CR mask of the 64 bytes b[64*i:64*i+64]
// (len(b) == 64*len(m)), as lfMasksGo does.
func lfMasksAVX2(b []byte, m []uint64) {
	_ = b[64*len(m)-1]
	for i := range m {
		x := archsimd.LoadUint8x32((*[32]byte)(b[64*i:]))
		y := archsimd.LoadUint8x32((*[32]byte)(b[64*i+32:]))
		lo := x.Equal(vLF).Or(x.Equal(vCR)).ToBits()
		hi := y.Equal(vLF).Or(y.Equal(vCR)).ToBits()
		m[i] = uint64(lo) | uint64(hi)<<32
	}
	archsimd.ClearAVXUpperBits()
}
