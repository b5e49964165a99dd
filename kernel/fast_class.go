package kernel

import (
	"encoding/binary"
	"math/bits"
)

// blockMasks classifies a block of 64 input bytes: bit i of each mask
// describes byte i of the block. The fast driver finds runs of simple bytes
// and the bytes that stop them from these masks alone.
type blockMasks struct {
	ord uint64 // ASCII with catcode 1, 2, 3, 4, 6, 8, 11, 12 or 13 (~): one token, state M
	sp  uint64 // space 0x20 or TAB (catcode 10)
	let uint64 // ASCII letter (catcode 11)
	gm  uint64 // '{', '}' or '$': tokens the group and math check visits

	// For the block driver (fast_block.go):
	s20  uint64 // 0x20 (the only byte TeX strips at the end of a line)
	bs   uint64 // '\\'
	lf   uint64 // LF
	cr   uint64 // CR
	ch   uint64 // '^' or a byte >= 0x80 (what may continue a control word)
	hi   uint64 // a byte >= 0x80
	pct  uint64 // '%'
	ob   uint64 // '{'
	car  uint64 // '^'
	dol  uint64 // '$'
	hard uint64 // none of ord, sp, bs, lf: what the block driver leaves to slow()

	// Set by utf8Masks (fast_block.go) when hi != 0, not by the
	// classifiers.
	u8, u8c uint64     // first and other bytes of the UTF-8 characters read as ordinary
	u8cut   int        // 64, or the offset of a character the block cuts in two
	codes   [32]uint32 // the code points of the characters of u8, in order
}

// blockVals holds the token values of a block's bytes as their codes and
// catcodes (value = code | cat<<catShift; see simpleVal), 64 of each and 16
// bytes of padding so that 8 values may be loaded from any position of the
// block.
type blockVals struct {
	code [64 + 16]byte
	cat  [64 + 16]byte
}

// val returns the token value of byte i.
func (v *blockVals) val(i int) uint32 { return uint32(v.code[i]) | uint32(v.cat[i])<<catShift }

// classByte returns the mask bits of one byte, in blockMasks field order;
// it is the reference the block classifiers are tested against.
func classByte(c byte) (ord, sp, let bool) {
	switch {
	case c == ' ' || c == '\t':
		return false, true, false
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		return true, false, true
	case c == '\\' || c == '%' || c == '^':
		return false, false, false
	case c > 0x20 && c < 0x7f:
		return true, false, false
	}
	return false, false, false
}

// SWAR constants: one value per byte of a uint64.
const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
	low7 = 0x7f7f7f7f7f7f7f7f
	// gather8 moves bit 7 of every byte, shifted down to bit 0, into the
	// top byte in byte order (byte 0 -> bit 56).
	gather8 = 0x0102040810204080
)

// eq7 returns 0x80 in every byte of x7 (bytes below 0x80) equal to c.
func eq7(x7 uint64, c byte) uint64 {
	t := x7 ^ lsb8*uint64(c)
	return ^(t + low7) & msb8
}

// movemask8 packs bit 7 of each byte of m (all other bits zero) into 8 bits.
func movemask8(m uint64) uint64 { return (m >> 7) * gather8 >> 56 }

// classifyGo classifies the 64 bytes of b with SWAR arithmetic, 8 bytes
// per uint64: the line driver's masks (classifyGoLine), then the block
// driver's.
func classifyGo(b *[64]byte) blockMasks {
	var m blockMasks
	classifyGoLine(b, &m)
	var s20, bs, lf, cr, ch, his, ob, dol, car, pct uint64
	for w := 0; w < 8; w++ {
		x := binary.LittleEndian.Uint64(b[8*w:])
		hi := x & msb8 // bytes >= 0x80
		nh, x7 := ^hi, x&low7
		sh := uint(8 * w)
		s20 |= movemask8(eq7(x7, ' ')&nh) << sh
		bs |= movemask8(eq7(x7, '\\')&nh) << sh
		lf |= movemask8(eq7(x7, '\n')&nh) << sh
		cr |= movemask8(eq7(x7, '\r')&nh) << sh
		c := eq7(x7, '^') & nh
		ch |= movemask8(c|hi) << sh
		his |= movemask8(hi) << sh
		ob |= movemask8(eq7(x7, '{')&nh) << sh
		dol |= movemask8(eq7(x7, '$')&nh) << sh
		car |= movemask8(c) << sh
		pct |= movemask8(eq7(x7, '%')&nh) << sh
	}
	m.s20, m.bs, m.lf, m.cr, m.ch, m.hi, m.ob, m.dol, m.car, m.pct = s20, bs, lf, cr, ch, his, ob, dol, car, pct
	m.hard = ^(m.ord | m.sp | m.bs | m.lf)
	return m
}

// classifyGoLine computes into m only the masks the line driver reads
// (ord, sp, let, gm); it leaves the other fields alone.
func classifyGoLine(b *[64]byte, m *blockMasks) {
	var ord, sp, let, gmm uint64
	for w := 0; w < 8; w++ {
		x := binary.LittleEndian.Uint64(b[8*w:])
		nh := ^(x & msb8) // not bytes >= 0x80
		x7 := x & low7
		// 0x21 <= b <= 0x7e: b+0x5f sets bit 7, b+0x01 leaves it clear.
		inRange := (x7 + lsb8*0x5f) &^ (x7 + lsb8*0x01) & msb8
		excl := eq7(x7, '\\') | eq7(x7, '%') | eq7(x7, '^')
		l := x7 | lsb8*0x20 // lower-cased
		letters := (l + lsb8*(0x80-'a')) &^ (l + lsb8*(0x80-'z'-1)) & msb8
		spc := eq7(x7, ' ') | eq7(x7, '\t')
		gm := eq7(x7, '{') | eq7(x7, '}') | eq7(x7, '$')
		sh := uint(8 * w)
		ord |= movemask8(inRange&^excl&nh) << sh
		sp |= movemask8(spc&nh) << sh
		let |= movemask8(letters&nh) << sh
		gmm |= movemask8(gm&nh) << sh
	}
	m.ord, m.sp, m.let, m.gm = ord, sp, let, gmm
}

// trailingOnes returns the number of consecutive set bits of x from bit 0.
func trailingOnes(x uint64) int { return bits.TrailingZeros64(^x) }
