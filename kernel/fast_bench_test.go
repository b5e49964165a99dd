package kernel

import (
	"os"
	"slices"
	"testing"
)

// BenchmarkFastModes lexes the seed corpus with every variant of the fast
// driver available here (both classifiers, with and without the block
// driver), to see what each part is worth on this machine.
func BenchmarkFastModes(b *testing.B) {
	src, err := os.ReadFile("../../shared/corpus/perf_smoke_big.tex")
	if err != nil {
		b.Skipf("seed corpus not found: %v", err)
	}
	a := NewArena(SizeFor(src))
	ps := fastPaths()
	names := make([]string, 0, len(ps))
	for name := range ps {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fm := ps[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := lexFastMode(a, src, nil, fm.simd, fm.block, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(a.N), "ns/token")
		})
	}
}
