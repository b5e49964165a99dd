//go:build goexperiment.simd && amd64 && !purego

package kernel

import (
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// simdBuilt reports whether this binary contains the AVX2 kernels.
const simdBuilt = true

// simdNotBuiltReason is empty when the AVX2 kernels are built in.
const simdNotBuiltReason = ""

// classifyAVX2 classifies the 64 bytes of b with two 32-byte vectors into
// m and, unless vals is nil, stores the token values of its simple bytes
// into vals.
//
// Every AVX2 function here ends with VZEROUPPER, after its last vector
// instruction (results go to memory first, which orders them before it),
// and contains no legacy SSE instruction: on some CPUs mixing legacy SSE
// code (which the Go compiler emits to zero and copy memory) with dirty
// upper halves of the YMM registers costs hundreds of cycles each time.
//
// Both halves are classified side by side and each mask is written once,
// whole (m's fields are not built in memory half by half). The token
// values are code = the byte (32 for TAB) and catcode 11 for letters, the
// nibble table's for its bytes, 12 otherwise (as for simpleVal; other
// bytes get unspecified values).
func classifyAVX2(b *[64]byte, vals *blockVals, m *blockMasks) {
	x0 := archsimd.LoadUint8x32((*[32]byte)(b[:32]))
	x1 := archsimd.LoadUint8x32((*[32]byte)(b[32:]))
	lower0, lower1 := x0.Or(c20), x1.Or(c20)
	l0, l1 := lower0.Sub(cA), lower1.Sub(cA)
	let0, let1 := l0.Min(c25).Equal(l0), l1.Min(c25).Equal(l1)

	// Token values (not needed when counting: vals is nil). (x.Merge(y, m)
	// keeps x where m is set and takes y elsewhere.)
	if vals != nil {
		x0.Max(c20).Store((*[32]byte)(vals.code[:32]))
		x1.Max(c20).Store((*[32]byte)(vals.code[32:64]))
		n0, n1 := x0.And(cNib).AsInt8x32(), x1.And(cNib).AsInt8x32()
		isNib0 := nibByte.PermuteOrZeroGrouped(n0).Equal(x0)
		isNib1 := nibByte.PermuteOrZeroGrouped(n1).Equal(x1)
		cat0 := nibCat.PermuteOrZeroGrouped(n0).Merge(cCatLetter.Merge(cCatOther, let0), isNib0)
		cat1 := nibCat.PermuteOrZeroGrouped(n1).Merge(cCatLetter.Merge(cCatOther, let1), isNib1)
		cCatActive.Merge(cat0, x0.Equal(cTilde)).Store((*[32]byte)(vals.cat[:32]))
		cCatActive.Merge(cat1, x1.Equal(cTilde)).Store((*[32]byte)(vals.cat[32:64]))
	}

	m.let = join(let0.ToBits(), let1.ToBits())
	// 0x21 <= x <= 0x7e  <=>  min(x-0x21, 0x5d) == x-0x21
	d0, d1 := x0.Sub(c21), x1.Sub(c21)
	bs0, bs1 := x0.Equal(cBS), x1.Equal(cBS)
	pct0, pct1 := x0.Equal(cPct), x1.Equal(cPct)
	m.pct = join(pct0.ToBits(), pct1.ToBits())
	car0, car1 := x0.Equal(cCaret), x1.Equal(cCaret)
	excl0 := bs0.Or(pct0).Or(car0)
	excl1 := bs1.Or(pct1).Or(car1)
	ord0 := d0.Min(c5d).Equal(d0).ToBits() &^ excl0.ToBits()
	ord1 := d1.Min(c5d).Equal(d1).ToBits() &^ excl1.ToBits()
	ord := join(ord0, ord1)
	m.ord = ord
	bs := join(bs0.ToBits(), bs1.ToBits())
	m.bs = bs
	s200, s201 := x0.Equal(cSp), x1.Equal(cSp)
	m.s20 = join(s200.ToBits(), s201.ToBits())
	sp := join(s200.Or(x0.Equal(cTab)).ToBits(), s201.Or(x1.Equal(cTab)).ToBits())
	m.sp = sp
	lf := join(x0.Equal(cLF).ToBits(), x1.Equal(cLF).ToBits())
	m.lf = lf
	m.cr = join(x0.Equal(cCR).ToBits(), x1.Equal(cCR).ToBits())
	m.hard = ^(ord | sp | bs | lf)
	ob0, ob1 := x0.Equal(cLBrace), x1.Equal(cLBrace)
	dol0, dol1 := x0.Equal(cDollar), x1.Equal(cDollar)
	m.ob = join(ob0.ToBits(), ob1.ToBits())
	m.dol = join(dol0.ToBits(), dol1.ToBits())
	m.gm = join(ob0.Or(x0.Equal(cRBrace)).Or(dol0).ToBits(), ob1.Or(x1.Equal(cRBrace)).Or(dol1).ToBits())
	m.car = join(car0.ToBits(), car1.ToBits())
	hi0, hi1 := x0.Max(c80).Equal(x0), x1.Max(c80).Equal(x1)
	m.hi = join(hi0.ToBits(), hi1.ToBits())
	m.ch = m.hi | m.car
	archsimd.ClearAVXUpperBits()
}

// join returns the 64-bit mask of a block from the masks of its halves.
func join(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }

func bc(c uint8) archsimd.Uint8x32 { return archsimd.BroadcastUint8x32(c) }

// Vector constants, loaded from memory where used (cheaper than
// rebuilding broadcasts in every call).
var (
	c21, c5d, cBS, cPct, cTilde = bc(0x21), bc(0x5d), bc('\\'), bc('%'), bc('~')
	c20, cA, c25, cSp, cTab     = bc(0x20), bc('a'), bc(25), bc(' '), bc('\t')
	cNib                        = bc(0x0f)
	cLBrace, cRBrace, cDollar   = bc('{'), bc('}'), bc('$')
	cCatLetter, cCatOther       = bc(CatLetter), bc(CatOther)
	cCatActive                  = bc(CatActive)
	cCaret, c80, cLF, cCR       = bc('^'), bc(0x80), bc('\n'), bc('\r')
	vIota                       = archsimd.LoadUint32x8(&[8]uint32{0, 1, 2, 3, 4, 5, 6, 7})
	vEight                      = archsimd.BroadcastUint32x8(8)
)

// Lookup tables indexed by a byte's low nibble: the one special ordinary or
// space byte with that nibble, and its catcode. The low nibbles of
// ' ', '#', '$', '&', TAB, LF, '{', '}', '^' and '_' are all different. LF gets
// the value of a space token: the block driver emits the space that an end
// of line in state M makes at the LF (and patches a \par in state N).
var (
	nibByte = archsimd.LoadUint8x32(&[32]byte{
		' ', 0xff, 0xff, '#', '$', 0xff, '&', 0xff, 0xff, '\t', '\n', '{', 0xff, '}', '^', '_',
		' ', 0xff, 0xff, '#', '$', 0xff, '&', 0xff, 0xff, '\t', '\n', '{', 0xff, '}', '^', '_',
	})
	nibCat = archsimd.LoadUint8x32(&[32]byte{
		CatSpace, 0, 0, CatParam, CatMathShift, 0, CatAlignTab, 0, 0, CatSpace, CatSpace, CatBeginGroup, 0, CatEndGroup, CatSuperscr, CatSubscr,
		CatSpace, 0, 0, CatParam, CatMathShift, 0, CatAlignTab, 0, 0, CatSpace, CatSpace, CatBeginGroup, 0, CatEndGroup, CatSuperscr, CatSubscr,
	})
)

// emitAVX2 writes the tokens of the simple bytes [p, p+n) of a block whose
// token values classifyAVX2 stored in vals, starting at block index sh
// (sh+n <= 64), into token slots k..k+n-1, 8 at a time with vector stores;
// it may write scratch values into up to 7 slots past k+n. The caller
// guarantees k+n+8 <= len(val) (the arena's slack).
func emitAVX2(val, off []uint32, ln []uint8, k int, vals *blockVals, sh, p, n int) {
	// Bounds checked once for every vector store and load below (the last
	// one touches index k+n+7 at most, and vals index sh+n+15 <= 79).
	_, _, _, _ = val[k+n+7], off[k+n+7], ln[k+n+7], vals.code[sh+n+15]
	pv, po, pl := unsafe.Pointer(&val[k]), unsafe.Pointer(&off[k]), unsafe.Pointer(&ln[k])
	o := archsimd.BroadcastUint32x8(uint32(p)).Add(vIota)
	for i := 0; i < n; i += 8 {
		vals.value(sh + i).Store((*[8]uint32)(unsafe.Add(pv, 4*i)))
		o.Store((*[8]uint32)(unsafe.Add(po, 4*i)))
		*(*uint64)(unsafe.Add(pl, i)) = lsb8 // eight lengths of 1
		o = o.Add(vEight)
	}
	archsimd.ClearAVXUpperBits()
}

// value returns the token values of the 8 bytes from i (i+16 <= 80).
func (v *blockVals) value(i int) archsimd.Uint32x8 {
	code := archsimd.LoadUint8x16((*[16]byte)(v.code[i:])).ExtendLo8ToUint32()
	cat := archsimd.LoadUint8x16((*[16]byte)(v.cat[i:])).ExtendLo8ToUint32()
	return code.Or(cat.ShiftAllLeft(catShift))
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

// compressIdx holds, for every 8-bit mask k, the positions of k's set bits
// in increasing order (then zeros): VPERMD indices that pack the selected
// lanes of a vector to its front.
var compressIdx = func() (t [256][8]uint32) {
	for k := range t {
		j := 0
		for i := 0; i < 8; i++ {
			if k>>i&1 != 0 {
				t[k][j] = uint32(i)
				j++
			}
		}
	}
	return t
}()

// compressAVX2 stores a token for each set bit i of emit: value
// vals.val(i), offset base+i, length 1, from token slot n on, 8 bytes of
// the block at a time (a permutation packs the selected lanes; a group
// with none selected is stored too, and overwritten: a branch on it costs
// more where such groups come at random), and returns the new token
// count. It may write scratch values into up to 8 slots past the last
// token; the caller checked n+72 <= len(val).
func compressAVX2(val, off []uint32, ln []uint8, n int, vals *blockVals, emit uint64, base int) int {
	_, _, _ = val[n+71], off[n+71], ln[n+71]
	pv, po, pl := unsafe.Pointer(&val[n]), unsafe.Pointer(&off[n]), unsafe.Pointer(&ln[n])
	o := archsimd.BroadcastUint32x8(uint32(base))
	eight := vEight
	k := 0
	for g := 0; g < 8; g++ {
		// No branch on an empty group: its stores are overwritten.
		b := emit >> (8 * g) & 0xff
		idx := archsimd.LoadUint32x8(&compressIdx[b])
		vals.value(8 * g).Permute(idx).Store((*[8]uint32)(unsafe.Add(pv, 4*k)))
		idx.Add(o).Store((*[8]uint32)(unsafe.Add(po, 4*k)))
		*(*uint64)(unsafe.Add(pl, k)) = lsb8 // eight lengths of 1
		k += bits.OnesCount64(b)
		o = o.Add(eight)
	}
	archsimd.ClearAVXUpperBits()
	return n + k
}
