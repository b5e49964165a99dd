package kernel_test

import (
	"testing"

	"l0lex/kernel"
)

// BenchmarkLexReference measures the reference driver (slow() for every
// character) on the benchmark documents: the baseline the fast paths beat,
// and the cost of the constructs they hand to slow().
func BenchmarkLexReference(b *testing.B) {
	for _, d := range benchDocs(b) {
		a := kernel.NewArena(kernel.SizeFor(d.src))
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(int64(len(d.src)))
			b.ReportAllocs()
			for b.Loop() {
				if err := kernel.LexReference(a, d.src, nil); err != nil {
					b.Fatal(err)
				}
			}
			report(b, a.N)
		})
	}
}
