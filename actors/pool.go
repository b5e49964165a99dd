package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"l0lex/kernel"
	"l0lex/proto"
)

// Pool is the set of actors and their supervisor. Submit, Cancel,
// CancelConn, Fault, Info and Close are safe to call from any goroutine,
// concurrently.
type Pool struct {
	cfg        Config
	obs        Observer
	now        func() int64
	baseSize   kernel.ArenaSize
	kernelPath string
	kernelWhy  string

	slots []atomic.Pointer[actor] // installed actor of each slot: nCore core actors, then the spares
	// turns holds, for each core that two or more pinned actors share, the
	// token its actors take turns with in the kernel (see actor.work).
	turns  map[int]chan struct{}
	mates  [][]int         // per slot: the other slots of its core (they take turns)
	nCore  int             // len(cfg.Cores): slots that take requests of their own
	faults []slotFaults    // runtime faults armed per slot
	gens   []atomic.Uint64 // incarnations per slot
	rr     atomic.Uint32   // rotating start of the dispatch scan

	lane          *hedgeLane // hedges waiting for the next free actor
	reg           *registry
	inflight      atomic.Int64 // jobs accepted, not yet answered
	inflightBytes atomic.Int64
	lat           latHist
	rate          [2]lexRate // per Mode: Count (summary) runs faster than Lex (full)
	// threadCPU reads a thread's CPU time (cputime_*.go; tests replace it).
	threadCPU func(tid int32, self bool) (int64, bool)

	sup      *supervisor
	actorsWG sync.WaitGroup

	closing   atomic.Bool
	closeOnce sync.Once
	drained   chan struct{} // closed when closing and nothing is in flight
	drainOnce sync.Once
	closed    chan struct{} // closed when Close finished stopping everything
	closeErr  error

	stats counters
}

// New starts a pool: one actor per cfg.Cores entry, cfg.Spares() spare
// actors (each has its arena allocated and, unless cfg.NoPin, its thread
// pinned when New returns) and the supervisor. obs receives the pool's
// events; it must not be nil.
func New(cfg Config, obs Observer) (*Pool, error) {
	if obs == nil {
		return nil, errors.New("cannot start the actor pool: nil Observer")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cannot start the actor pool: %w", err)
	}
	cfg, err := cfg.withDefaults(allowedCPUs)
	if err != nil {
		return nil, fmt.Errorf("cannot start the actor pool: %w", err)
	}
	path, why := kernel.Active()
	n := len(cfg.Cores) + cfg.HedgeSpares
	p := &Pool{
		nCore: len(cfg.Cores), threadCPU: threadCPU,
		cfg: cfg, obs: obs, now: cfg.Now,
		baseSize:   kernel.SizeForText(cfg.ArenaBaseBytes),
		kernelPath: path.String(), kernelWhy: why,
		slots:   make([]atomic.Pointer[actor], n),
		faults:  make([]slotFaults, n),
		gens:    make([]atomic.Uint64, n),
		reg:     newRegistry(),
		lane:    newHedgeLane(),
		drained: make(chan struct{}),
		closed:  make(chan struct{}),
	}
	p.turns, p.mates = coreTurns(cfg.Cores, n, !cfg.NoPin)
	var ready sync.WaitGroup
	for i := range n {
		ready.Add(1)
		p.startActor(i, "", func(a *actor) {
			p.slots[a.slot].Store(a)
			ready.Done()
		})
	}
	ready.Wait()
	p.sup = newSupervisor(p)
	go p.sup.run()
	return p, nil
}

// coreTurns returns the turn token of each core that two or more of cores
// name, and for each of the n slots the other slots of its core (spares
// and unpinned actors, which share no core for certain, have none).
func coreTurns(cores []int, n int, pinned bool) (map[int]chan struct{}, [][]int) {
	turns, mates := map[int]chan struct{}{}, make([][]int, n)
	if !pinned {
		return turns, mates
	}
	for i, c := range cores {
		for k, d := range cores {
			if k != i && d == c {
				mates[i] = append(mates[i], k)
			}
		}
		if len(mates[i]) > 0 && turns[c] == nil {
			turns[c] = make(chan struct{}, 1)
		}
	}
	return turns, mates
}

// startActor creates the next incarnation of slot and starts its goroutine;
// ready is called on that goroutine once it can work.
func (p *Pool) startActor(slot int, reason string, ready func(*actor)) {
	gen := p.gens[slot].Add(1)
	core := -1 // a spare: any core of the pool
	if slot < p.nCore {
		core = p.cfg.Cores[slot]
	}
	a := &actor{
		p: p, slot: slot, core: core, gen: gen, reason: reason,
		mbox: newMailbox(p.cfg.MailboxLen),
		rng:  newRNG(uint64(slot+1)*0x9e3779b97f4a7c15 ^ gen<<32 ^ uint64(p.now())),
	}
	p.actorsWG.Add(1)
	go a.run(ready)
}

// Submit hands r to an actor and returns without blocking. When every
// mailbox is full, too many bytes are in flight or the pool is closing, it
// calls r.Done at once, on the caller's goroutine, with a BUSY or
// SHUTTING_DOWN reply. Otherwise r.Done is called later, exactly once, from
// an actor goroutine (or the supervisor, Cancel, CancelConn or Close). r and
// r.Doc must not be modified after Submit, not even after Done: a cancelled
// duplicate may still be reading Doc for a moment. Safe for concurrent use.
func (p *Pool) Submit(r *Request) {
	p.stats.submitted.Add(1)
	if p.closing.Load() {
		p.reject(r, proto.ErrShuttingDown, "server is shutting down")
		return
	}
	n := int64(len(r.Doc))
	if prev := p.inflightBytes.Add(n) - n; prev > 0 && prev+n > p.cfg.MaxInflightBytes {
		p.inflightBytes.Add(-n)
		p.reject(r, proto.ErrBusy, "too many bytes in flight")
		return
	}
	j := &job{req: r, tSubmit: p.now(), bytes: n, lastSlot: -1}
	p.inflight.Add(1)
	p.reg.put(j)
	if p.closing.Load() { // Close started: it may be waiting for inflight == 0
		j.state.Store(1)
		p.reg.remove(j)
		p.inflightBytes.Add(-n)
		p.reject(r, proto.ErrShuttingDown, "server is shutting down")
		p.jobEnded()
		return
	}
	att := j.addAttempt(kindPrimary)
	if !p.dispatch(att, -1) {
		j.endAttempt()
		p.stats.rejected.Add(1)
		p.obs.Rejected(uint32(proto.ErrBusy))
		p.finish(j, errorReply(r, proto.ErrBusy, "every actor mailbox is full", -1, p.now()))
		return
	}
	if p.cfg.hedging() {
		p.sup.schedule(j)
	}
}

// reject answers r at once with code (request not accepted).
func (p *Pool) reject(r *Request, code proto.ErrCode, msg string) {
	p.stats.rejected.Add(1)
	p.obs.Rejected(uint32(code))
	r.Done(errorReply(r, code, msg, -1, p.now()))
	if r.Release != nil {
		r.Release()
	}
}

// jobEnded accounts for a job answered (or refused after registration).
func (p *Pool) jobEnded() {
	if p.inflight.Add(-1) == 0 && p.closing.Load() {
		p.signalDrained()
	}
}

func (p *Pool) signalDrained() { p.drainOnce.Do(func() { close(p.drained) }) }

// Cancel answers request (connID, reqID) with CANCELLED unless a reply
// already went out; any attempt still running is cancelled cooperatively.
// Done is called on the caller's goroutine when the cancel wins. Unknown or
// answered requests are ignored. Safe for concurrent use.
func (p *Pool) Cancel(connID, reqID uint64) {
	if j := p.reg.get(connID, reqID); j != nil {
		p.cancelJob(j, proto.ErrCancelled, "cancelled by the client")
	}
}

// CancelConn cancels every open request of connection connID (the client
// went away), answering each with CANCELLED as Cancel does. Safe for
// concurrent use.
func (p *Pool) CancelConn(connID uint64) {
	for _, j := range p.reg.collect(connID, false) {
		p.cancelJob(j, proto.ErrCancelled, "connection closed")
	}
}

func (p *Pool) cancelJob(j *job, code proto.ErrCode, msg string) {
	if p.finish(j, errorReply(j.req, code, msg, -1, p.now())) && code == proto.ErrCancelled {
		p.stats.cancelled.Add(1)
	}
}

// Fault delivers a runtime fault through the supervisor and returns once it
// is armed (delay, stall, panic, clear) or the replacement was requested
// (rotate). Safe for concurrent use.
func (p *Pool) Fault(f Fault) error {
	if err := f.validate(len(p.slots)); err != nil {
		return err
	}
	done := make(chan error, 1)
	if !p.sup.send(event{kind: evFault, fault: f, done: done}) {
		return errClosed
	}
	select {
	case err := <-done:
		return err
	case <-p.sup.quit:
		select {
		case err := <-done:
			return err
		default:
			return errClosed
		}
	}
}

// requestRotation asks the supervisor to replace a (once). Called by a's
// goroutine.
func (p *Pool) requestRotation(a *actor, reason string) {
	if a.rotating.CompareAndSwap(false, true) {
		p.sup.send(event{kind: evRotate, a: a, reason: reason})
	}
}

// crashed reports a panic of a while running att to the supervisor.
func (p *Pool) crashed(a *actor, att *attempt) {
	p.sup.send(event{kind: evCrash, a: a, att: att})
}

// Close stops accepting requests (Submit then answers SHUTTING_DOWN), waits
// for every accepted request to be answered, then stops the supervisor and
// the actors. If ctx ends first, the requests still open are answered
// SHUTTING_DOWN (on the caller's goroutine), their attempts cancelled, and
// Close returns ctx's error without waiting for actors stuck in the kernel.
// Later calls wait for the first one and return its result. Safe for
// concurrent use.
func (p *Pool) Close(ctx context.Context) error {
	first := false
	p.closeOnce.Do(func() { first = true })
	if !first {
		select {
		case <-p.closed:
			return p.closeErr
		case <-ctx.Done():
			return fmt.Errorf("cannot close the actor pool: %w", ctx.Err())
		}
	}
	defer close(p.closed)
	p.closing.Store(true)
	if p.inflight.Load() == 0 {
		p.signalDrained()
	}
	select {
	case <-p.drained:
	case <-ctx.Done():
		for _, j := range p.reg.collect(0, true) {
			p.cancelJob(j, proto.ErrShuttingDown, "server is shutting down")
		}
		p.closeErr = fmt.Errorf("cannot drain the actor pool: %w", ctx.Err())
	}
	p.sup.stop()
	for i := range p.slots {
		p.slots[i].Load().retire()
	}
	done := make(chan struct{})
	go func() { p.actorsWG.Wait(); close(done) }()
	select {
	case <-done:
		p.lane.clear()
	case <-ctx.Done():
		if p.closeErr == nil {
			p.closeErr = fmt.Errorf("cannot stop the actors: %w", ctx.Err())
		}
	}
	return p.closeErr
}

// tick is the supervisor's timer wheel resolution.
const tick = time.Millisecond
