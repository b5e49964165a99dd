package telemetry

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestHistogramMerge records values spread over several actors' shards and
// checks that the merged view equals one histogram fed every value.
func TestHistogramMerge(t *testing.T) {
	const actors = 4
	hs := newHistograms(actors)
	ref := newHDR()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		ns := int64(rng.ExpFloat64() * 2e6) // mean 2 ms
		actor := i%(actors+2) - 1           // -1 and actors (out of range) land in shard 0
		hs.record(actor, ns)
		_ = ref.RecordValue(ns / 1000)
	}
	for i := range hs.shards {
		if hs.shards[i].h.TotalCount() == 0 {
			t.Errorf("shard %d got no values", i)
		}
	}
	want := percentilesOf(ref)
	if got := hs.snapshot(); got != want {
		t.Errorf("snapshot = %+v, want %+v", got, want)
	}
	if got := hs.rollover(); got != want {
		t.Errorf("rollover = %+v, want %+v", got, want)
	}
	if got := hs.snapshot(); got != want {
		t.Errorf("snapshot after rollover = %+v, want %+v", got, want)
	}
}

// TestHistogramWindows checks that rollover reports only the values since
// the previous rollover while snapshot covers the whole run.
func TestHistogramWindows(t *testing.T) {
	hs := newHistograms(2)
	for range 100 {
		hs.record(0, int64(time.Millisecond))
	}
	w1 := hs.rollover()
	for range 100 {
		hs.record(1, int64(30*time.Millisecond))
	}
	w2 := hs.rollover()
	all := hs.snapshot()
	near := func(d, want time.Duration) bool { return d >= want && d <= want+want/500 }
	if w1.Count != 100 || !near(w1.P999, time.Millisecond) {
		t.Errorf("first window %+v, want 100 values of 1 ms", w1)
	}
	if w2.Count != 100 || !near(w2.P50, 30*time.Millisecond) {
		t.Errorf("second window %+v, want 100 values of 30 ms", w2)
	}
	if all.Count != 200 || !near(all.P50, time.Millisecond) || !near(all.P99, 30*time.Millisecond) {
		t.Errorf("whole run %+v, want 1 ms median and 30 ms P99", all)
	}
	if empty := hs.rollover(); empty != (Percentiles{}) {
		t.Errorf("empty window = %+v, want zero", empty)
	}
}

// TestHistogramClamp checks out-of-range latencies are recorded, clamped.
func TestHistogramClamp(t *testing.T) {
	hs := newHistograms(0)
	hs.record(-1, int64(2*time.Hour))
	hs.record(-1, -5)
	p := hs.snapshot()
	if p.Count != 2 || p.Max < 59*time.Minute {
		t.Errorf("clamped values: %+v, want 2 values, max about 1 h", p)
	}
}
