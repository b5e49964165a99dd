package telemetry

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

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
	metrics := promhttp.InstrumentMetricHandler(t.m.core, promhttp.HandlerFor(t.gatherer(), promhttp.HandlerOpts{
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

// gatherer returns what /metrics serves: the core registry, and the legacy
// one unless OmitLegacyLatencyMs.
func (t *Telemetry) gatherer() prometheus.Gatherer {
	if t.cfg.OmitLegacyLatencyMs {
		return t.m.core
	}
	return prometheus.Gatherers{t.m.core, t.m.legacy}
}

// Families returns the sorted names of the service's own metric families
// (l0_*) that t exports on /metrics; the Go runtime's and the process's
// are left out. Safe for concurrent use.
func (t *Telemetry) Families() ([]string, error) {
	fams, err := t.gatherer().Gather()
	if err != nil {
		return nil, fmt.Errorf("cannot gather the metrics: %w", err)
	}
	var names []string
	for _, f := range fams {
		if name := f.GetName(); strings.HasPrefix(name, "l0_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}
