package kernel

import (
	"math/rand"
	"testing"
)

// TestCountLines: the vectorized count equals a byte-by-byte split at LF,
// CR and CR LF on random mixes of line ends.
func TestCountLines(t *testing.T) {
	naive := func(src []byte) int {
		n := 0
		for i := 0; i < len(src); i++ {
			switch src[i] {
			case '\n':
				n++
			case '\r':
				n++
				if i+1 < len(src) && src[i+1] == '\n' {
					i++
				}
			}
		}
		return n
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("a\r\n")
	for i := 0; i < 2000; i++ {
		src := make([]byte, rng.Intn(40))
		for j := range src {
			src[j] = alphabet[rng.Intn(len(alphabet))]
		}
		if got, want := countLines(src), naive(src); got != want {
			t.Fatalf("countLines(%q) = %d, want %d", src, got, want)
		}
	}
}
