package actors

// Bridges for the external tests of the timer wheel, the hedge budget and
// the latency histogram.

// Wheel is the hedge timer wheel keyed by int ids.
type Wheel struct {
	w    *wheel
	jobs map[*job]int
}

// NewWheel returns a wheel with the given tick, starting at time now.
func NewWheel(tickNs, now int64) *Wheel {
	return &Wheel{w: newWheel(tickNs, now), jobs: map[*job]int{}}
}

// Add schedules id at time at.
func (w *Wheel) Add(at int64, id int) {
	j := &job{}
	w.jobs[j] = id
	w.w.add(at, j)
}

// Advance returns the ids due by time now.
func (w *Wheel) Advance(now int64) []int {
	var out []int
	w.w.advance(now, func(j *job) { out = append(out, w.jobs[j]) })
	return out
}

// Len returns the number of pending entries.
func (w *Wheel) Len() int { return w.w.len() }

// Budget is the hedge budget.
type Budget struct{ b *budget }

// NewBudget returns a budget of pct % over windowNs.
func NewBudget(pct float64, windowNs int64) Budget { return Budget{newBudget(pct, windowNs)} }

// AddRequest counts a request at now.
func (b Budget) AddRequest(now int64) { b.b.addRequest(now) }

// Take reports whether a hedge is allowed at now, counting it.
func (b Budget) Take(now int64) bool { return b.b.take(now) }

// P95 records the service times and returns their p95 as the supervisor
// computes it.
func P95(ns []int64, min uint64) (int64, bool) {
	var h latHist
	for _, v := range ns {
		h.record(v)
	}
	return h.p95AndSwap(min)
}

// PPM draws n numbers from a per-actor generator seeded with seed.
func PPM(seed uint64, n int) []int {
	r := newRNG(seed)
	out := make([]int, n)
	for i := range out {
		out[i] = r.ppm()
	}
	return out
}

// LexRate is the pool's moving average of lexing speed.
type LexRate struct{ r lexRate }

// Record adds the lexing of n bytes in ns nanoseconds.
func (r *LexRate) Record(ns int64, n int) { r.r.record(ns, n) }

// Expect returns the predicted lexing time of n bytes.
func (r *LexRate) Expect(n int64) int64 { return r.r.expect(n) }

// SetLexRate sets p's recent lexing speed (ns per KiB), for both modes.
func SetLexRate(p *Pool, nsPerKiB int64) {
	for i := range p.rate {
		p.rate[i].nsPerKiB.Store(nsPerKiB)
	}
}

// SetThreadCPU replaces p's reader of thread CPU times; call it before the
// first Submit.
func SetThreadCPU(p *Pool, f func(tid int32, self bool) (int64, bool)) { p.threadCPU = f }

// Gettid and ThreadCPU are the real thread id and CPU time readers.
var (
	Gettid    = gettid
	ThreadCPU = threadCPU
)

// SetFIFO is setFIFO (the caller must hold its thread).
var SetFIFO = setFIFO

// RemapCores is remapCores.
func RemapCores(cores, mask []int) ([]int, []int) { return remapCores(cores, mask) }

// ThreadIDs returns the thread id of each slot's installed actor (0 for an
// unpinned actor, or a slot being replaced).
func (p *Pool) ThreadIDs() []int {
	ids := make([]int, len(p.slots))
	for i := range p.slots {
		if a := p.slots[i].Load(); a != nil {
			ids[i] = int(a.tid)
		}
	}
	return ids
}
