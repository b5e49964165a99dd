package telemetry

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler returns the HTTP handler Serve serves: /metrics (Prometheus text
// or protobuf, the latter carrying the native histogram), /healthz (200
// while the process runs) and /readyz (200 after SetReady(true), else 503).
// Useful with net/http/httptest.
func (t *Telemetry) Handler() http.Handler { return t.handler }

// newHandler builds the handler Handler returns (once: the metric handler
// registers its own promhttp_* collectors).
func (t *Telemetry) newHandler() http.Handler {
	var g prometheus.Gatherer = t.m.core
	if !t.cfg.OmitLegacyLatencyMs {
		g = prometheus.Gatherers{t.m.core, t.m.legacy}
	}
	metrics := promhttp.InstrumentMetricHandler(t.m.core, promhttp.HandlerFor(g, promhttp.HandlerOpts{
		Registry:          t.m.core,
		EnableOpenMetrics: false,
	}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !t.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}

// Families returns the sorted names of the metric families t exports, its
// own (l0_*) and the Go runtime's and process's. Safe for concurrent use.
func (t *Telemetry) Families() ([]string, error) {
	fams, err := prometheus.Gatherers{t.m.core, t.m.legacy}.Gather()
	if err != nil {
		return nil, fmt.Errorf("cannot gather the metrics: %w", err)
	}
	names := make([]string, len(fams))
	for i, f := range fams {
		names[i] = f.GetName()
	}
	slices.Sort(names)
	return names, nil
}
