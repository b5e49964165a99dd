package telemetry

import (
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// LegacyLatencyBucketsMs are the older system's l0_latency_ms buckets, kept
// so that existing dashboards keep working.
func LegacyLatencyBucketsMs() []float64 { return []float64{5, 10, 15, 20, 30, 50} }

// LatencyBucketsSeconds are the classic buckets of l0_latency_seconds: fine
// around the 20 ms P99.9 objective, coarse beyond 100 ms.
func LatencyBucketsSeconds() []float64 {
	return []float64{
		0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004,
		0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04,
		0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5,
	}
}

// metrics holds the collectors and, for the hot paths, the children of the
// labelled families resolved in advance (a WithLabelValues lookup hashes
// the labels on every call). All collectors are safe for concurrent use.
type metrics struct {
	core   *prometheus.Registry // everything promtool accepts
	legacy *prometheus.Registry // l0_latency_ms

	requests   prometheus.Counter
	dropped    prometheus.Counter
	errors     *prometheus.CounterVec
	errByCode  [len(codeNames)]prometheus.Counter
	hedgeFired prometheus.Counter
	hedgeWins  prometheus.Counter
	steals     prometheus.Counter
	rotations  *prometheus.CounterVec
	latencyMs  prometheus.Histogram
	latencySec prometheus.Histogram
	bytesIn    prometheus.Counter
	bytesOut   prometheus.Counter
	lexedBytes prometheus.Counter
	queueDepth *prometheus.GaugeVec
	busy       *prometheus.CounterVec
	lexed      *prometheus.CounterVec
	faults     *prometheus.CounterVec
	rejections *prometheus.CounterVec
	rejByCode  [len(codeNames)]prometheus.Counter

	actorQueue []prometheus.Gauge   // queueDepth child of actor i
	actorBusy  []prometheus.Counter // busy child of actor i
	lexedPath  sync.Map             // kernel path -> prometheus.Counter
}

// newMetrics creates and registers every collector. inflight and ready are
// read at scrape time.
func newMetrics(cfg Config, inflight, ready func() float64) *metrics {
	m := &metrics{core: prometheus.NewRegistry(), legacy: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_requests_total",
		Help: "Requests answered (every reply frame handed to the socket, errors included).",
	})
	m.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_dropped_replies_total",
		Help: "Replies not written because the client was gone (not in l0_requests_total).",
	})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_errors_total",
		Help: "Replies with a non-zero status, by proto error code name.",
	}, []string{"code"})
	m.hedgeFired = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_hedge_fired_total",
		Help: "Hedge requests sent to a second actor.",
	})
	m.hedgeWins = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_hedge_wins_total",
		Help: "Requests whose hedge replied first.",
	})
	m.steals = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_steals_total",
		Help: "Queued requests taken by an idle actor from another actor's mailbox (work stealing).",
	})
	m.rotations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_rotations_total",
		Help: "Actors replaced, by reason (budget, arena, crash, manual).",
	}, []string{"reason"})
	m.latencyMs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "l0_latency_ms",
		Help:    "Service latency in milliseconds, first byte read to reply handed to the socket (legacy buckets; prefer l0_latency_seconds).",
		Buckets: LegacyLatencyBucketsMs(),
	})
	m.latencySec = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                            "l0_latency_seconds",
		Help:                            "Service latency in seconds, first byte read to reply handed to the socket.",
		Buckets:                         LatencyBucketsSeconds(),
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  160,
		NativeHistogramMinResetDuration: time.Hour,
	})
	inflightG := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "l0_inflight_requests",
		Help: "Requests decoded and not yet answered.",
	}, inflight)
	readyG := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "l0_ready",
		Help: "1 when the service accepts requests (what /readyz reports), else 0.",
	}, ready)
	m.bytesIn = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_request_bytes_total",
		Help: "Request payload bytes of answered requests.",
	})
	m.bytesOut = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_reply_bytes_total",
		Help: "Reply frame bytes handed to the socket.",
	})
	m.lexedBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "l0_lexed_bytes_total",
		Help: "Document bytes lexed by actors (a hedged request is lexed twice).",
	})
	m.queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "l0_actor_queue_depth",
		Help: "Requests waiting in an actor's mailbox.",
	}, []string{"actor"})
	m.busy = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_actor_busy_seconds_total",
		Help: "Time an actor spent lexing.",
	}, []string{"actor"})
	m.lexed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_documents_lexed_total",
		Help: "Documents lexed by actors, by kernel path.",
	}, []string{"kernel_path"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_faults_injected_total",
		Help: "Injected faults that fired, by kind.",
	}, []string{"kind"})
	m.rejections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "l0_rejections_total",
		Help: "Requests the pool answered at once without lexing, by code (busy: mailboxes or in-flight bytes full).",
	}, []string{"code"})
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "l0_build_info",
		Help: "Always 1; labels describe the running build.",
	}, []string{"version", "kernel_path", "goversion"})
	version := cfg.Version
	if version == "" {
		version = "unknown"
	}
	kpath := cfg.KernelPath
	if kpath == "" {
		kpath = "unknown"
	}
	buildInfo.WithLabelValues(version, kpath, runtime.Version()).Set(1)

	m.core.MustRegister(
		m.requests, m.dropped, m.errors, m.hedgeFired, m.hedgeWins, m.steals, m.rotations,
		m.latencySec, inflightG, readyG, m.bytesIn, m.bytesOut, m.lexedBytes,
		m.queueDepth, m.busy, m.lexed, m.faults, m.rejections, buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.legacy.MustRegister(m.latencyMs)

	for code := range codeNames {
		if code == 0 {
			continue
		}
		m.errByCode[code] = m.errors.WithLabelValues(codeNames[code])
	}
	// The pool rejects with these two; other codes appear when first used.
	for _, code := range []uint32{codeBusy, codeShuttingDown} {
		m.rejByCode[code] = m.rejections.WithLabelValues(codeNames[code])
	}
	for _, r := range rotationReasons {
		m.rotations.WithLabelValues(r)
	}
	for _, k := range faultKinds {
		m.faults.WithLabelValues(k)
	}
	if kpath != "unknown" {
		m.lexedCounter(kpath)
	}
	m.actorQueue = make([]prometheus.Gauge, cfg.Actors)
	m.actorBusy = make([]prometheus.Counter, cfg.Actors)
	for i := range cfg.Actors {
		m.actorQueue[i] = m.queueDepth.WithLabelValues(strconv.Itoa(i))
		m.actorBusy[i] = m.busy.WithLabelValues(strconv.Itoa(i))
	}
	return m
}

// errCounter returns the l0_errors_total child of code.
func (m *metrics) errCounter(code uint32) prometheus.Counter {
	if int64(code) < int64(len(m.errByCode)) && m.errByCode[code] != nil {
		return m.errByCode[code]
	}
	return m.errors.WithLabelValues(CodeName(code))
}

// rejCounter returns the l0_rejections_total child of code.
func (m *metrics) rejCounter(code uint32) prometheus.Counter {
	if int64(code) < int64(len(m.rejByCode)) && m.rejByCode[code] != nil {
		return m.rejByCode[code]
	}
	return m.rejections.WithLabelValues(CodeName(code))
}

// queueGauge returns the l0_actor_queue_depth child of actor.
func (m *metrics) queueGauge(actor int) prometheus.Gauge {
	if actor >= 0 && actor < len(m.actorQueue) {
		return m.actorQueue[actor]
	}
	return m.queueDepth.WithLabelValues(strconv.Itoa(actor))
}

// busyCounter returns the l0_actor_busy_seconds_total child of actor.
func (m *metrics) busyCounter(actor int) prometheus.Counter {
	if actor >= 0 && actor < len(m.actorBusy) {
		return m.actorBusy[actor]
	}
	return m.busy.WithLabelValues(strconv.Itoa(actor))
}

// lexedCounter returns the l0_documents_lexed_total child of a kernel path.
func (m *metrics) lexedCounter(path string) prometheus.Counter {
	if c, ok := m.lexedPath.Load(path); ok {
		return c.(prometheus.Counter)
	}
	c, _ := m.lexedPath.LoadOrStore(path, m.lexed.WithLabelValues(path))
	return c.(prometheus.Counter)
}
