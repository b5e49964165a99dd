package actors

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"l0lex/kernel"
	"l0lex/proto"
)

// actor is one worker: a goroutine (locked to an OS thread pinned to its
// core unless Config.NoPin) that owns an arena and reads a bounded mailbox.
// Only the actor's goroutine touches arena, rng and the budget counters;
// mbox, load, leaving and rotating are shared as documented.
type actor struct {
	p    *Pool
	slot int
	core int    // -1: a spare, which runs on any core of the pool
	gen  uint64 // incarnation of the slot, for logs and seeds

	mbox    *mailbox
	leaving atomic.Bool // set by retire: take no work from the hedge lane or other mailboxes

	load      atomic.Int32 // attempts queued or running (dispatch prefers 0)
	busySince atomic.Int64 // Now() when the running attempt started; 0 idle
	rotating  atomic.Bool  // a replacement was requested
	pinned    atomic.Bool
	fifo      atomic.Bool // a spare whose thread may run under SCHED_FIFO (it runs urgent hedges so)
	reason    string      // why this actor was started (rotation reason), set before start
	tid       int32       // the locked thread's id (0: not locked, NoPin), set before ready
	nice      int         // the locked thread's niceness under SCHED_OTHER (actor goroutine only)
	hasTurn   bool        // a holds its core's turn (Pool.turns; actor goroutine only)

	// Owned by the actor goroutine.
	inFIFO bool // the thread is under SCHED_FIFO now
	arena  *kernel.Arena
	grown  bool
	reqs   int
	bytes  int64
	rng    rng
}

// enqueue results.
type enqResult uint8

const (
	enqOK      enqResult = iota
	enqFull              // mailbox full
	enqRetired           // actor retired (its replacement may be installed)
)

// enqueue offers att to the actor's mailbox without blocking. Safe for
// concurrent use.
func (a *actor) enqueue(att *attempt) enqResult {
	a.load.Add(1)
	att.tEnq = a.p.now()
	res := a.mbox.put(att)
	if res != enqOK {
		a.load.Add(-1)
		return res
	}
	a.p.obs.QueueDepth(a.slot, a.mbox.len())
	return res
}

// retire stops the actor from taking new work; it finishes what its mailbox
// holds and then exits (ending its locked thread). Safe for concurrent use;
// idempotent.
func (a *actor) retire() {
	a.leaving.Store(true)
	a.mbox.close()
}

// run is the actor goroutine. ready is called once the actor can work (its
// thread pinned, its arena allocated).
func (a *actor) run(ready func(*actor)) {
	defer a.p.actorsWG.Done()
	if !a.p.cfg.NoPin {
		// Never unlocked: when the goroutine exits the thread ends with it,
		// so a rotated actor's replacement runs on a fresh thread.
		runtime.LockOSThread()
		a.tid = gettid()
		cores := a.p.cfg.Cores
		if a.core >= 0 {
			cores = []int{a.core}
		}
		if err := pinThread(cores); err != nil {
			a.p.cfg.Logf("actors: actor %d runs unpinned: %v", a.slot, err)
		} else {
			a.pinned.Store(true)
		}
		nice, err := raiseNice(a.p.cfg.Nice)
		if err != nil {
			a.p.cfg.Logf("actors: actor %d runs at the process's niceness: %v", a.slot, err)
		}
		a.nice = nice
		if a.core < 0 && a.p.cfg.SpareFIFO {
			// Allowed? Then back to normal until an urgent hedge comes.
			if err := setFIFO(true, 0); err != nil {
				a.p.cfg.Logf("actors: spare %d runs at normal priority: %v", a.slot, err)
			} else if err := setFIFO(false, a.nice); err != nil {
				a.p.cfg.Logf("actors: spare %d stays under SCHED_FIFO: %v", a.slot, err)
			} else {
				a.fifo.Store(true)
			}
		}
	}
	a.arena = kernel.NewArena(a.p.baseSize)
	ready(a)
	for {
		att, ok := a.next()
		if !ok {
			return
		}
		if a.fifo.Load() && att.urgent != a.inFIFO {
			if err := setFIFO(att.urgent, a.nice); err == nil {
				a.inFIFO = att.urgent
			}
		}
		now := max(a.p.now(), 1)
		a.busySince.Store(now)
		att.j.started(a.slot, now)
		a.handle(att)
		a.busySince.Store(0)
		a.load.Add(-1)
	}
}

// handle runs one attempt, turning a panic into a crash report.
func (a *actor) handle(att *attempt) {
	p := a.p
	if att.cancel.Load() || att.j.finished() {
		a.drop(att)
		return
	}
	if v, stack := a.protect(att); v != nil {
		att.j.endAttempt()
		p.stats.crashes.Add(1)
		p.cfg.Logf("actors: actor %d (core %d) panicked on request %d: %v\n%s",
			a.slot, a.core, att.j.req.ID, v, stack)
		p.crashed(a, att)
	}
}

// drop ends an attempt whose job was answered elsewhere.
func (a *actor) drop(att *attempt) {
	att.j.endAttempt()
	a.p.stats.losersCancelled.Add(1)
}

// protect runs att and recovers a panic, returning its value and stack.
func (a *actor) protect(att *attempt) (v any, stack []byte) {
	defer func() {
		if v = recover(); v != nil {
			a.endTurn()
			stack = make([]byte, 4096)
			stack = stack[:runtime.Stack(stack, false)]
		}
	}()
	a.work(att)
	return nil, nil
}

// endTurn hands the core's turn on, if a holds it.
func (a *actor) endTurn() {
	if a.hasTurn {
		a.hasTurn = false
		<-a.p.turns[a.core]
	}
}

// work runs the faults, lexes, encodes the reply and races to finish the
// job. The attempt is live until work returns (or panics).
func (a *actor) work(att *attempt) {
	p := a.p
	j := att.j
	if p.faults[a.slot].pending() {
		if f, ok := p.faults[a.slot].take(att.kind); ok {
			p.obs.FaultInjected(f.kind.String())
			switch f.kind {
			case FaultDelay:
				sleepCancellable(att, f.delay)
			case FaultStall:
				<-att.wake
			case FaultPanic:
				panic(fmt.Sprintf("actors: injected panic fault (actor %d, request %d)", a.slot, j.req.ID))
			}
		}
	}
	if p.cfg.FaultPhase == "pre" {
		a.envFault(att)
	}
	// Actors pinned to the same core take turns in the kernel: sharing it
	// by time slices, every document of theirs would take twice as long
	// or more (a slice of a few ms lost in the middle of a lex), instead
	// of one waiting for the other's. A fault's sleep is outside the turn,
	// so a delayed or stalled actor leaves the core to the others. The
	// token goes to the waiters in order (a channel); protect hands it on
	// after a panic.
	if turn := p.turns[a.core]; turn != nil {
		turn <- struct{}{}
		a.hasTurn = true
	}
	if att.cancel.Load() {
		a.endTurn()
		a.drop(att)
		return
	}

	doc := j.req.Doc
	// The thread's CPU clock, for the supervisor's straggler check (a
	// system call: only when hedging is on).
	cpu := int64(-1)
	if p.cfg.hedging() {
		if c, ok := p.threadCPU(a.tid, true); ok {
			cpu = c
		}
	}
	j.cpuLex.Store(cpu)
	j.lexTid.Store(a.tid)
	tLex := p.now()
	j.tLex.Store(max(tLex, 1))
	err := a.lex(doc, j.req.Mode, &att.cancel)
	tLexEnd := p.now()
	a.endTurn()
	j.tLexEnd.Store(max(tLexEnd, 1))
	busy := tLexEnd - tLex
	if err == nil {
		p.rate[j.req.Mode].record(busy, len(doc))
	}
	a.reqs++
	a.bytes += int64(len(doc))
	if err == nil || !errors.Is(err, kernel.ErrCancelled) {
		p.obs.Lexed(a.slot, p.kernelPath, busy, len(doc))
	}
	if p.cfg.FaultPhase == "post" && err == nil {
		a.envFault(att)
	}
	a.checkRotation()

	switch {
	case errors.Is(err, kernel.ErrCancelled) || att.cancel.Load():
		a.drop(att)
		return
	case err != nil:
		j.endAttempt()
		p.stats.internal.Add(1)
		p.finish(j, errorReply(j.req, proto.ErrInternal, "cannot lex the document: "+err.Error(), a.slot, p.now()))
		return
	}

	origin := att.kind.origin()
	rep := &Reply{Origin: origin, Actor: a.slot, TProcStart: tLex, TLexEnd: tLexEnd}
	rep.NTokens = uint32(a.arena.N)
	rep.NIssues = uint32(issueCount(a.arena))
	if j.req.Mode == ModeFull {
		rep.Frame = proto.AppendFullReply(make([]byte, 0, proto.FullReplySizeHint(a.arena)), j.req.ID, origin, a.arena)
	} else {
		rep.Frame = proto.AppendReply(make([]byte, 0, proto.HeaderLen+proto.ReplyLen), j.req.ID,
			proto.Reply{NTokens: rep.NTokens, NIssues: rep.NIssues, Origin: origin})
	}
	rep.TFirstReply = p.now()
	j.endAttempt()
	if p.finish(j, rep) {
		if att.kind == kindHedge {
			p.stats.hedgeWins.Add(1)
			p.obs.HedgeWon()
		}
	} else {
		p.stats.losersCancelled.Add(1)
	}
}

// lex lexes doc into the actor's arena, replacing the arena by a larger one
// when the document does not fit (the actor is then due for rotation). A
// summary request, whose reply holds only the counts, is lexed with
// kernel.Count, which does not store the tokens.
func (a *actor) lex(doc []byte, mode Mode, cancel *atomic.Bool) error {
	run := kernel.Lex
	if mode == ModeSummary {
		run = kernel.Count
	}
	// The arena is tried as it is when it fits any document of ordinary
	// text of this length (lines of 16 bytes or more on average): counting
	// the lines first (SizeFor reads the whole document) cost about 5 % of
	// the service's CPU. A document of shorter lines fills it, and is
	// lexed again in an arena of SizeFor's size, which always suffices.
	if !a.arena.Fits(kernel.SizeForText(len(doc))) {
		a.fit(doc)
		return run(a.arena, doc, cancel)
	}
	err := run(a.arena, doc, cancel)
	if errors.Is(err, kernel.ErrArenaFull) {
		a.fit(doc)
		err = run(a.arena, doc, cancel)
	}
	return err
}

// fit replaces the arena by a larger one when it cannot hold doc (the
// actor is then due for rotation).
func (a *actor) fit(doc []byte) {
	if need := kernel.SizeFor(doc); !a.arena.Fits(need) {
		cur := a.arena.Size()
		a.arena = kernel.NewArena(kernel.ArenaSize{
			Tokens:    max(cur.Tokens, need.Tokens),
			Issues:    max(cur.Issues, need.Issues),
			Lines:     max(cur.Lines, need.Lines),
			NameBytes: max(cur.NameBytes, need.NameBytes),
		})
		a.grown = true
	}
}

// issueCount returns the number of issues found in the last document: the
// stored ones plus those dropped for lack of room (which the kernel also
// summarises in a final IssueTooMany entry, not counted twice).
func issueCount(ar *kernel.Arena) int {
	is := ar.Issues()
	n := len(is)
	if d := ar.DroppedIssues(); d > 0 {
		if n > 0 && is[n-1].Code == kernel.IssueTooMany {
			n--
		}
		n += d
	}
	return n
}

// envFault sleeps Config.FaultMs at Config.FaultRatePPM (the L0_FAULT_*
// environment faults).
func (a *actor) envFault(att *attempt) {
	cfg := &a.p.cfg
	if cfg.FaultMs <= 0 || cfg.FaultRatePPM <= 0 || a.rng.ppm() >= cfg.FaultRatePPM {
		return
	}
	a.p.obs.FaultInjected("env")
	sleepCancellable(att, time.Duration(cfg.FaultMs)*time.Millisecond)
}

// checkRotation asks the supervisor for a replacement once a budget is spent
// or the arena grew.
func (a *actor) checkRotation() {
	cfg := &a.p.cfg
	switch {
	case a.grown:
		a.p.requestRotation(a, "arena")
	case cfg.RotateReqs > 0 && a.reqs >= cfg.RotateReqs,
		cfg.RotateBytes > 0 && a.bytes >= cfg.RotateBytes:
		a.p.requestRotation(a, "budget")
	}
}

// sleepCancellable sleeps d or until att is cancelled.
func sleepCancellable(att *attempt, d time.Duration) {
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-att.wake:
		t.Stop()
	}
}
