package actors

import (
	"sync"
	"sync/atomic"
)

// next returns the attempt the actor runs next, blocking while there is
// none; ok is false once the actor is retired and its mailbox drained.
// Order: a hedge waiting in the pool's hedge lane (it is late already), the
// actor's own mailbox, then the oldest attempt of the longest other mailbox
// (work stealing: an actor never idles while another one has a queue).
// A retired actor only drains its own mailbox. Called by a's goroutine;
// the attempt returned is counted in a.load.
func (a *actor) next() (*attempt, bool) {
	p := a.p
	for {
		if a.leaving.Load() {
			att, ok := <-a.mbox
			if ok {
				p.obs.QueueDepth(a.slot, len(a.mbox))
			}
			return att, ok
		}
		if att := p.lane.pop(a.slot); att != nil {
			a.load.Add(1)
			return att, true
		}
		select {
		case att, ok := <-a.mbox:
			if ok {
				p.obs.QueueDepth(a.slot, len(a.mbox))
			}
			return att, ok
		default:
		}
		if att := a.steal(); att != nil {
			return att, true
		}
		select {
		case att, ok := <-a.mbox:
			if ok {
				p.obs.QueueDepth(a.slot, len(a.mbox))
			}
			return att, ok
		case <-p.lane.wake:
			// A hedge was queued while this actor was idle: look again.
		}
	}
}

// steal takes the oldest attempt of the longest mailbox of the other
// installed actors, moving its load count to a. It returns nil when every
// other mailbox is empty (or a is not installed yet). Called by a's
// goroutine.
func (a *actor) steal() *attempt {
	p := a.p
	if len(p.slots) < 2 || p.slots[a.slot].Load() != a {
		return nil
	}
	for range 2 { // a victim emptied meanwhile: look once more
		var victim *actor
		longest := 0
		for i := range p.slots {
			if i == a.slot {
				continue
			}
			if v := p.slots[i].Load(); v != nil && len(v.mbox) > longest { // nil: New still starting
				victim, longest = v, len(v.mbox)
			}
		}
		if victim == nil {
			return nil
		}
		select {
		case att, ok := <-victim.mbox:
			if !ok { // retired meanwhile and drained
				continue
			}
			a.load.Add(1)
			victim.load.Add(-1)
			p.obs.QueueDepth(victim.slot, len(victim.mbox))
			p.stats.steals.Add(1)
			return att
		default:
		}
	}
	return nil
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
		att.j.live.Add(-1)
	}
}
