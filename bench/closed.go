package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ClosedConfig configures a closed-loop run: every connection has exactly
// one request in flight.
type ClosedConfig struct {
	Dial  Dialer
	Doc   *Document
	Conns int // concurrent connections (workers)
	N     int // measured requests in all
	// Warmup requests run first on the same connections; their replies are
	// checked (errors count) but not measured.
	Warmup int
	// OneShot opens a new connection per request; its latency then includes
	// the connect. Otherwise connections are kept alive.
	OneShot bool
	// Timeout bounds each request from the write to the whole reply
	// (0: 10 s). A timed-out connection is closed and redialled.
	Timeout time.Duration
	// KeepLatencies fills Result.Latencies.
	KeepLatencies bool
	// Progress, if not nil, counts finished measured requests.
	Progress *Progress
}

// DefaultTimeout is the per-request timeout when none is configured.
const DefaultTimeout = 10 * time.Second

// RunClosed runs the closed loop described by cfg and returns its result.
// It fails only when the run cannot start (no document, cannot connect);
// request failures are counted in the result.
func RunClosed(ctx context.Context, cfg ClosedConfig) (*Result, error) {
	if cfg.Doc == nil || cfg.Dial == nil {
		return nil, errors.New("cannot run the bench: no document or dialer")
	}
	if cfg.Conns < 1 || cfg.N < 0 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("cannot run the bench: conns=%d n=%d warmup=%d", cfg.Conns, cfg.N, cfg.Warmup)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	mode := "keepalive"
	if cfg.OneShot {
		mode = "oneshot"
	}
	workers := make([]*closedWorker, cfg.Conns)
	for i := range workers {
		w := &closedWorker{
			cfg:   &cfg,
			id:    uint64(i+1) << 40,
			frame: cfg.Doc.requestFrame(),
			hist:  NewHistogram(),
		}
		if !cfg.OneShot {
			c, err := cfg.Dial(ctx)
			if err != nil {
				for _, w := range workers[:i] {
					w.closeConn()
				}
				return nil, err
			}
			w.setConn(c)
		}
		workers[i] = w
	}
	defer func() {
		for _, w := range workers {
			w.closeConn()
		}
	}()
	res := &Result{Mode: mode, Conns: cfg.Conns, DocBytes: cfg.Doc.Size(), Hist: NewHistogram(), Tokens: cfg.Doc.Tokens}

	// Warm-up phase: checked, not measured.
	runPhase(ctx, workers, cfg.Warmup, nil, false)
	for _, w := range workers {
		res.Errors.Add(&w.errs)
		res.Codes.Add(&w.codes)
		if w.badTokens != 0 {
			res.BadTokens = w.badTokens
		}
		w.errs, w.codes = Errors{}, Codes{}
	}

	var lat []int64
	if cfg.KeepLatencies {
		lat = make([]int64, cfg.N)
	}
	cfg.Progress.SetTotal(int64(cfg.N))
	start := time.Now()
	sent := runPhase(ctx, workers, cfg.N, lat, true)
	res.Elapsed = time.Since(start)
	res.Count = sent
	for _, w := range workers {
		res.OK += w.ok
		res.Errors.Add(&w.errs)
		res.Codes.Add(&w.codes)
		res.Hist.Merge(w.hist)
		if w.badTokens != 0 {
			res.BadTokens = w.badTokens
		}
	}
	if lat != nil {
		res.Latencies = lat[:sent]
	}
	return res, nil
}

// runPhase makes the workers share n requests and returns how many were
// sent (fewer than n only if ctx ends first). Only a measured phase records
// latencies and successes.
func runPhase(ctx context.Context, workers []*closedWorker, n int, lat []int64, measured bool) int64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, &next, int64(n), lat, measured)
		}()
	}
	wg.Wait()
	sent := next.Load()
	if sent > int64(n) {
		sent = int64(n)
	}
	return sent
}

// closedWorker drives one connection (or one connection at a time, for
// one-shot). It is used by one goroutine at a time.
type closedWorker struct {
	cfg   *ClosedConfig
	id    uint64 // req_id of the last request: connection index in the top bits
	frame []byte
	conn  net.Conn
	fr    *frameReader
	hist  *hdrhistogram.Histogram
	ok    int64
	errs  Errors
	codes Codes
	// badTokens is the token count of the last mismatched reply.
	badTokens uint32
}

func (w *closedWorker) setConn(c net.Conn) {
	w.conn = c
	if w.fr == nil {
		w.fr = newFrameReader(c)
	} else {
		w.fr.r = c
	}
}

func (w *closedWorker) closeConn() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// loop claims request indices from next until n are claimed or ctx ends.
func (w *closedWorker) loop(ctx context.Context, next *atomic.Int64, n int64, lat []int64, measured bool) {
	for ctx.Err() == nil {
		i := next.Add(1) - 1
		if i >= n {
			return
		}
		ns, ok := w.one(ctx)
		if lat != nil {
			if !ok {
				ns = -1
			}
			lat[i] = ns
		}
		if measured {
			if ok {
				w.ok++
				record(w.hist, ns)
			}
			w.cfg.Progress.add(!ok)
		}
	}
}

// one sends one request and reads its reply. It returns the latency in ns
// and whether the reply was correct; failures are counted in w.errs.
func (w *closedWorker) one(ctx context.Context) (int64, bool) {
	w.id++
	setReqID(w.frame, w.id)
	var t0 time.Time
	if w.cfg.OneShot {
		t0 = time.Now()
		c, err := w.cfg.Dial(ctx)
		if err != nil {
			w.errs.IO++
			return 0, false
		}
		w.setConn(c)
		defer w.closeConn()
	} else if w.conn == nil {
		c, err := w.cfg.Dial(ctx)
		if err != nil {
			w.errs.IO++
			return 0, false
		}
		w.setConn(c)
	}
	deadline := time.Now().Add(w.cfg.Timeout)
	if err := w.conn.SetDeadline(deadline); err != nil {
		w.errs.IO++
		w.closeConn()
		return 0, false
	}
	if !w.cfg.OneShot {
		t0 = time.Now()
	}
	if _, err := w.conn.Write(w.frame); err != nil {
		w.failed(err, false)
		return 0, false
	}
	for {
		h, p, err := w.fr.next()
		if err != nil {
			w.failed(err, true)
			return 0, false
		}
		if h.ReqID != w.id {
			// A reply that belongs to no request in flight: an earlier
			// request's second reply, or garbage.
			if h.ReqID>>40 == w.id>>40 && h.ReqID < w.id {
				w.errs.Duplicate++
			} else {
				w.errs.Protocol++
			}
			continue
		}
		ns := time.Since(t0).Nanoseconds()
		o, code := Check(w.cfg.Doc.Tokens, h, p)
		if o == OutcomeOK {
			return ns, true
		}
		w.errs.count(o)
		if o == OutcomeMismatch {
			w.badTokens = replyTokens(h, p)
		}
		if code != 0 {
			w.codes.add(code)
		}
		if o == OutcomeProtocol {
			w.closeConn()
		}
		return ns, false
	}
}

// failed counts a write or read failure and drops the connection, whose
// stream state is unknown from now on.
func (w *closedWorker) failed(err error, reading bool) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.errs.Timeout++
	case errors.Is(err, errBadStream):
		w.errs.Protocol++
	case reading:
		w.errs.Lost++
	default:
		w.errs.IO++
	}
	w.closeConn()
}
