package telemetry_test

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"l0lex/telemetry"
)

// TestConcurrentUse drives every entry point from many goroutines at once
// (run it with -race) while the reporter writes the tail CSV and the
// endpoint is scraped, then checks that no event was lost.
func TestConcurrentUse(t *testing.T) {
	const (
		workers = 8
		each    = 3000
		actors  = 3
	)
	csv := t.TempDir() + "/tail.csv"
	tel := startServing(t, telemetry.Config{Actors: actors, LogEvery: 1000, TailKeep: 20, TailCSV: csv})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := uint64(w*each + i)
				actor := int(id%(actors+1)) - 1
				tel.RequestStarted()
				tel.RequestDone(record(id, actor, float64(1+id%50)/10, id%100 == 0))
				tel.Lexed(max(actor, 0), "avx2", 1000, 10)
				tel.QueueDepth(max(actor, 0), i%7)
				if id%100 == 0 {
					tel.HedgeFired()
					tel.HedgeWon()
				}
				if id%1000 == 0 {
					tel.Rotated(actor, "budget")
					tel.FaultInjected("delay")
					tel.Rejected(4)
				}
			}
		})
	}
	stop := make(chan struct{})
	var scrapes sync.WaitGroup
	scrapes.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			scrapeText(t, tel)
			_ = tel.Snapshot()
		}
	})
	wg.Wait()
	close(stop)
	scrapes.Wait()

	const n = workers * each
	s := tel.Snapshot()
	if s.Requests != n || s.Latency.Count != n || s.HedgesFired != n/100 || s.Rotations != n/1000 {
		t.Errorf("snapshot %+v: want %d requests and latencies, %d hedges, %d rotations", s, n, n/100, n/1000)
	}
	fams := parseFamilies(t, scrapeText(t, tel))
	for name, want := range map[string]float64{
		"l0_requests_total":        n,
		"l0_hedge_fired_total":     n / 100,
		"l0_inflight_requests":     0,
		"l0_documents_lexed_total": n,
	} {
		if m := find(fams, name); m == nil || value(m) != want {
			t.Errorf("%s = %v, want %v", name, m, want)
		}
	}
	if got := find(fams, "l0_latency_seconds").GetHistogram().GetSampleCount(); got != n {
		t.Errorf("l0_latency_seconds count %d, want %d", got, n)
	}
	// The reporter writes the CSV on its own goroutine, at the kicks of
	// the workers' requests: give it time to get to it.
	var data []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if data, err = os.ReadFile(csv); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the reporter wrote no tail CSV within 10s: %v", err)
	}
	if !strings.HasPrefix(string(data), telemetry.TailHeader+"\n") {
		t.Errorf("tail CSV has no header:\n%s", data)
	}
}
