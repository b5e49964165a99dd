package actors

import (
	"math/bits"
	"sync/atomic"
)

// latHist is a log-linear histogram of service times (8 sub-buckets per
// power of two of ns, about 12 % resolution) with two generations: actors
// record into the current one; the supervisor reads and clears the other.
// record is safe for concurrent use; p95AndSwap must be called by one
// goroutine (the supervisor).
type latHist struct {
	gen    atomic.Uint32
	counts [2][latBuckets]atomic.Uint64
}

const (
	latSub     = 3 // bits of mantissa
	latBuckets = 64 << latSub
)

// latBucket returns the bucket of ns.
func latBucket(ns int64) int {
	if ns < 1<<latSub {
		if ns < 0 {
			return 0
		}
		return int(ns)
	}
	u := uint64(ns)
	e := bits.Len64(u) - 1 - latSub // shift so that latSub+1 bits remain
	m := int(u>>uint(e)) & (1<<latSub - 1)
	return (e+1)<<latSub | m
}

// latUpper returns the largest ns that falls in bucket b.
func latUpper(b int) int64 {
	if b < 1<<latSub {
		return int64(b)
	}
	e := b>>latSub - 1
	m := uint64(b&(1<<latSub-1)) | 1<<latSub
	return int64((m+1)<<uint(e)) - 1
}

// record adds one service time.
func (h *latHist) record(ns int64) {
	h.counts[h.gen.Load()&1][latBucket(ns)].Add(1)
}

// p95AndSwap switches generations and returns the p95 of the generation
// that ended, or ok=false if it holds fewer than min samples (then the
// samples are kept for the next call).
func (h *latHist) p95AndSwap(min uint64) (ns int64, ok bool) {
	g := h.gen.Load() & 1
	c := &h.counts[g]
	var total uint64
	for i := range c {
		total += c[i].Load()
	}
	if total < min {
		return 0, false
	}
	h.gen.Store(g ^ 1)
	target := (total*95 + 99) / 100
	var cum uint64
	ns = -1
	for i := range c {
		cum += c[i].Swap(0)
		if ns < 0 && cum >= target {
			ns = latUpper(i)
		}
	}
	return ns, true
}

// lexRate is the pool's recent lexing speed: an exponentially weighted
// moving average (weight 1/16) of the nanoseconds per KiB of the documents
// lexed to completion. Safe for concurrent use: two updates may race and
// one be lost, which only slows the average down.
type lexRate struct{ nsPerKiB atomic.Int64 }

// rateMinBytes is the smallest document whose lexing time says something
// about speed (below it, fixed costs dominate).
const rateMinBytes = 4 << 10

// record adds the lexing of a document of n bytes in ns nanoseconds.
func (r *lexRate) record(ns int64, n int) {
	if n < rateMinBytes || ns <= 0 {
		return
	}
	x := ns << 10 / int64(n)
	if old := r.nsPerKiB.Load(); old != 0 {
		x = old + (x-old)/16
	}
	r.nsPerKiB.Store(max(x, 1))
}

// expect returns how long lexing a document of n bytes should take at the
// recent speed, or 0 while no document was recorded.
func (r *lexRate) expect(n int64) int64 { return r.nsPerKiB.Load() * n >> 10 }

// budget is the hedge budget: hedges may be at most pct % of the requests
// submitted in a sliding window of n buckets. Owned by the supervisor.
type budget struct {
	pct      float64
	bucketNs int64
	reqs     []uint64
	hedges   []uint64
	cur      int64 // index (time / bucketNs) of the newest bucket
	sumReqs  uint64
	sumHedge uint64
}

const budgetBuckets = 20

func newBudget(pct float64, windowNs int64) *budget {
	b := &budget{pct: pct, bucketNs: max(windowNs/budgetBuckets, 1)}
	b.reqs = make([]uint64, budgetBuckets)
	b.hedges = make([]uint64, budgetBuckets)
	return b
}

// advance moves the window to time now, dropping expired buckets.
func (b *budget) advance(now int64) {
	idx := now / b.bucketNs
	if idx <= b.cur {
		return
	}
	steps := idx - b.cur
	if steps > budgetBuckets {
		steps = budgetBuckets
	}
	for s := int64(1); s <= steps; s++ {
		i := int((b.cur + s) % budgetBuckets)
		b.sumReqs -= b.reqs[i]
		b.sumHedge -= b.hedges[i]
		b.reqs[i], b.hedges[i] = 0, 0
	}
	b.cur = idx
}

// addRequest counts a submitted request at time now.
func (b *budget) addRequest(now int64) {
	b.advance(now)
	b.reqs[b.cur%budgetBuckets]++
	b.sumReqs++
}

// take reports whether one more hedge fits the budget at time now, and
// counts it if so.
func (b *budget) take(now int64) bool {
	b.advance(now)
	if float64(b.sumHedge+1) > b.pct/100*float64(b.sumReqs) {
		return false
	}
	b.hedges[b.cur%budgetBuckets]++
	b.sumHedge++
	return true
}

// untake returns a hedge taken by take that was not sent.
func (b *budget) untake() {
	i := b.cur % budgetBuckets
	if b.hedges[i] > 0 {
		b.hedges[i]--
		b.sumHedge--
	}
}
