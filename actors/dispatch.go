package actors

// stuckPenalty is added to the load of an actor whose running attempt
// passed the hedge deadline (stalled or delayed): it gets new work only when
// every other actor is stuck too or full.
const stuckPenalty = 1 << 20

// dispatch sends att to the installed core actor (never a spare) with the
// lowest load (idle first, actors stuck on one attempt for longer than the
// hedge deadline last; the actors of a core that take turns count each
// other's load), trying the next ones when a mailbox is full, never
// to slot exclude (-1: none). It reports whether an actor took it.
func (p *Pool) dispatch(att *attempt, exclude int) bool {
	n := p.nCore
	var tried [MaxActors / 64]uint64
	start := int(p.rr.Add(1)) % n
	stuckAfter, now := p.sup.hedgeNs.Load(), int64(0)
	if stuckAfter > 0 {
		now = p.now()
	}
	for {
		best, bestLoad := -1, int64(0)
		var bestActor *actor
		for k := range n {
			i := (start + k) % n
			if i == exclude || tried[i/64]&(1<<(i%64)) != 0 {
				continue
			}
			a := p.slots[i].Load()
			l := int64(p.coreLoad(i, a))
			if since := a.busySince.Load(); stuckAfter > 0 && since > 0 && now-since > stuckAfter {
				l += stuckPenalty
			}
			if best < 0 || l < bestLoad {
				best, bestLoad, bestActor = i, l, a
				if l == 0 {
					break
				}
			}
		}
		if best < 0 {
			return false
		}
		for {
			switch bestActor.enqueue(att) {
			case enqOK:
				att.j.mu.Lock()
				att.j.lastSlot = best
				att.j.mu.Unlock()
				return true
			case enqRetired:
				// Replacements are installed before the old actor is
				// retired: try the slot's new actor, if any.
				if next := p.slots[best].Load(); next != bestActor {
					bestActor = next
					continue
				}
			}
			break
		}
		tried[best/64] |= 1 << (best % 64)
	}
}

// coreLoad returns the load of a, the actor of slot i: its attempts queued
// or running, plus those of the other actors of its core when they take
// turns in the kernel (Pool.turns), since they wait for each other.
func (p *Pool) coreLoad(i int, a *actor) int32 {
	l := a.load.Load()
	for _, m := range p.mates[i] {
		l += p.slots[m].Load().load.Load()
	}
	return l
}

// anyIdle reports whether an installed actor of slots [from, to) other
// than slot exclude has nothing queued or running, nor its core's other
// actors when they take turns (a hint: it may take work a moment later).
func (p *Pool) anyIdle(exclude, from, to int) bool {
	for i := from; i < to; i++ {
		if i != exclude && p.coreLoad(i, p.slots[i].Load()) == 0 {
			return true
		}
	}
	return false
}

// dispatchIdle sends att to an installed actor other than slot exclude
// (a spare too when spares is set) that has nothing queued or running, nor
// its core's other actors when they take turns, and reports whether one
// took it.
func (p *Pool) dispatchIdle(att *attempt, exclude int, spares bool) bool {
	n := len(p.slots)
	if !spares {
		n = p.nCore
	}
	start := int(p.rr.Add(1)) % n
	for k := range n {
		i := (start + k) % n
		if i == exclude {
			continue
		}
		a := p.slots[i].Load()
		if p.coreLoad(i, a) != 0 || a.enqueue(att) != enqOK {
			continue
		}
		att.j.mu.Lock()
		att.j.lastSlot = i
		att.j.mu.Unlock()
		return true
	}
	return false
}
