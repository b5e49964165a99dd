package actors

import (
	"sync"
	"sync/atomic"

	"l0lex/proto"
)

// attemptKind tells a first attempt from a hedge or a retry.
type attemptKind uint8

const (
	kindPrimary attemptKind = iota
	kindHedge
	kindRetry
)

// origin returns the wire origin of a reply produced by an attempt of kind
// k: a retry re-runs the first attempt, so it is a primary.
func (k attemptKind) origin() uint8 {
	if k == kindHedge {
		return proto.OriginHedge
	}
	return proto.OriginPrimary
}

// job is a submitted request and its race of attempts. It is finished once,
// by whoever wins the compare-and-swap on state: an attempt's actor, the
// supervisor (INTERNAL, BUSY retry), Cancel/CancelConn or Close.
type job struct {
	req     *Request
	tSubmit int64
	bytes   int64

	state atomic.Uint32 // 0 open, 1 finished
	live  atomic.Int32  // attempts dispatched and not yet ended

	mu       sync.Mutex // guards the fields below
	answered bool       // req.Done was called
	released bool       // req.Release was called
	atts     []*attempt
	crashes  int
	hedged   bool
	tHedge   int64
	lastSlot int   // slot of the most recent attempt (dispatched, stolen or started)
	tRun     int64 // Now() when an actor last started an attempt; 0: none started

	// Progress of the most recently started attempt, for the hedge
	// decision: when it began and ended lexing (0: not yet), and the CPU
	// time its thread (lexTid) had run when it began (-1: unknown).
	tLex, tLexEnd atomic.Int64
	cpuLex        atomic.Int64
	lexTid        atomic.Int32
}

// finished reports whether the job was answered.
func (j *job) finished() bool { return j.state.Load() != 0 }

// attempt is one run of a job on one actor.
type attempt struct {
	j    *job
	kind attemptKind
	// avoid is the slot that must not run the attempt from the hedge lane
	// (the slot running the first attempt); -1: any.
	avoid int
	tEnq  int64 // Now() when last put in a mailbox (set before the put)
	// urgent: a hedge of an attempt held outside the kernel (stuck, not a
	// straggler); a spare runs it under SCHED_FIFO (Config.SpareFIFO).
	urgent bool

	cancel atomic.Bool   // raised when the job finished elsewhere; read by kernel.Lex
	wake   chan struct{} // closed when cancel is raised (wakes delays and stalls)
}

// stop raises the attempt's cancel flag; it is idempotent.
func (a *attempt) stop() {
	if a.cancel.CompareAndSwap(false, true) {
		close(a.wake)
	}
}

// addAttempt creates an attempt of kind k and counts it live; it returns
// nil if the job is already finished.
func (j *job) addAttempt(k attemptKind) *attempt {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.finished() {
		return nil
	}
	a := &attempt{j: j, kind: k, avoid: -1, wake: make(chan struct{})}
	j.atts = append(j.atts, a)
	j.live.Add(1)
	return a
}

// endAttempt counts one attempt of j as ended (it no longer reads the
// document); the last one to end after the job finished releases the
// request's document.
func (j *job) endAttempt() {
	if j.live.Add(-1) == 0 {
		j.maybeRelease(false)
	}
}

// maybeRelease records that Done was called when answered is set, and calls
// req.Release once the job was answered and no attempt runs; addAttempt
// cannot add one after that (it checks finished under mu, and this check
// holds mu).
func (j *job) maybeRelease(answered bool) {
	j.mu.Lock()
	j.answered = j.answered || answered
	ok := !j.released && j.answered && j.live.Load() == 0
	if ok {
		j.released = true
	}
	j.mu.Unlock()
	if ok && j.req.Release != nil {
		j.req.Release()
	}
}

// started records that the actor of slot starts running an attempt of j
// at time now.
func (j *job) started(slot int, now int64) {
	j.mu.Lock()
	j.lastSlot, j.tRun = slot, now
	j.tLex.Store(0)
	j.tLexEnd.Store(0)
	j.mu.Unlock()
}

// finish answers the job with rep if nobody did yet: it cancels every other
// attempt, calls Done exactly once and releases the job's accounting. It
// reports whether rep was the answer.
func (p *Pool) finish(j *job, rep *Reply) bool {
	if !j.state.CompareAndSwap(0, 1) {
		return false
	}
	j.mu.Lock()
	atts := j.atts
	rep.Hedged = j.hedged
	rep.THedgeFire = j.tHedge
	j.mu.Unlock()
	for _, a := range atts {
		a.stop()
	}
	p.reg.remove(j)
	p.inflightBytes.Add(-j.bytes)
	if rep.Status == 0 {
		p.lat.record(rep.TFirstReply - j.tSubmit)
	}
	j.req.Done(rep)
	p.jobEnded()
	j.maybeRelease(true)
	return true
}

// errorReply builds the reply for a request answered with code: a type-2
// frame whose status is the code for a summary request (older clients only
// know type 2), a type-5 error frame for a full request.
func errorReply(r *Request, code proto.ErrCode, msg string, actor int, now int64) *Reply {
	var frame []byte
	if r.Mode == ModeFull {
		frame = proto.AppendError(make([]byte, 0, proto.HeaderLen+4+len(msg)), r.ID, code, msg)
	} else {
		frame = proto.AppendReply(make([]byte, 0, proto.HeaderLen+proto.ReplyLen), r.ID,
			proto.Reply{Status: uint32(code), Origin: proto.OriginPrimary})
	}
	return &Reply{
		Frame: frame, Status: uint32(code), Origin: proto.OriginPrimary,
		Actor: actor, TFirstReply: now,
	}
}

// regKey identifies a request for Cancel.
type regKey struct{ conn, id uint64 }

const regShards = 32

// registry maps (connection, req_id) to the open job, for Cancel and
// CancelConn. Its methods are safe for concurrent use.
type registry struct {
	shards [regShards]struct {
		mu sync.Mutex
		m  map[regKey]*job
		_  [40]byte // keep shards on separate cache lines
	}
}

func newRegistry() *registry {
	r := &registry{}
	for i := range r.shards {
		r.shards[i].m = make(map[regKey]*job)
	}
	return r
}

func shardOf(conn uint64) int { return int((conn * 0x9e3779b97f4a7c15) >> 59) }

// put registers j (a later job with the same key shadows it).
func (r *registry) put(j *job) {
	k := regKey{j.req.ConnID, j.req.ID}
	s := &r.shards[shardOf(k.conn)]
	s.mu.Lock()
	s.m[k] = j
	s.mu.Unlock()
}

// remove unregisters j if it is the job registered under its key.
func (r *registry) remove(j *job) {
	k := regKey{j.req.ConnID, j.req.ID}
	s := &r.shards[shardOf(k.conn)]
	s.mu.Lock()
	if s.m[k] == j {
		delete(s.m, k)
	}
	s.mu.Unlock()
}

// get returns the open job registered under (conn, id).
func (r *registry) get(conn, id uint64) *job {
	s := &r.shards[shardOf(conn)]
	s.mu.Lock()
	j := s.m[regKey{conn, id}]
	s.mu.Unlock()
	return j
}

// conn returns the open jobs of a connection (every job if all is set).
func (r *registry) collect(conn uint64, all bool) []*job {
	var out []*job
	for i := range r.shards {
		if !all && i != shardOf(conn) {
			continue
		}
		s := &r.shards[i]
		s.mu.Lock()
		for k, j := range s.m {
			if all || k.conn == conn {
				out = append(out, j)
			}
		}
		s.mu.Unlock()
	}
	return out
}
