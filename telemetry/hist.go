package telemetry

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: values in microseconds from 1 µs to one hour, three
// significant digits (about 0.1 % relative error).
const (
	hdrLowest  = 1
	hdrHighest = int64(time.Hour / time.Microsecond)
	hdrSigFigs = 3
)

// newHDR returns an empty histogram with the package's geometry.
func newHDR() *hdrhistogram.Histogram { return hdrhistogram.New(hdrLowest, hdrHighest, hdrSigFigs) }

// shard is one histogram and the lock that guards it (hdrhistogram is not
// goroutine-safe). Padding keeps two shards' locks off one cache line.
type shard struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
	_  [48]byte
}

// histograms records latencies into one shard per actor (shard 0 takes
// replies without an actor or from an actor beyond the configured count),
// so that concurrent recorders rarely meet on a lock, and merges the shards
// for reporting. record is safe for concurrent use; rollover and snapshot
// must be serialised by the caller (they share window and total).
type histograms struct {
	shards []shard
	window *hdrhistogram.Histogram // values since the last rollover
	total  *hdrhistogram.Histogram // values before the last rollover
}

func newHistograms(actors int) *histograms {
	hs := &histograms{shards: make([]shard, actors+1), window: newHDR(), total: newHDR()}
	for i := range hs.shards {
		hs.shards[i].h = newHDR()
	}
	return hs
}

// record adds one latency in ns for actor. Safe for concurrent use.
func (hs *histograms) record(actor int, ns int64) {
	i := 0
	if actor >= 0 && actor+1 < len(hs.shards) {
		i = actor + 1
	}
	us := ns / int64(time.Microsecond)
	if us > hdrHighest {
		us = hdrHighest
	} else if us < 0 {
		us = 0
	}
	s := &hs.shards[i]
	s.mu.Lock()
	_ = s.h.RecordValue(us) // cannot fail: us is within the geometry
	s.mu.Unlock()
}

// rollover moves every shard's values into window, folds window into total
// and returns the window's summary (the values recorded since the previous
// rollover). Not safe for concurrent use with itself or snapshot.
func (hs *histograms) rollover() Percentiles {
	for i := range hs.shards {
		s := &hs.shards[i]
		s.mu.Lock()
		hs.window.Merge(s.h)
		s.h.Reset()
		s.mu.Unlock()
	}
	p := percentilesOf(hs.window)
	hs.total.Merge(hs.window)
	hs.window.Reset()
	return p
}

// snapshot returns the summary of every value recorded so far, without
// disturbing the window. Not safe for concurrent use with rollover.
func (hs *histograms) snapshot() Percentiles {
	all := hs.total.Clone()
	for i := range hs.shards {
		s := &hs.shards[i]
		s.mu.Lock()
		all.Merge(s.h)
		s.mu.Unlock()
	}
	return percentilesOf(all)
}

// Percentiles summarises a set of latencies (HdrHistogram precision: three
// significant digits, 1 µs resolution).
type Percentiles struct {
	Count int64
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

func percentilesOf(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return Percentiles{
		Count: h.TotalCount(),
		P50:   us(h.ValueAtQuantile(50)),
		P90:   us(h.ValueAtQuantile(90)),
		P99:   us(h.ValueAtQuantile(99)),
		P999:  us(h.ValueAtQuantile(99.9)),
		Max:   us(h.Max()),
	}
}
