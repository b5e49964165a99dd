package actors

// wheel is a hashed timer wheel of hedge deadlines with a fixed tick: slot
// i%len(slots) holds the entries due at tick i (and, for deadlines more than
// one lap away, at later laps). It is owned by one goroutine (the
// supervisor); no method is safe for concurrent use.
type wheel struct {
	tickNs int64
	slots  [][]wheelEntry
	last   int64 // last tick processed
	n      int   // entries held
}

// wheelEntry is a job due at tick due.
type wheelEntry struct {
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
	due := (at + w.tickNs - 1) / w.tickNs // round up: never fire early
	if due <= w.last {
		due = w.last + 1
	}
	s := &w.slots[due%wheelSlots]
	*s = append(*s, wheelEntry{due: due, j: j})
	w.n++
}

// len returns the number of pending entries.
func (w *wheel) len() int { return w.n }

// advance processes every tick up to time now and calls fire for each entry
// that is due, in deadline order across ticks.
func (w *wheel) advance(now int64, fire func(*job)) {
	cur := now / w.tickNs
	if cur <= w.last {
		return
	}
	from := w.last + 1
	if cur-from >= wheelSlots { // more than a lap behind: each slot once
		from = cur - wheelSlots + 1
	}
	for t := from; t <= cur; t++ {
		s := &w.slots[t%wheelSlots]
		keep := (*s)[:0]
		for _, e := range *s {
			if e.due <= cur {
				w.n--
				fire(e.j)
			} else {
				keep = append(keep, e)
			}
		}
		clear((*s)[len(keep):])
		*s = keep
	}
	w.last = cur
}
