package actors

import (
	"sync"
	"sync/atomic"
)

// next returns the attempt the actor runs next, blocking while there is
// none; ok is false once the actor is retired and its mailbox drained.
// Order: a hedge waiting in the pool's hedge lane (it is late already),
// then the oldest queued attempt of the pool, from the actor's own mailbox
// or another actor's (work stealing: an actor never idles, nor serves a
// newer request, while another actor's queue holds an older one). A
// retired actor only drains its own mailbox, and so does a spare (it runs
// hedges only: stealing would make it one more worker sharing the cores
// and leave no idle actor for the next hedge). Called by a's goroutine; the
// attempt returned is counted in a.load.
func (a *actor) next() (*attempt, bool) {
	p := a.p
	for {
		if a.leaving.Load() {
			att, closed := a.mbox.take()
			if att != nil {
				p.obs.QueueDepth(a.slot, a.mbox.len())
				return att, true
			}
			if closed {
				return nil, false
			}
			<-a.mbox.ready
			continue
		}
		if att := p.lane.pop(a.slot); att != nil {
			a.load.Add(1)
			return att, true
		}
		if att := a.oldest(); att != nil {
			return att, true
		}
		select {
		case <-a.mbox.ready:
		case <-p.lane.wake:
			// A hedge was queued while this actor was idle: look again.
		}
	}
}

// oldest takes the attempt queued longest ago among a's mailbox and those
// of the other installed core actors (whose load count then moves to a; a
// spare looks at its own mailbox only), or returns nil when every mailbox
// is empty. Called by a's goroutine.
func (a *actor) oldest() *attempt {
	p := a.p
	var victim *actor
	best, found := a.mbox.oldest()
	if a.core >= 0 && p.nCore > 1 && p.slots[a.slot].Load() == a {
		for i := range p.nCore {
			if i == a.slot {
				continue
			}
			v := p.slots[i].Load() // nil while New is still starting
			if v == nil {
				continue
			}
			if t, ok := v.mbox.oldest(); ok && (!found || t < best) {
				victim, best, found = v, t, true
			}
		}
	}
	if victim != nil {
		if att, _ := victim.mbox.take(); att != nil {
			a.load.Add(1)
			victim.load.Add(-1)
			p.obs.QueueDepth(victim.slot, victim.mbox.len())
			p.stats.steals.Add(1)
			p.obs.Stolen(victim.slot, a.slot)
			return att
		}
	}
	att, _ := a.mbox.take()
	if att != nil {
		p.obs.QueueDepth(a.slot, a.mbox.len())
	}
	return att
}

// laneCap bounds the hedges waiting in the lane.
const laneCap = 64

// hedgeLane holds hedges that no idle actor could take when their deadline
// passed: the next actor to look for work (other than the one running the
// first attempt) takes them before its own mailbox. Its methods are safe
// for concurrent use.
type hedgeLane struct {
	n    atomic.Int32 // len(q), read without the lock as a fast path
	mu   sync.Mutex
	q    []*attempt
	wake chan struct{} // capacity 1: a hedge was pushed
}

func newHedgeLane() *hedgeLane { return &hedgeLane{wake: make(chan struct{}, 1)} }

// push queues att (whose avoid slot is set); it reports false when the
// lane is full.
func (l *hedgeLane) push(att *attempt) bool {
	l.mu.Lock()
	if len(l.q) >= laneCap {
		l.mu.Unlock()
		return false
	}
	l.q = append(l.q, att)
	l.n.Store(int32(len(l.q)))
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// pop removes and returns the oldest attempt that slot may run, or nil.
func (l *hedgeLane) pop(slot int) *attempt {
	if l.n.Load() == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, att := range l.q {
		if att.avoid == slot {
			continue
		}
		copy(l.q[i:], l.q[i+1:])
		l.q[len(l.q)-1] = nil
		l.q = l.q[:len(l.q)-1]
		l.n.Store(int32(len(l.q)))
		return att
	}
	return nil
}

// clear drops every queued attempt (their jobs were answered), ending them.
func (l *hedgeLane) clear() {
	l.mu.Lock()
	q := l.q
	l.q = nil
	l.n.Store(0)
	l.mu.Unlock()
	for _, att := range q {
		att.stop()
		att.j.endAttempt()
	}
}
