package actors_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"l0lex/actors"
)

// benchPool runs b.N requests of d through a pool from conns closed-loop
// submitters and reports the pool's latency percentiles (Submit to Done).
func benchPool(b *testing.B, cfg actors.Config, d []byte, conns int) {
	p, err := actors.New(cfg, quietObs{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	lat := make([][]time.Duration, conns)
	per := b.N/conns + 1
	b.SetBytes(int64(len(d)))
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan *actors.Reply, 1)
			for k := range per {
				t0 := time.Now()
				p.Submit(&actors.Request{ConnID: uint64(c), ID: uint64(k), Doc: d,
					Done: func(rep *actors.Reply) { done <- rep }})
				if rep := <-done; rep.Status != 0 {
					b.Errorf("status %d", rep.Status)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	q := func(f float64) float64 { return float64(all[int(f*float64(len(all)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(0.999), "p99.9-ms")
	in := p.Info()
	b.ReportMetric(float64(in.Stats.Hedges)/float64(len(all))*100, "hedge-%")
}

// BenchmarkPoolSmall measures the pool's own overhead with tiny documents.
func BenchmarkPoolSmall(b *testing.B) {
	cfg := actors.DefaultConfig()
	cfg.Cores = []int{0, 1}
	cfg.ArenaBaseBytes = 64 << 10
	benchPool(b, cfg, doc(1), 4)
}

// BenchmarkPoolCorpus runs the seed's perf corpus through two pinned actors
// from four submitters, as the service benchmark does over sockets.
func BenchmarkPoolCorpus(b *testing.B) {
	d, err := os.ReadFile("../../shared/corpus/perf_smoke_big.tex")
	if err != nil {
		b.Skipf("perf corpus not available: %v", err)
	}
	cfg := actors.DefaultConfig()
	cfg.Cores = []int{0, 1}
	benchPool(b, cfg, d, 4)
}
