package actors

// wheel is a hashed timer wheel of hedge deadlines: slot i%len(slots)
// holds the entries due within tick i (and, for deadlines more than one lap
// away, at later laps). Entries keep their exact deadline: advance fires
// each one at its deadline, not at the end of its tick, and nextAt tells
// the owner when to wake for the earliest. It is owned by one goroutine
// (the supervisor); no method is safe for concurrent use.
type wheel struct {
	tickNs int64
	slots  [][]wheelEntry
	last   int64 // last tick processed
	n      int   // entries held
}

// wheelEntry is a job due at time at (ns), within tick due.
type wheelEntry struct {
	at  int64
	due int64
	j   *job
}

// wheelSlots is the wheel's size in ticks (512 ms at a 1 ms tick).
const wheelSlots = 512

func newWheel(tickNs, now int64) *wheel {
	return &wheel{tickNs: tickNs, slots: make([][]wheelEntry, wheelSlots), last: now / tickNs}
}

// add schedules j at time at (ns, same clock as now). A deadline already
// past fires at the next advance.
func (w *wheel) add(at int64, j *job) {
	due := (at + w.tickNs - 1) / w.tickNs // the tick that ends at or after at
	if due <= w.last {
		due = w.last + 1
	}
	s := &w.slots[due%wheelSlots]
	*s = append(*s, wheelEntry{at: at, due: due, j: j})
	w.n++
}

// len returns the number of pending entries.
func (w *wheel) len() int { return w.n }

// advance calls fire for each entry whose deadline is at or before now,
// in tick order (and so in deadline order, to within a tick).
func (w *wheel) advance(now int64, fire func(*job)) {
	cur := now / w.tickNs
	if cur > w.last {
		from := w.last + 1
		if cur-from >= wheelSlots { // more than a lap behind: each slot once
			from = cur - wheelSlots + 1
		}
		for t := from; t <= cur; t++ {
			w.fireSlot(t, func(e *wheelEntry) bool { return e.due <= cur }, fire)
		}
		w.last = cur
	}
	// The tick in progress: its entries whose deadline passed.
	w.fireSlot(cur+1, func(e *wheelEntry) bool { return e.due == cur+1 && e.at <= now }, fire)
}

// fireSlot fires and removes the entries of tick t's slot that are due.
func (w *wheel) fireSlot(t int64, due func(*wheelEntry) bool, fire func(*job)) {
	s := &w.slots[t%wheelSlots]
	if len(*s) == 0 {
		return
	}
	keep := (*s)[:0]
	for _, e := range *s {
		if due(&e) {
			w.n--
			fire(e.j)
		} else {
			keep = append(keep, e)
		}
	}
	clear((*s)[len(keep):])
	*s = keep
}

// nextAt returns the earliest deadline held (ns), or -1 when there is none.
// It looks at the slots from the tick in progress on, up to one lap.
func (w *wheel) nextAt() int64 {
	if w.n == 0 {
		return -1
	}
	for t := w.last + 1; t <= w.last+wheelSlots; t++ {
		next := int64(-1)
		for _, e := range w.slots[t%wheelSlots] {
			if e.due == t && (next < 0 || e.at < next) {
				next = e.at
			}
		}
		if next >= 0 {
			return next
		}
	}
	// Every entry is more than a lap away: wake in a lap and look again.
	return (w.last + wheelSlots) * w.tickNs
}
