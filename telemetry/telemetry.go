package telemetry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Telemetry collects l0d's measurements. Create it with New before the
// actor pool (it is the pool's actors.Observer), call Serve in its own
// goroutine when the HTTP endpoint is wanted, and Close on shutdown.
// Every method is safe for concurrent use unless its comment says otherwise.
type Telemetry struct {
	cfg  Config
	m    *metrics
	hist *histograms
	tail *tail // nil when the tail CSV is disabled

	started   atomic.Uint64 // RequestStarted calls
	done      atomic.Uint64 // RequestDone calls
	dropped   atomic.Uint64 // RequestDropped calls
	hedges    atomic.Uint64
	hedgeWins atomic.Uint64
	rotations atomic.Uint64
	ready     atomic.Bool

	handler http.Handler
	ln      net.Listener // nil unless cfg.Prom
	srv     *http.Server

	kick      chan struct{} // wakes the reporter (capacity 1: kicks coalesce)
	quit      chan struct{} // closed by Close
	reporterD chan struct{} // closed when the reporter returned
	reportMu  sync.Mutex    // serialises reports (they share the histograms)
	closeOnce sync.Once
	closeErr  error
}

// New returns a Telemetry for cfg (zero fields take the package defaults).
// When cfg.Prom is set it binds cfg.PromAddr now, so that a busy port fails
// start-up rather than the first scrape; Serve then serves it. New starts
// one reporter goroutine, which Close stops.
func New(cfg Config) (*Telemetry, error) {
	cfg = cfg.withDefaults()
	t := &Telemetry{
		cfg:       cfg,
		hist:      newHistograms(cfg.Actors),
		kick:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		reporterD: make(chan struct{}),
	}
	if cfg.TailKeep > 0 {
		t.tail = newTail(cfg.TailCSV, cfg.TailKeep)
	}
	t.m = newMetrics(cfg, t.inflight, func() float64 {
		if t.ready.Load() {
			return 1
		}
		return 0
	})
	t.handler = t.newHandler()
	t.srv = &http.Server{Handler: t.handler, ReadHeaderTimeout: 10 * time.Second}
	if cfg.Prom {
		ln, err := net.Listen("tcp", cfg.PromAddr)
		if err != nil {
			return nil, fmt.Errorf("cannot serve metrics on %s: %w", cfg.PromAddr, err)
		}
		t.ln = ln
	}
	go t.reporter()
	return t, nil
}

// Addr returns the bound address of the HTTP endpoint ("" when cfg.Prom is
// off); with port 0 in PromAddr it tells the port picked.
func (t *Telemetry) Addr() string {
	if t.ln == nil {
		return ""
	}
	return t.ln.Addr().String()
}

// Serve serves /metrics, /healthz and /readyz on the bound address until
// Close; it returns nil at once when cfg.Prom is off, and nil after Close.
// Call it once.
func (t *Telemetry) Serve() error {
	if t.ln == nil {
		return nil
	}
	if err := t.srv.Serve(t.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("cannot serve metrics on %s: %w", t.Addr(), err)
	}
	return nil
}

// SetReady sets what /readyz and l0_ready report: the event loop sets it
// once it accepts connections and clears it when draining.
func (t *Telemetry) SetReady(ready bool) { t.ready.Store(ready) }

// RequestStarted counts a request decoded and handed on (to the pool, or to
// an immediate error reply) for l0_inflight_requests; the event loop calls
// it once per request before the matching RequestDone.
func (t *Telemetry) RequestStarted() { t.started.Add(1) }

// inflight is l0_inflight_requests: started minus answered and dropped,
// never negative.
func (t *Telemetry) inflight() float64 {
	d := t.done.Load() + t.dropped.Load()
	s := t.started.Load()
	if s <= d {
		return 0
	}
	return float64(s - d)
}

// RequestDropped records a request whose reply could not be written
// because the peer was gone (l0_dropped_replies_total); with RequestDone it
// balances RequestStarted. The event loop calls it instead of RequestDone.
func (t *Telemetry) RequestDropped(rec Record) {
	t.dropped.Add(1)
	t.m.dropped.Inc()
}

// RequestDone records one request whose reply was handed to the socket:
// counters, latency histograms (Prometheus and HdrHistogram), the tail CSV
// candidates; every LogEvery requests it wakes the reporter, which logs the
// summary line and rewrites the tail CSV off the caller's goroutine. The
// event loop calls it once per reply frame sent for a request. It does not
// block on I/O and takes, in the common case, one uncontended lock.
func (t *Telemetry) RequestDone(rec Record) {
	n := t.done.Add(1)
	m := t.m
	m.requests.Inc()
	if rec.Status != 0 {
		m.errCounter(rec.Status).Inc()
	}
	if rec.Bytes > 0 {
		m.bytesIn.Add(float64(rec.Bytes))
	}
	if rec.BytesOut > 0 {
		m.bytesOut.Add(float64(rec.BytesOut))
	}
	if ns := rec.LatencyNs(); rec.TInStart > 0 && rec.TReplyReady >= rec.TInStart {
		m.latencyMs.Observe(float64(ns) / 1e6)
		m.latencySec.Observe(float64(ns) / 1e9)
		t.hist.record(rec.Actor, ns)
		if t.tail != nil && rec.answered() {
			t.tail.offer(&rec, ns)
		}
	}
	if n%uint64(t.cfg.LogEvery) == 0 {
		select {
		case t.kick <- struct{}{}:
		default: // a report is pending already; it will cover this one
		}
	}
}

// Lexed implements actors.Observer: one document of bytes lexed by actor on
// kernel path in busyNs.
func (t *Telemetry) Lexed(actor int, path string, busyNs int64, bytes int) {
	t.m.lexedCounter(path).Inc()
	if busyNs > 0 {
		t.m.busyCounter(actor).Add(float64(busyNs) / 1e9)
	}
	if bytes > 0 {
		t.m.lexedBytes.Add(float64(bytes))
	}
}

// QueueDepth implements actors.Observer: actor's mailbox holds depth
// requests.
func (t *Telemetry) QueueDepth(actor int, depth int) { t.m.queueGauge(actor).Set(float64(depth)) }

// HedgeFired implements actors.Observer: a hedge was sent.
func (t *Telemetry) HedgeFired() {
	t.hedges.Add(1)
	t.m.hedgeFired.Inc()
}

// HedgeWon implements actors.Observer: a hedge replied first.
func (t *Telemetry) HedgeWon() {
	t.hedgeWins.Add(1)
	t.m.hedgeWins.Inc()
}

// Stolen implements actors.Observer: an idle actor took a request queued
// for another.
func (t *Telemetry) Stolen(from, to int) { t.m.steals.Inc() }

// Rotated implements actors.Observer: actor was replaced for reason
// (budget, arena, crash or manual).
func (t *Telemetry) Rotated(actor int, reason string) {
	t.rotations.Add(1)
	t.m.rotations.WithLabelValues(reason).Inc()
}

// FaultInjected implements actors.Observer: an injected fault of kind fired.
func (t *Telemetry) FaultInjected(kind string) { t.m.faults.WithLabelValues(kind).Inc() }

// Rejected implements actors.Observer: the pool answered a request at once
// with code (proto.ErrBusy, proto.ErrShuttingDown...).
func (t *Telemetry) Rejected(code uint32) { t.m.rejCounter(code).Inc() }

// Summary is the state the periodic log line reports.
type Summary struct {
	Requests    uint64      // requests answered since start
	Latency     Percentiles // over the summary's span (see Snapshot, the log line)
	HedgesFired uint64
	HedgesWon   uint64
	Rotations   uint64
}

// Snapshot returns the counters and the latency percentiles of every
// request answered so far (the per-actor histograms merged).
func (t *Telemetry) Snapshot() Summary {
	t.reportMu.Lock()
	p := t.hist.snapshot()
	t.reportMu.Unlock()
	return t.summary(p)
}

func (t *Telemetry) summary(p Percentiles) Summary {
	return Summary{
		Requests:    t.done.Load(),
		Latency:     p,
		HedgesFired: t.hedges.Load(),
		HedgesWon:   t.hedgeWins.Load(),
		Rotations:   t.rotations.Load(),
	}
}

// reporter runs until Close: at each kick it logs the summary of the
// requests since the previous line and rewrites the tail CSV.
func (t *Telemetry) reporter() {
	defer close(t.reporterD)
	for {
		select {
		case <-t.quit:
			return
		case <-t.kick:
			t.reportMu.Lock()
			s := t.summary(t.hist.rollover())
			t.reportMu.Unlock()
			t.logSummary("l0 stats", s)
			t.writeTail()
		}
	}
}

// logSummary logs s as one line.
func (t *Telemetry) logSummary(msg string, s Summary) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	pct := func(a, b uint64) float64 {
		if b == 0 {
			return 0
		}
		return math.Round(float64(a)/float64(b)*1e4) / 1e2
	}
	t.cfg.Logger.Info(msg,
		"requests", s.Requests,
		"window", s.Latency.Count,
		"p50_ms", ms(s.Latency.P50),
		"p99_ms", ms(s.Latency.P99),
		"p999_ms", ms(s.Latency.P999),
		"max_ms", ms(s.Latency.Max),
		"hedge_fired", s.HedgesFired,
		"hedge_fired_pct", pct(s.HedgesFired, s.Requests),
		"hedge_won", s.HedgesWon,
		"hedge_won_pct", pct(s.HedgesWon, s.HedgesFired),
		"rotations", s.Rotations,
	)
}

// writeTail rewrites the tail CSV, logging a failure (a full disk must not
// stop the service).
func (t *Telemetry) writeTail() error {
	if t.tail == nil {
		return nil
	}
	err := t.tail.write()
	if err != nil {
		t.cfg.Logger.Error("tail CSV", "err", err)
	}
	return err
}

// Close stops the HTTP endpoint (waiting for scrapes in progress until ctx
// ends), stops the reporter, logs a final summary line over the whole run
// and writes the tail CSV a last time. Later calls return the first call's
// result. Metrics recorded after Close are still counted but no longer
// served or written.
func (t *Telemetry) Close(ctx context.Context) error {
	t.closeOnce.Do(func() {
		t.ready.Store(false)
		var errs []error
		if t.ln != nil {
			if err := t.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("cannot stop the metrics server: %w", err))
			}
		}
		close(t.quit)
		select {
		case <-t.reporterD:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("cannot stop the telemetry reporter: %w", ctx.Err()))
		}
		t.logSummary("l0 stats final", t.Snapshot())
		errs = append(errs, t.writeTail())
		t.closeErr = errors.Join(errs...)
	})
	return t.closeErr
}
