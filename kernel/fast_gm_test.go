package kernel

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestGMMatters checks gmMatters on values of every key of v>>20 (the
// catcode field and csRewritten), near every boundary: printed catcode 1, 2
// or 3 (keys 2 to 7) and control sequences with a stored name (key 1).
func TestGMMatters(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for key := uint32(0); key < 28<<1; key++ {
		for _, low := range []uint32{0, 1, 1<<20 - 1, uint32(r.IntN(1 << 20))} {
			v := key<<20 | low
			if got, want := gmMatters(v), key >= 1 && key <= 7; got != want {
				t.Fatalf("gmMatters(%#x) = %v, want %v", v, got, want)
			}
		}
	}
}

// TestNextEOL checks the LF and CR window against bytes.IndexAny at every offset
// of random documents of LF-dense and LF-sparse text, both classifiers.
func TestNextEOL(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 300; round++ {
		src := make([]byte, r.IntN(3*64*lfWords))
		every := 1 + r.IntN(200)
		for i := range src {
			src[i] = byte(r.IntN(256))
			if src[i] == '\n' || r.IntN(every) == 0 {
				src[i] = []byte{'\n', '\r', 0x8a, 0x8d, 'x', 0x0b}[r.IntN(6)]
			}
		}
		for _, simd := range []bool{false, simdUsable()} {
			l := lexer{src: src, simd: simd}
			for start := 0; start <= len(src); start += 1 + r.IntN(3) {
				want := len(src)
				if i := bytes.IndexAny(src[start:], "\n\r"); i >= 0 {
					want = start + i
				}
				if got := l.nextEOL(start); got != want {
					t.Fatalf("simd=%v len %d: nextEOL(%d) = %d, want %d", simd, len(src), start, got, want)
				}
			}
		}
	}
}
