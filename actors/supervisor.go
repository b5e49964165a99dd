package actors

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"l0lex/proto"
)

// evKind is the kind of a supervisor event.
type evKind uint8

const (
	evRotate evKind = iota + 1 // an actor spent its budget or grew its arena
	evCrash                    // an actor panicked running att
	evReady                    // a replacement actor is ready to be installed
	evFault                    // Pool.Fault
)

// event is a message to the supervisor.
type event struct {
	kind   evKind
	a      *actor
	att    *attempt
	reason string
	fault  Fault
	done   chan error
}

// autoPeriod is how often HedgeAuto recomputes the p95.
const autoPeriod = time.Second

// autoMinSamples is how many replies a p95 needs.
const autoMinSamples = 20

var errClosed = errors.New("cannot deliver to the supervisor: the pool is closed")

// supervisor is the pool's control actor: one goroutine that owns the hedge
// timer wheel and the hedge budget, installs replacement actors (rotation,
// crash), retries crashed requests and delivers runtime faults. schedule,
// send and stop are safe for concurrent use; everything else runs on the
// supervisor goroutine.
type supervisor struct {
	p *Pool

	mu      sync.Mutex // guards pending, events, stopped
	pending []*job     // submitted jobs to put on the wheel
	events  []event
	stopped bool
	wake    chan struct{} // capacity 1: something was queued
	quit    chan struct{}
	exited  chan struct{}
	once    sync.Once

	hedgeNs atomic.Int64 // current deadline (read by Info)

	// Owned by the supervisor goroutine.
	wheel    *wheel
	budget   *budget
	lastAuto int64
	spare    []*job
	rearm    []wheelEntry // deadlines fire put back, added after the wheel advanced
}

func newSupervisor(p *Pool) *supervisor {
	s := &supervisor{
		p:      p,
		wake:   make(chan struct{}, 1),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
		wheel:  newWheel(int64(tick), p.now()),
		budget: newBudget(p.cfg.HedgeMaxPct, int64(p.cfg.HedgeWindow)),
	}
	switch {
	case p.cfg.HedgeMs > 0:
		s.hedgeNs.Store(int64(p.cfg.HedgeMs) * int64(time.Millisecond))
	case p.cfg.HedgeAuto:
		s.hedgeNs.Store(DefaultHedgeMs * int64(time.Millisecond))
	}
	s.lastAuto = p.now()
	return s
}

// schedule puts j on the hedge wheel (asynchronously).
func (s *supervisor) schedule(j *job) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	first := len(s.pending) == 0
	s.pending = append(s.pending, j)
	s.mu.Unlock()
	if first {
		s.signal()
	}
}

// send queues ev; it reports false once the supervisor is stopped.
func (s *supervisor) send(ev event) bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.events = append(s.events, ev)
	s.mu.Unlock()
	s.signal()
	return true
}

func (s *supervisor) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stop ends the supervisor goroutine and settles the events it did not
// handle (a replacement not installed is retired, a fault refused).
func (s *supervisor) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.once.Do(func() { close(s.quit) })
	<-s.exited
	s.mu.Lock()
	evs := s.events
	s.events = nil
	s.pending = nil
	s.mu.Unlock()
	for _, ev := range evs {
		switch ev.kind {
		case evReady:
			ev.a.retire()
		case evFault:
			ev.done <- errClosed
		}
	}
}

// run is the supervisor goroutine. Its ticker runs only while the wheel
// holds deadlines.
func (s *supervisor) run() {
	defer close(s.exited)
	t := time.NewTicker(tick)
	defer t.Stop()
	ticking := true
	for {
		if ticking && s.wheel.len() == 0 {
			t.Stop()
			ticking = false
		}
		var tc <-chan time.Time
		if ticking {
			tc = t.C
		}
		select {
		case <-tc:
			s.drain()
			s.advance()
		case <-s.wake:
			s.drain()
		case <-s.quit:
			return
		}
		if !ticking && s.wheel.len() > 0 {
			t.Reset(tick)
			ticking = true
		}
	}
}

// drain takes the queued jobs and events.
func (s *supervisor) drain() {
	s.mu.Lock()
	jobs := s.pending
	s.pending = s.spare[:0]
	evs := s.events
	s.events = nil
	s.mu.Unlock()
	if len(jobs) > 0 {
		now := s.p.now()
		d := s.hedgeNs.Load()
		for i, j := range jobs {
			s.budget.addRequest(now)
			if d > 0 && !j.finished() {
				s.wheel.add(j.tSubmit+d, j)
			}
			jobs[i] = nil
		}
	}
	s.spare = jobs[:0]
	for _, ev := range evs {
		s.handle(ev)
	}
}

// advance fires the deadlines that passed and refreshes the auto deadline.
func (s *supervisor) advance() {
	now := s.p.now()
	if s.p.cfg.HedgeAuto && now-s.lastAuto >= int64(autoPeriod) {
		s.lastAuto = now
		if ns, ok := s.p.lat.p95AndSwap(autoMinSamples); ok {
			s.hedgeNs.Store(max(ns, int64(time.Millisecond)))
		}
	}
	s.wheel.advance(now, s.fire)
	for i, e := range s.rearm {
		s.wheel.add(e.due, e.j)
		s.rearm[i] = wheelEntry{}
	}
	s.rearm = s.rearm[:0]
}

// fire handles j's hedge deadline. A hedge helps only against an attempt
// that is stuck (a stalled or delayed actor); a request still queued is
// moved by work stealing instead, and a duplicate of an attempt that is
// lexing normally would only add work to a busy pool. So, from Submit +
// deadline on:
//   - while no attempt has started, the check is repeated every tick;
//   - an attempt that is not lexing (held before or after the kernel, as a
//     fault does) is hedged at once, or one tick after it started or
//     finished lexing if that is later (an attempt passes from start to
//     kernel, and from kernel to reply, in microseconds, so one held for a
//     tick is stuck);
//   - an attempt that is lexing is hedged once it has lexed for twice as
//     long as the pool's recent speed predicts for its document (a
//     straggler: a core far slower than the others, a thread that does not
//     get its CPU), or twice the deadline while that speed is unknown; a
//     large document that lexes slowly everywhere is not duplicated. As a
//     straggler still makes progress, its duplicate goes only to an idle
//     actor (checked again every tick), never to the hedge lane; and to a
//     spare only when the straggler's thread ran for less than half of the
//     time since it began lexing (starved: descheduled, or its virtual CPU
//     taken by the hypervisor), since a spare shares the pool's cores.
//
// The duplicate goes to an idle actor (a spare, typically) or, when none is
// idle, to the hedge lane that the next actor to finish its current attempt
// takes first. The budget counts only hedges sent.
func (s *supervisor) fire(j *job) {
	p := s.p
	if j.finished() || len(p.slots) < 2 {
		return
	}
	now := p.now()
	j.mu.Lock()
	if j.hedged || j.finished() {
		j.mu.Unlock()
		return
	}
	exclude, tRun := j.lastSlot, j.tRun
	j.mu.Unlock()
	d := s.hedgeNs.Load()
	if d <= 0 {
		return
	}
	if tRun == 0 { // still queued: look again at the next tick
		s.rearm = append(s.rearm, wheelEntry{due: now + int64(tick), j: j})
		return
	}
	due := max(j.tSubmit+d, tRun+int64(tick))
	straggler, starved := false, false
	tLex, tLexEnd := j.tLex.Load(), j.tLexEnd.Load()
	if tLexEnd != 0 {
		// Lexed: held after the kernel only once a tick has passed (the
		// reply is being encoded meanwhile).
		due = max(due, tLexEnd+int64(tick))
	}
	if tLex != 0 && tLexEnd == 0 {
		slow := 2 * d
		if e := p.rate[j.req.Mode].expect(j.bytes); e > 0 {
			slow = 2 * e
		}
		due, straggler = max(j.tSubmit+d, tLex+max(slow, int64(tick))), true
	}
	if now < due {
		s.rearm = append(s.rearm, wheelEntry{due: due, j: j})
		return
	}
	if straggler && !p.anyIdle(exclude, 0, p.nCore) {
		// No idle core actor: a spare may take it if the straggler's
		// thread did not get its CPU. Less than half of the time since it
		// began lexing means it waited (descheduled, or its virtual CPU
		// taken by the hypervisor): its core is not really busy.
		if p.anyIdle(exclude, p.nCore, len(p.slots)) {
			if c0 := j.cpuLex.Load(); c0 >= 0 {
				if c1, ok := p.threadCPU(j.lexTid.Load(), false); ok {
					starved = 2*(c1-c0) < now-tLex
				}
			}
		}
		if !starved { // nowhere to go: look again at the next tick
			s.rearm = append(s.rearm, wheelEntry{due: now + int64(tick), j: j})
			return
		}
	}
	if !s.budget.take(now) {
		return
	}
	att := j.addAttempt(kindHedge)
	if att == nil {
		s.budget.untake()
		return
	}
	att.avoid, att.urgent = exclude, !straggler
	j.mu.Lock()
	j.hedged, j.tHedge = true, now
	j.mu.Unlock()
	// A straggler still makes progress: its hedge never waits behind
	// other work (else look again next tick). It goes to an idle core
	// actor, whose core is idle, and to a spare only when the straggler's
	// thread was starved (a spare would otherwise take CPU from the
	// straggler's busy core). An attempt held outside the kernel leaves
	// its core idle: a spare runs its hedge there.
	if !p.dispatchIdle(att, exclude, !straggler || starved) && (straggler || !p.lane.push(att)) {
		j.mu.Lock()
		j.hedged, j.tHedge = false, 0
		j.mu.Unlock()
		att.stop()
		j.endAttempt()
		s.budget.untake()
		if straggler {
			s.rearm = append(s.rearm, wheelEntry{due: now + int64(tick), j: j})
		}
		return
	}
	p.stats.hedges.Add(1)
	p.obs.HedgeFired()
}

// handle carries out one event.
func (s *supervisor) handle(ev event) {
	p := s.p
	switch ev.kind {
	case evRotate:
		if p.slots[ev.a.slot].Load() == ev.a {
			s.replace(ev.a.slot, ev.reason)
		}
	case evCrash:
		if p.slots[ev.a.slot].Load() == ev.a && ev.a.rotating.CompareAndSwap(false, true) {
			s.replace(ev.a.slot, "crash")
		}
		s.retry(ev.a, ev.att)
	case evReady:
		old := p.slots[ev.a.slot].Swap(ev.a)
		old.retire()
		p.stats.rotations.Add(1)
		p.obs.Rotated(ev.a.slot, ev.a.reason)
	case evFault:
		ev.done <- s.inject(ev.fault)
	}
}

// replace starts a fresh actor for slot; it is installed (and the current
// one retired) once ready, so the slot keeps serving meanwhile.
func (s *supervisor) replace(slot int, reason string) {
	s.p.startActor(slot, reason, func(a *actor) {
		if !s.send(event{kind: evReady, a: a}) {
			a.retire()
		}
	})
}

// retry re-runs a crashed attempt's job once on another actor; a second
// crash answers INTERNAL.
func (s *supervisor) retry(a *actor, att *attempt) {
	p := s.p
	j := att.j
	j.mu.Lock()
	j.crashes++
	crashes := j.crashes
	j.mu.Unlock()
	if j.finished() {
		return
	}
	if crashes >= 2 {
		p.stats.internal.Add(1)
		p.finish(j, errorReply(j.req, proto.ErrInternal, "the request failed twice inside the server", a.slot, p.now()))
		return
	}
	if j.live.Load() > 0 { // a hedge still runs: let it answer
		return
	}
	ra := j.addAttempt(kindRetry)
	if ra == nil {
		return
	}
	exclude := a.slot
	if p.nCore < 2 {
		exclude = -1
	}
	if !p.dispatch(ra, exclude) {
		ra.stop()
		j.endAttempt()
		p.finish(j, errorReply(j.req, proto.ErrBusy, "no actor could take the retry of a crashed request", -1, p.now()))
		return
	}
	p.stats.retries.Add(1)
}

// inject arms or carries out a runtime fault.
func (s *supervisor) inject(f Fault) error {
	p := s.p
	lo, hi := f.Actor, f.Actor+1
	if f.Actor == AllActors {
		lo, hi = 0, len(p.slots)
	}
	for i := lo; i < hi; i++ {
		if f.Kind == FaultRotate {
			a := p.slots[i].Load()
			if a.rotating.CompareAndSwap(false, true) {
				p.obs.FaultInjected(f.Kind.String())
				s.replace(i, "manual")
			}
			continue
		}
		p.faults[i].arm(f)
	}
	return nil
}
