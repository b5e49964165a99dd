// Package actors runs the lexing work: one actor per configured core, each a
// goroutine locked to an OS thread pinned to its core, owning its arena and
// kernel and reading a bounded mailbox; and a supervisor actor that owns the
// hedge timer wheel, restarts actors (rotation, crash recovery) and delivers
// fault-injection messages.
//
// Dispatch: Submit gives a request to the installed actor with the lowest
// load (queued plus running), so an idle actor first, then the shortest
// queue; when every mailbox is full, or Config.MaxInflightBytes would be
// exceeded, the request is answered BUSY at once. An actor that runs out of
// work takes the oldest request of the longest other mailbox (work
// stealing), so a request never waits behind a slow actor while another
// one idles.
//
// Hedging: Submit also queues the request for the supervisor, whose timer
// wheel (1 ms tick) fires at Submit time + the hedge deadline. An unanswered
// request then gets one duplicate on another actor, within the hedge budget
// (a percentage of the requests of a sliding window), if it can help: not
// while the request is still queued (stealing moves it), not before its
// running attempt ran the deadline, and a lexing attempt only after twice
// the deadline; the duplicate goes to an idle actor, else to a lane that the
// next actor to finish takes first (see supervisor.fire). Every request is a
// race between its attempts: the first to finish wins a compare-and-swap and
// calls Done; the others have their cancel flag raised (kernel.Lex checks it
// between chunks, fault delays and stalls wake on it) and their results are
// dropped. Cancel, CancelConn and Close take part in the same race, so Done
// is called exactly once whoever wins.
//
// Rotation: an actor that spent its request or byte budget, grew its arena,
// panicked or received a rotate fault asks the supervisor for a replacement.
// The replacement (new goroutine, new locked and pinned thread, new arena)
// is installed once ready; only then is the old actor retired: it takes no
// new work, finishes its mailbox and exits, ending its thread. A request
// whose attempt panicked is retried once on another actor; a second panic
// answers INTERNAL.
//
// Clock: every timestamp and the wheel use Config.Now (monotonic ns).
package actors

// CONTRACT FILE: the types below are the interface between the event loop
// (which decodes frames and calls Pool.Submit), the actors and telemetry.

// Mode selects what a request asks for.
type Mode uint8

// Request modes.
const (
	ModeSummary Mode = iota // reply: status, token and issue counts (frame type 2)
	ModeFull                // reply: full result, tokens with spans and issues (frame type 4)
)

// Request is one lexing request. The event loop fills it and hands it to
// Pool.Submit; from then on the pool owns it until Done is called.
type Request struct {
	ConnID uint64 // connection the request came on (for cancel by req_id)
	ID     uint64 // req_id from the wire
	Mode   Mode
	// Doc is the document, in memory the request owns (never a gnet
	// buffer). It must not be modified after Submit, not even after Done:
	// a cancelled duplicate may still read it for a moment.
	Doc []byte

	// Monotonic timestamps in ns (telemetry.Now), filled by the event loop.
	TInStart int64 // first byte of the frame read
	TInDone  int64 // whole frame read and decoded

	// Done receives the reply frame, exactly once: from an actor or the
	// supervisor goroutine, or synchronously from inside Submit (BUSY,
	// SHUTTING_DOWN), Cancel, CancelConn (CANCELLED) or Close (SHUTTING_DOWN
	// after its deadline). Frame is a complete encoded frame (header
	// included) that the callee owns from then on.
	Done func(rep *Reply)

	// Release, when set, is called once no attempt reads Doc any more
	// (after Done, from any goroutine): the caller may then reuse Doc's
	// memory.
	Release func()
}

// Reply is the outcome of a request.
type Reply struct {
	Frame []byte // complete encoded frame: type 2, 4 or 5 (error)

	Status  uint32 // 0 ok; else the proto error code
	NTokens uint32
	NIssues uint32
	Origin  uint8 // 1 primary, 2 hedge
	Actor   int   // index of the actor that produced it (-1: none)

	// Monotonic timestamps in ns.
	TProcStart  int64 // winning actor started lexing
	TLexEnd     int64 // the kernel returned (0 for replies that did not lex)
	THedgeFire  int64 // 0 unless a hedge was sent
	TFirstReply int64 // first completion (the winner's)
	Hedged      bool
}

// Observer receives the pool's events for telemetry. Implementations must be
// safe for concurrent use and must not block: methods are called from actor
// and supervisor goroutines.
type Observer interface {
	// Lexed reports one document lexed by actor with kernel path (busyNs of
	// actor time, bytes of input).
	Lexed(actor int, path string, busyNs int64, bytes int)
	// QueueDepth reports the mailbox depth of actor after a change.
	QueueDepth(actor int, depth int)
	HedgeFired()
	HedgeWon()
	// Stolen reports a queued request taken by idle actor to from actor
	// from's mailbox (work stealing).
	Stolen(from, to int)
	// Rotated reports an actor replaced; reason is budget, arena, crash or manual.
	Rotated(actor int, reason string)
	// FaultInjected reports a fault that fired: delay, stall, panic or
	// rotate (runtime faults) or env (L0_FAULT_*).
	FaultInjected(kind string)
	// Rejected reports a request answered at once with an error code (BUSY...).
	Rejected(code uint32)
}
