package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"l0lex/proto"
)

// ChaosStep is one runtime fault of the chaos cycle.
type ChaosStep struct {
	Kind proto.FaultKind
	Ms   uint32 // delay length (FaultDelay)
	// All targets every actor; otherwise one actor, taking the actors in
	// turn from one step to the next.
	All bool
}

// String returns the step as ParseChaosSteps reads it, e.g. "delay:50:all".
func (s ChaosStep) String() string {
	out := s.Kind.String()
	if s.Kind == proto.FaultDelay {
		out += ":" + strconv.FormatUint(uint64(s.Ms), 10)
	}
	if s.All {
		out += ":all"
	}
	return out
}

// DefaultChaosSteps is the default fault cycle: delays, a stall, a panic and
// rotations, to one actor or to all. Panics go to one actor at a time: the
// server retries a panicked request once on another actor, so the request
// must still get a correct reply.
const DefaultChaosSteps = "delay:50,delay:20:all,stall,panic,rotate,rotate:all,delay:5:all,panic"

// ParseChaosSteps reads a comma-separated fault cycle: KIND[:MS][:all] with
// KIND delay (which needs MS), stall, panic or rotate.
func ParseChaosSteps(s string) ([]ChaosStep, error) {
	var steps []ChaosStep
	for _, item := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		kind, err := proto.ParseFaultKind(parts[0])
		if err != nil {
			return nil, fmt.Errorf("cannot parse chaos step %q: %w", item, err)
		}
		st := ChaosStep{Kind: kind}
		rest := parts[1:]
		if kind == proto.FaultDelay {
			if len(rest) == 0 {
				return nil, fmt.Errorf("cannot parse chaos step %q: delay needs :MS", item)
			}
			ms, err := strconv.ParseUint(rest[0], 10, 32)
			if err != nil || ms == 0 || ms > proto.MaxFaultMs {
				return nil, fmt.Errorf("cannot parse chaos step %q: delay of 1..%d ms", item, proto.MaxFaultMs)
			}
			st.Ms, rest = uint32(ms), rest[1:]
		}
		if len(rest) == 1 && rest[0] == "all" {
			st.All, rest = true, nil
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("cannot parse chaos step %q: want KIND[:MS][:all]", item)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// ChaosConfig configures a chaos run: pipelined keep-alive load while a
// control connection cycles runtime faults, then a wait for every reply.
type ChaosConfig struct {
	Dial     Dialer
	Doc      *Document
	Conns    int           // load connections
	Window   int           // requests in flight per connection (0: 4)
	Duration time.Duration // how long to send requests
	Steps    []ChaosStep   // fault cycle (empty: DefaultChaosSteps)
	Interval time.Duration // between faults (0: 500 ms)
	// CancelAfter: a request unanswered that long gets a client cancel
	// (this ends stalls when no hedge rescues them); its CANCELLED answer is
	// acceptable (0: 2 s).
	CancelAfter time.Duration
	// Straggle bounds the wait for the last replies after the sending
	// stopped; a request still unanswered then is lost (0: 10 s).
	Straggle time.Duration
	// Linger keeps reading after the last reply to catch late duplicates
	// (0: 500 ms).
	Linger time.Duration
	Log    io.Writer
}

// ChaosResult is the outcome of a chaos run. Result.Errors.Busy holds the
// BUSY answers, which are acceptable here.
type ChaosResult struct {
	Result
	Actors    int            // actors the server reported
	Faults    map[string]int // faults sent, by step
	Cancels   int64          // client cancels sent
	Cancelled int64          // CANCELLED answers to those cancels (acceptable)
}

// Failed reports whether any request lacks exactly one correct or
// acceptable reply.
func (r *ChaosResult) Failed() bool { return r.Errors.Total()-r.Errors.Busy != 0 }

// WriteReport prints the load report, the faults sent and the verdict's
// details.
func (r *ChaosResult) WriteReport(w io.Writer) error {
	if err := r.Result.WriteReport(w); err != nil {
		return err
	}
	var parts []string
	for k, n := range r.Faults {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(parts)
	_, err := fmt.Fprintf(w, "[chaos] actors=%d faults sent: %s\n[chaos] acceptable: busy=%d cancelled=%d (client cancels sent %d)\n",
		r.Actors, strings.Join(parts, " "), r.Errors.Busy, r.Cancelled, r.Cancels)
	if err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	return nil
}

// ErrFaultControlOff reports that the server refused a fault frame because
// it runs without L0_FAULT_CONTROL=1.
var ErrFaultControlOff = errors.New("fault control is disabled on the server (start l0d with L0_FAULT_CONTROL=1)")

// RunChaos runs the chaos described by cfg. It fails when the run cannot
// start or the server refuses a fault; request failures are in the result.
func RunChaos(ctx context.Context, cfg ChaosConfig) (*ChaosResult, error) {
	if cfg.Doc == nil || cfg.Dial == nil || cfg.Conns < 1 || cfg.Duration <= 0 {
		return nil, errors.New("cannot run chaos: need a document, a dialer, connections and a duration")
	}
	setDefault := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setDefault(&cfg.Interval, 500*time.Millisecond)
	setDefault(&cfg.CancelAfter, 2*time.Second)
	setDefault(&cfg.Straggle, DefaultTimeout)
	setDefault(&cfg.Linger, 500*time.Millisecond)
	if cfg.Window <= 0 {
		cfg.Window = 4
	}
	if len(cfg.Steps) == 0 {
		cfg.Steps, _ = ParseChaosSteps(DefaultChaosSteps)
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	ctl, err := dialControl(ctx, cfg.Dial)
	if err != nil {
		return nil, err
	}
	defer ctl.close()
	actors, err := ctl.actors()
	if err != nil {
		return nil, err
	}
	res := &ChaosResult{
		Result: Result{Mode: "chaos", Conns: cfg.Conns, DocBytes: cfg.Doc.Size(), Hist: NewHistogram(),
			Tokens: cfg.Doc.Tokens},
		Actors: actors, Faults: map[string]int{},
	}
	// The first fault goes out before the load so that a server without
	// fault control is caught at once.
	if err := ctl.send(cfg.Steps[0], 0, actors); err != nil {
		return nil, err
	}
	res.Faults[cfg.Steps[0].String()]++
	fmt.Fprintf(cfg.Log, "[chaos] %d actors; fault %s\n", actors, cfg.Steps[0])

	lanes := make([]*chaosLane, cfg.Conns)
	for i := range lanes {
		c, err := cfg.Dial(ctx)
		if err != nil {
			for _, l := range lanes[:i] {
				l.conn.Close()
			}
			return nil, err
		}
		lanes[i] = newChaosLane(&cfg, i, c)
	}
	start := time.Now()
	stopSend := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range lanes {
		wg.Add(1)
		go func() { defer wg.Done(); l.run(stopSend) }()
	}

	// Cycle the faults until the duration is over.
	var faultErr error
	tick := time.NewTicker(cfg.Interval)
	end := time.NewTimer(cfg.Duration)
cycle:
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			break cycle
		case <-end.C:
			break cycle
		case <-tick.C:
			st := cfg.Steps[n%len(cfg.Steps)]
			if err := ctl.send(st, n, actors); err != nil {
				faultErr = err
				break cycle
			}
			res.Faults[st.String()]++
			fmt.Fprintf(cfg.Log, "[chaos] %s fault %s\n", time.Since(start).Round(time.Millisecond), st)
		}
	}
	tick.Stop()
	end.Stop()
	close(stopSend)
	wg.Wait()
	var last time.Time
	for _, l := range lanes {
		if l.last.After(last) {
			last = l.last
		}
		res.Count += int64(len(l.reqs))
		res.OK += l.ok
		res.Errors.Add(&l.errs)
		res.Codes.Add(&l.codes)
		res.Hist.Merge(l.hist)
		res.Cancels += l.cancels
		res.Cancelled += l.cancelled
		if l.badTokens != 0 {
			res.BadTokens = l.badTokens
		}
	}
	if last.After(start) {
		res.Elapsed = last.Sub(start)
	}
	if faultErr != nil {
		return res, fmt.Errorf("cannot continue the fault cycle: %w", faultErr)
	}
	return res, nil
}

// control is the connection that carries ping and fault frames. It is used
// by one goroutine.
type control struct {
	conn net.Conn
	fr   *frameReader
	id   uint64
	buf  []byte
}

func dialControl(ctx context.Context, dial Dialer) (*control, error) {
	c, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	return &control{conn: c, fr: newFrameReader(c)}, nil
}

func (c *control) close() { c.conn.Close() }

// roundTrip sends frame (whose req_id is c.id) and returns the answer to it.
func (c *control) roundTrip(frame []byte) (proto.Header, []byte, error) {
	if err := c.conn.SetDeadline(time.Now().Add(DefaultTimeout)); err != nil {
		return proto.Header{}, nil, fmt.Errorf("cannot talk to l0d: %w", err)
	}
	if _, err := c.conn.Write(frame); err != nil {
		return proto.Header{}, nil, fmt.Errorf("cannot send a control frame: %w", err)
	}
	for {
		h, p, err := c.fr.next()
		if err != nil {
			return h, nil, fmt.Errorf("cannot read the answer to a control frame: %w", err)
		}
		if h.ReqID == c.id {
			return h, p, nil
		}
	}
}

// actors asks the server how many actors it runs (ping).
func (c *control) actors() (int, error) {
	c.id++
	h, p, err := c.roundTrip(proto.AppendPing(c.buf[:0], c.id))
	if err != nil {
		return 0, err
	}
	if h.Type != proto.TypePong {
		return 0, fmt.Errorf("cannot ping l0d: answer of type %d", h.Type)
	}
	pong, err := proto.ParsePong(p)
	if err != nil {
		return 0, fmt.Errorf("cannot ping l0d: %w", err)
	}
	if pong.Actors == 0 {
		return 1, nil
	}
	return int(pong.Actors), nil
}

// send delivers step number n of the cycle (one-actor steps take actor n
// mod actors) and waits for the server's acknowledgement.
func (c *control) send(st ChaosStep, n, actors int) error {
	f := proto.Fault{Kind: st.Kind, Ms: st.Ms, Actor: proto.AllActors}
	if !st.All {
		f.Actor = int32(n % actors)
	}
	c.id++
	h, p, err := c.roundTrip(proto.AppendFault(c.buf[:0], c.id, f))
	if err != nil {
		return err
	}
	switch h.Type {
	case proto.TypeFaultAck:
		return nil
	case proto.TypeError:
		if e, perr := proto.ParseError(p); perr == nil {
			if e.Code == proto.ErrForbidden {
				return ErrFaultControlOff
			}
			return fmt.Errorf("cannot inject fault %s: the server answered %s", st, e.Code)
		}
	}
	return fmt.Errorf("cannot inject fault %s: answer of type %d", st, h.Type)
}

// chaosReq is the state of one chaos request.
type chaosReq struct {
	sent      time.Time
	replies   uint8 // saturating
	cancelled bool
}

// chaosLane is one load connection: a writer that keeps Window requests in
// flight, a reader that counts replies per request and a canceller.
type chaosLane struct {
	cfg    *ChaosConfig
	prefix uint64 // top bits of every req_id of this lane
	conn   net.Conn
	window chan struct{} // one token per request in flight
	frame  []byte

	wmu sync.Mutex // serialises writes (requests and cancels)

	mu          sync.Mutex // guards the fields below
	reqs        []chaosReq // by seq-1
	outstanding int
	oldest      int  // no unanswered request before this index
	broken      bool // the connection failed
	ok          int64
	errs        Errors
	codes       Codes
	cancels     int64
	cancelled   int64
	hist        *hdrhistogram.Histogram
	last        time.Time // arrival of the latest reply
	badTokens   uint32    // token count of the last mismatched reply
}

func newChaosLane(cfg *ChaosConfig, i int, c net.Conn) *chaosLane {
	return &chaosLane{
		cfg: cfg, prefix: uint64(i+1) << 40, conn: c,
		window: make(chan struct{}, cfg.Window), frame: cfg.Doc.requestFrame(),
		hist: NewHistogram(),
	}
}

// run drives the lane until stop is closed, then waits for the stragglers
// and lingers for duplicates before closing the connection.
func (l *chaosLane) run(stop <-chan struct{}) {
	readDone := make(chan struct{})
	go func() { defer close(readDone); l.read() }()
	cancelStop := make(chan struct{})
	cancelDone := make(chan struct{})
	go func() { defer close(cancelDone); l.cancelLoop(cancelStop) }()

	l.write(stop)

	// Wait for the stragglers.
	deadline := time.Now().Add(l.cfg.Straggle)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		done := l.outstanding == 0 || l.broken
		l.mu.Unlock()
		if done {
			break
		}
		select {
		case <-readDone:
			deadline = time.Now()
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(cancelStop)
	<-cancelDone
	// Late duplicates show up within the linger time.
	select {
	case <-readDone:
	case <-time.After(l.cfg.Linger):
	}
	l.conn.Close()
	<-readDone
	l.mu.Lock()
	l.errs.Lost += int64(l.outstanding)
	l.outstanding = 0
	l.mu.Unlock()
}

// write sends requests, at most Window in flight, until stop is closed.
func (l *chaosLane) write(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case l.window <- struct{}{}:
		}
		l.mu.Lock()
		if l.broken {
			l.mu.Unlock()
			return
		}
		l.reqs = append(l.reqs, chaosReq{sent: time.Now()})
		l.outstanding++
		id := l.prefix | uint64(len(l.reqs))
		l.mu.Unlock()
		setReqID(l.frame, id)
		l.wmu.Lock()
		err := l.conn.SetWriteDeadline(time.Now().Add(l.cfg.Straggle))
		if err == nil {
			_, err = l.conn.Write(l.frame)
		}
		l.wmu.Unlock()
		if err != nil {
			l.mu.Lock()
			l.broken = true
			l.mu.Unlock()
			return
		}
	}
}

// read counts the replies per request until the connection closes.
func (l *chaosLane) read() {
	fr := newFrameReader(l.conn)
	for {
		h, p, err := fr.next()
		if err != nil {
			l.mu.Lock()
			if errors.Is(err, errBadStream) {
				l.errs.Protocol++
			}
			l.broken = true
			l.mu.Unlock()
			return
		}
		now := time.Now()
		l.mu.Lock()
		seq := int(h.ReqID &^ l.prefix)
		if h.ReqID&^(1<<40-1) != l.prefix || seq < 1 || seq > len(l.reqs) {
			l.errs.Protocol++
			l.mu.Unlock()
			continue
		}
		r := &l.reqs[seq-1]
		if r.replies > 0 {
			if r.replies < 255 {
				r.replies++
			}
			l.errs.Duplicate++
			l.mu.Unlock()
			continue
		}
		r.replies = 1
		l.outstanding--
		l.last = now
		o, code := Check(l.cfg.Doc.Tokens, h, p)
		switch {
		case o == OutcomeOK:
			l.ok++
			record(l.hist, now.Sub(r.sent).Nanoseconds())
		case r.cancelled && code == uint32(proto.ErrCancelled):
			l.cancelled++
		default:
			l.errs.count(o)
			if o == OutcomeMismatch {
				l.badTokens = replyTokens(h, p)
			}
		}
		if code != 0 {
			l.codes.add(code)
		}
		l.mu.Unlock()
		<-l.window
	}
}

// cancelLoop sends a client cancel for every request unanswered for
// CancelAfter, until stop is closed.
func (l *chaosLane) cancelLoop(stop <-chan struct{}) {
	every := l.cfg.CancelAfter / 4
	if every > 100*time.Millisecond {
		every = 100 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var ids []uint64
	var buf []byte
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ids = ids[:0]
		limit := time.Now().Add(-l.cfg.CancelAfter)
		l.mu.Lock()
		for l.oldest < len(l.reqs) && l.reqs[l.oldest].replies > 0 {
			l.oldest++
		}
		for i := l.oldest; i < len(l.reqs) && l.reqs[i].sent.Before(limit); i++ {
			if r := &l.reqs[i]; r.replies == 0 && !r.cancelled {
				r.cancelled = true
				ids = append(ids, l.prefix|uint64(i+1))
			}
		}
		l.cancels += int64(len(ids))
		l.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		buf = buf[:0]
		for _, id := range ids {
			buf = proto.AppendCancel(buf, id)
		}
		l.wmu.Lock()
		_, err := l.conn.Write(buf)
		l.wmu.Unlock()
		if err != nil {
			return
		}
	}
}
