package kernel

import (
	"encoding/binary"
	"math/bits"
)

// Line ends without a byte search per line: on the AVX2 path setupLine
// finds the next LF or CR in a window of lfWords*64 source bytes whose LF
// and CR positions are bitmasks
// (bit i of lfBits[w] is byte lfBase+64*w+i), classified in one go when
// the window is entered; most lines are then one or two bit tests.

// lfWords is the window's size in 64-byte blocks.
const lfWords = 32

// lfWindow is the LF and CR bitmask window of one lexing run.
type lfWindow struct {
	base int // source offset of the window's first byte (a multiple of 64)
	end  int // source offset past the window (base when empty)
	bits [lfWords]uint64
}

// nextEOL returns the source offset of the first LF or CR at or after
// start, or len(src) when there is none.
func (l *lexer) nextEOL(start int) int {
	n := len(l.src)
	w := &l.lf
	for start < n {
		if start < w.base || start >= w.end {
			l.fillLF(start &^ 63)
		}
		m := w.bits[(start-w.base)>>6] >> (uint(start) & 63)
		if m != 0 {
			return start + bits.TrailingZeros64(m)
		}
		start = (start | 63) + 1
	}
	return n
}

// fillLF classifies the window starting at base (a multiple of 64, less
// than len(src)); bits past the end of src are clear.
func (l *lexer) fillLF(base int) {
	w := &l.lf
	src := l.src
	full := min(lfWords, (len(src)-base)>>6) // whole blocks inside src
	if full > 0 {
		blk := src[base : base+64*full]
		if l.simd {
			lfMasksAVX2(blk, w.bits[:full])
		} else {
			lfMasksGo(blk, w.bits[:full])
		}
	}
	w.base, w.end = base, min(base+64*lfWords, len(src))
	if full < lfWords {
		var pad [64]byte
		copy(pad[:], src[base+64*full:])
		lfMasksGo(pad[:], w.bits[full:full+1])
	}
}

// lfMasksGo stores into m[i] the LF-or-CR mask of the 64 bytes b[64*i:64*i+64]
// (len(b) == 64*len(m)), 8 bytes per uint64.
func lfMasksGo(b []byte, m []uint64) {
	for i := range m {
		blk := b[64*i : 64*i+64]
		var r uint64
		for j := 0; j < 64; j += 8 {
			x := binary.LittleEndian.Uint64(blk[j:])
			t, u := x^lsb8*'\n', x^lsb8*'\r'
			// A zero byte of t or u, exactly: bytes >= 0x80 never count.
			z := ^(((t & low7) + low7) | t) & msb8
			z |= ^(((u & low7) + low7) | u) & msb8
			r |= movemask8(z) << uint(j)
		}
		m[i] = r
	}
}
