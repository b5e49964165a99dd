package kernel

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestGMMask64 checks both group-and-math mask functions against
// interestingKey on values of every key, near every boundary.
func TestGMMask64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 2000; round++ {
		var w [64]uint32
		var want uint64
		for j := range w {
			key := uint32(r.IntN(28 << 1)) // catcode field and csRewritten
			v := key<<20 | uint32(r.IntN(1<<20))
			switch r.IntN(4) {
			case 0:
				v = key << 20
			case 1:
				v = key<<20 | (1<<20 - 1)
			}
			w[j] = v
			want |= uint64(interestingKey[v>>20]) << j
		}
		if got := gmMask64(&w); got != want {
			t.Fatalf("gmMask64(%x) = %x, want %x", w, got, want)
		}
		if simdUsable() {
			if got := gmMask64AVX2(&w); got != want {
				t.Fatalf("gmMask64AVX2(%x) = %x, want %x", w, got, want)
			}
		}
	}
}

// TestNextLF checks the LF window against bytes.IndexByte at every offset
// of random documents of LF-dense and LF-sparse text, both classifiers.
func TestNextLF(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 300; round++ {
		src := make([]byte, r.IntN(3*64*lfWords))
		every := 1 + r.IntN(200)
		for i := range src {
			src[i] = byte(r.IntN(256))
			if src[i] == '\n' || r.IntN(every) == 0 {
				src[i] = []byte{'\n', 0x8a, 'x', 0x0b}[r.IntN(4)]
			}
		}
		for _, simd := range []bool{false, simdUsable()} {
			l := lexer{src: src, simd: simd}
			for start := 0; start <= len(src); start += 1 + r.IntN(3) {
				want := len(src)
				if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
					want = start + i
				}
				if got := l.nextLF(start); got != want {
					t.Fatalf("simd=%v len %d: nextLF(%d) = %d, want %d", simd, len(src), start, got, want)
				}
			}
		}
	}
}
