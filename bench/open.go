package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// OpenConfig configures an open-loop run: requests leave on a fixed schedule
// whatever the replies, pipelined on Conns connections, and each latency is
// measured from the request's intended send time, so that a stalled server
// cannot hide the requests that queued behind the stall (no coordinated
// omission).
type OpenConfig struct {
	Dial     Dialer
	Doc      *Document
	Conns    int           // connections; request i goes out on connection i mod Conns
	Rate     float64       // requests per second, all connections together
	Duration time.Duration // length of the measured schedule
	// Warmup requests lead the schedule at the same rate; their replies are
	// checked (errors count) but not measured.
	Warmup int
	// Drain is how long to wait for stragglers after the last intended send
	// (0: 10 s). A reply still missing then is lost.
	Drain         time.Duration
	KeepLatencies bool
	Progress      *Progress
}

// Schedule is the open loop's send plan: request i is due at Start + i/Rate.
type Schedule struct {
	Start time.Time
	Rate  float64
}

// At returns the intended send time of request i.
func (s Schedule) At(i int) time.Time {
	return s.Start.Add(time.Duration(float64(i) * 1e9 / s.Rate))
}

// RunOpen runs the open loop described by cfg. It fails only when the run
// cannot start; request failures are counted in the result.
func RunOpen(ctx context.Context, cfg OpenConfig) (*Result, error) {
	if cfg.Doc == nil || cfg.Dial == nil {
		return nil, errors.New("cannot run the open-loop bench: no document or dialer")
	}
	if cfg.Conns < 1 || cfg.Rate <= 0 || cfg.Duration <= 0 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("cannot run the open-loop bench: conns=%d rate=%g duration=%v warmup=%d",
			cfg.Conns, cfg.Rate, cfg.Duration, cfg.Warmup)
	}
	if cfg.Drain <= 0 {
		cfg.Drain = DefaultTimeout
	}
	measured := int(cfg.Rate * cfg.Duration.Seconds())
	if measured < 1 {
		measured = 1
	}
	total := cfg.Warmup + measured
	conns := make([]net.Conn, cfg.Conns)
	for i := range conns {
		c, err := cfg.Dial(ctx)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return nil, err
		}
		conns[i] = c
	}
	run := &openRun{cfg: &cfg, total: total}
	if cfg.KeepLatencies {
		run.lat = make([]int64, measured)
		for i := range run.lat {
			run.lat[i] = -1
		}
	}
	cfg.Progress.SetTotal(int64(measured))
	run.sched = Schedule{Start: time.Now().Add(time.Millisecond), Rate: cfg.Rate}
	run.deadline = run.sched.At(total - 1).Add(cfg.Drain)

	lanes := make([]*openLane, cfg.Conns)
	var wg sync.WaitGroup
	for i, c := range conns {
		n := (total - i + cfg.Conns - 1) / cfg.Conns
		l := &openLane{run: run, idx: i, conn: c, hist: NewHistogram(), lag: NewHistogram(),
			replies: make([]uint8, n)}
		lanes[i] = l
		wg.Add(2)
		go func() { defer wg.Done(); l.write(ctx) }()
		go func() { defer wg.Done(); l.read() }()
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}

	res := &Result{Mode: "open", Conns: cfg.Conns, DocBytes: cfg.Doc.Size(), Hist: NewHistogram(),
		Count: int64(measured), Latencies: run.lat, Tokens: cfg.Doc.Tokens, SendLag: NewHistogram()}
	var last time.Time
	for _, l := range lanes {
		sent := l.sent.Load()
		res.Errors.Lost += sent - l.unique
		res.Errors.IO += int64(len(l.replies)) - sent
		res.OK += l.ok
		res.Errors.Add(&l.errs)
		res.Codes.Add(&l.codes)
		res.Hist.Merge(l.hist)
		res.SendLag.Merge(l.lag)
		if l.badTokens != 0 {
			res.BadTokens = l.badTokens
		}
		if l.last.After(last) {
			last = l.last
		}
	}
	if start := run.sched.At(cfg.Warmup); last.After(start) {
		res.Elapsed = last.Sub(start)
	}
	return res, nil
}

// openRun is what the lanes of one open-loop run share; read-only while the
// lanes run, except lat whose entries each belong to one lane's reader.
type openRun struct {
	cfg      *OpenConfig
	total    int // requests, warm-up included
	sched    Schedule
	deadline time.Time // end of the wait for stragglers
	lat      []int64   // measured latencies in ns, or nil
}

// openLane is one connection of an open-loop run: a writer goroutine that
// follows the schedule for requests idx, idx+Conns, ... and a reader
// goroutine that matches replies by req_id (request index + 1).
type openLane struct {
	run  *openRun
	idx  int
	conn net.Conn

	sent atomic.Int64 // requests handed to the socket (written by the writer)
	// lag is how late each request left against its intended time (owned
	// by the writer; read after it finished).
	lag      *hdrhistogram.Histogram
	stopping atomic.Bool // the writer has finished

	// Owned by the reader.
	replies []uint8 // replies seen per lane request (saturating at 255)
	unique  int64   // lane requests with at least one reply
	ok      int64
	errs    Errors
	codes   Codes
	hist    *hdrhistogram.Histogram
	last    time.Time // arrival of the latest reply
	// badTokens is the token count of the last mismatched reply.
	badTokens uint32
}

// write sends the lane's requests at their intended times. A request that
// is late (the writer was blocked) leaves at once: its latency still counts
// from the intended time.
func (l *openLane) write(ctx context.Context) {
	defer l.stopping.Store(true)
	r := l.run
	frame := r.cfg.Doc.requestFrame()
	if err := l.conn.SetWriteDeadline(r.deadline); err != nil {
		l.stop(ctx)
		return
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for k := range l.replies {
		i := l.idx + k*r.cfg.Conns
		if d := time.Until(r.sched.At(i)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				l.stop(ctx)
				return
			}
		}
		setReqID(frame, uint64(i)+1)
		l.sent.Store(int64(k + 1))
		record(l.lag, time.Since(r.sched.At(i)).Nanoseconds())
		if _, err := l.conn.Write(frame); err != nil {
			l.stop(ctx)
			return
		}
	}
}

// stop ends the wait for replies early after the writer gave up: at once
// when ctx ended, else after the drain time.
func (l *openLane) stop(ctx context.Context) {
	d := l.run.cfg.Drain
	if ctx.Err() != nil {
		d = 0
	}
	_ = l.conn.SetReadDeadline(time.Now().Add(d))
}

// read matches replies to requests until every lane request was answered,
// the writer gave up and every sent request was answered, or the deadline.
func (l *openLane) read() {
	r := l.run
	C := r.cfg.Conns
	if err := l.conn.SetReadDeadline(r.deadline); err != nil {
		return
	}
	fr := newFrameReader(l.conn)
	for l.unique < int64(len(l.replies)) {
		if l.stopping.Load() && l.unique >= l.sent.Load() {
			return
		}
		h, p, err := fr.next()
		if err != nil {
			if errors.Is(err, errBadStream) {
				l.errs.Protocol++
			}
			return
		}
		now := time.Now()
		i := int(h.ReqID) - 1
		k := (i - l.idx) / C
		if h.ReqID == 0 || h.ReqID > uint64(r.total) || (i-l.idx)%C != 0 || int64(k) >= l.sent.Load() {
			l.errs.Protocol++
			continue
		}
		if l.replies[k] != 0 {
			if l.replies[k] < 255 {
				l.replies[k]++
			}
			l.errs.Duplicate++
			continue
		}
		l.replies[k] = 1
		l.unique++
		l.last = now
		o, code := Check(r.cfg.Doc.Tokens, h, p)
		if o != OutcomeOK {
			l.errs.count(o)
			if o == OutcomeMismatch {
				l.badTokens = replyTokens(h, p)
			}
			if code != 0 {
				l.codes.add(code)
			}
		}
		if i < r.cfg.Warmup {
			continue
		}
		r.cfg.Progress.add(o != OutcomeOK)
		if o == OutcomeOK {
			ns := now.Sub(r.sched.At(i)).Nanoseconds()
			l.ok++
			record(l.hist, ns)
			if r.lat != nil {
				r.lat[i-r.cfg.Warmup] = ns
			}
		}
	}
}
