package telemetry_test

import (
	"bytes"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"l0lex/telemetry"
)

// reqSpec is one request of the known traffic: its latency and outcome.
type reqSpec struct {
	ms     float64
	actor  int
	status uint32
	hedged bool
}

// knownTraffic is fed to a Telemetry; the expectations below follow from it.
var knownTraffic = []reqSpec{
	{ms: 2, actor: 0},
	{ms: 4, actor: 1},
	{ms: 7, actor: 0},
	{ms: 12, actor: 1},
	{ms: 18, actor: 0, hedged: true},
	{ms: 22, actor: -1, status: 4}, // BUSY, answered without an actor
	{ms: 35, actor: 1, status: 6},  // internal
	{ms: 60, actor: 0, hedged: true},
}

// feed sends knownTraffic and a fixed set of pool events to tel.
func feed(tel *telemetry.Telemetry) {
	base := telemetry.Now() + 1
	for i, r := range knownTraffic {
		tel.RequestStarted()
		start := base + int64(i)*1e9
		rec := telemetry.Record{
			ReqID: uint64(i + 1), Actor: r.actor, Bytes: 100, BytesOut: 29,
			Status: r.status, Origin: 1, Hedged: r.hedged,
			TInStart: start, TInDone: start + 1000,
			TReplyReady: start + int64(r.ms*1e6),
		}
		if r.actor >= 0 {
			rec.TProcStart = start + 2000
			rec.TFirstReply = rec.TReplyReady - 1000
		}
		if r.hedged {
			rec.THedgeFire = start + 10e6
			rec.Origin = 2
		}
		tel.RequestDone(rec)
	}
	tel.RequestStarted() // two requests still in flight
	tel.RequestStarted()
	tel.RequestStarted() // one whose client left
	tel.RequestDropped(telemetry.Record{ReqID: 99, Actor: 0})
	tel.Lexed(0, "avx2", 2e6, 100)
	tel.Lexed(0, "avx2", 2e6, 100)
	tel.Lexed(1, "avx2", 1e6, 100)
	tel.Lexed(1, "purego", 5e5, 50)
	tel.QueueDepth(1, 5)
	tel.QueueDepth(0, 3)
	tel.QueueDepth(0, 2)
	tel.HedgeFired()
	tel.HedgeFired()
	tel.HedgeWon()
	tel.Rotated(0, "crash")
	tel.Rotated(1, "budget")
	tel.Rotated(1, "budget")
	tel.FaultInjected("delay")
	tel.Rejected(4)
}

func TestScrapeKnownTraffic(t *testing.T) {
	tel := startServing(t, telemetry.Config{Actors: 2, Version: "v-test", KernelPath: "avx2"})

	resp, _ := get(t, tel, "/readyz", "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz before SetReady: %s, want 503", resp.Status)
	}
	tel.SetReady(true)
	feed(tel)

	fams := parseFamilies(t, scrapeText(t, tel))
	cases := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"l0_requests_total", nil, 8},
		{"l0_errors_total", []string{"code", "busy"}, 1},
		{"l0_errors_total", []string{"code", "internal"}, 1},
		{"l0_errors_total", []string{"code", "cancelled"}, 0},
		{"l0_hedge_fired_total", nil, 2},
		{"l0_hedge_wins_total", nil, 1},
		{"l0_rotations_total", []string{"reason", "crash"}, 1},
		{"l0_rotations_total", []string{"reason", "budget"}, 2},
		{"l0_rotations_total", []string{"reason", "arena"}, 0},
		{"l0_rotations_total", []string{"reason", "manual"}, 0},
		{"l0_inflight_requests", nil, 2},
		{"l0_dropped_replies_total", nil, 1},
		{"l0_ready", nil, 1},
		{"l0_request_bytes_total", nil, 800},
		{"l0_reply_bytes_total", nil, 8 * 29},
		{"l0_lexed_bytes_total", nil, 350},
		{"l0_actor_queue_depth", []string{"actor", "0"}, 2},
		{"l0_actor_queue_depth", []string{"actor", "1"}, 5},
		{"l0_actor_busy_seconds_total", []string{"actor", "0"}, 0.004},
		{"l0_actor_busy_seconds_total", []string{"actor", "1"}, 0.0015},
		{"l0_documents_lexed_total", []string{"kernel_path", "avx2"}, 3},
		{"l0_documents_lexed_total", []string{"kernel_path", "purego"}, 1},
		{"l0_faults_injected_total", []string{"kind", "delay"}, 1},
		{"l0_faults_injected_total", []string{"kind", "panic"}, 0},
		{"l0_rejections_total", []string{"code", "busy"}, 1},
		{"l0_build_info", []string{"version", "v-test", "kernel_path", "avx2", "goversion", runtime.Version()}, 1},
	}
	for _, c := range cases {
		m := find(fams, c.name, c.labels...)
		if m == nil {
			t.Errorf("%s%v: missing from the scrape", c.name, c.labels)
			continue
		}
		if got := value(m); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// Histograms: le is inclusive; the traffic avoids the bucket bounds.
	hists := []struct {
		name    string
		sum     float64
		buckets map[float64]uint64
	}{
		{"l0_latency_ms", 160, map[float64]uint64{5: 2, 10: 3, 15: 4, 20: 5, 30: 6, 50: 7}},
		{"l0_latency_seconds", 0.160, map[float64]uint64{0.001: 0, 0.005: 2, 0.0125: 4, 0.02: 5, 0.04: 7, 0.1: 8}},
	}
	for _, h := range hists {
		m := find(fams, h.name)
		if m == nil || m.GetHistogram() == nil {
			t.Errorf("%s: missing histogram", h.name)
			continue
		}
		hg := m.GetHistogram()
		if hg.GetSampleCount() != 8 || math.Abs(hg.GetSampleSum()-h.sum) > 1e-9 {
			t.Errorf("%s: count %d sum %v, want 8 and %v", h.name, hg.GetSampleCount(), hg.GetSampleSum(), h.sum)
		}
		seen := 0
		for _, b := range hg.GetBucket() {
			if want, ok := h.buckets[b.GetUpperBound()]; ok {
				seen++
				if b.GetCumulativeCount() != want {
					t.Errorf("%s{le=%v} = %d, want %d", h.name, b.GetUpperBound(), b.GetCumulativeCount(), want)
				}
			}
		}
		if seen != len(h.buckets) {
			t.Errorf("%s: %d of the %d expected bucket bounds present", h.name, seen, len(h.buckets))
		}
	}
	if got := len(find(fams, "l0_latency_ms").GetHistogram().GetBucket()); got != 7 {
		t.Errorf("l0_latency_ms has %d buckets, want the legacy 6 and +Inf", got)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if runtime.GOOS != "linux" && strings.HasPrefix(name, "process_") {
			continue
		}
		if fams[name] == nil {
			t.Errorf("%s: missing (Go and process collectors)", name)
		}
	}

	resp, body := get(t, tel, "/healthz", "")
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %s %q", resp.Status, body)
	}
	resp, _ = get(t, tel, "/readyz", "")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after SetReady(true): %s", resp.Status)
	}
	tel.SetReady(false)
	resp, _ = get(t, tel, "/readyz", "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz after SetReady(false): %s", resp.Status)
	}
}

// TestNativeHistogram checks that a protobuf scrape (what Prometheus asks
// for with native histograms enabled) carries l0_latency_seconds as a native
// histogram next to its classic buckets.
func TestNativeHistogram(t *testing.T) {
	tel := startServing(t, telemetry.Config{Actors: 2})
	feed(tel)
	resp, body := get(t, tel, "/metrics", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.ResponseFormat(resp.Header))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			t.Fatalf("l0_latency_seconds not found in the protobuf scrape (%v)", err)
		}
		if mf.GetName() != "l0_latency_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSchema() == 0 && len(h.GetPositiveSpan()) == 0 {
			t.Fatalf("l0_latency_seconds has no native buckets: %v", h)
		}
		// Native bucket counts are delta-encoded: the running sum of the
		// deltas is each bucket's count.
		var count, total int64
		for _, d := range h.GetPositiveDelta() {
			count += d
			total += count
		}
		if total+int64(h.GetZeroCount()) != 8 {
			t.Errorf("l0_latency_seconds native buckets hold %d+%d observations, want 8", total, h.GetZeroCount())
		}
		if h.GetSampleCount() != 8 || len(h.GetBucket()) != len(telemetry.LatencyBucketsSeconds()) {
			t.Errorf("l0_latency_seconds: count %d, %d classic buckets", h.GetSampleCount(), len(h.GetBucket()))
		}
		return
	}
}

func TestPromDisabled(t *testing.T) {
	tel, err := telemetry.New(telemetry.Config{TailKeep: -1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if tel.Addr() != "" {
		t.Errorf("Addr with Prom off = %q, want empty", tel.Addr())
	}
	if err := tel.Serve(); err != nil {
		t.Errorf("Serve with Prom off: %v", err)
	}
	if err := tel.Close(t.Context()); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestPortInUse(t *testing.T) {
	tel := startServing(t, telemetry.Config{})
	_, err := telemetry.New(telemetry.Config{Prom: true, PromAddr: tel.Addr(), TailKeep: -1})
	if err == nil || !strings.Contains(err.Error(), "cannot serve metrics") {
		t.Fatalf("New on a bound port: err %v, want a bind error", err)
	}
}

// Give the scrape helpers' timeouts a sane bound on a loaded machine.
func init() { http.DefaultClient.Timeout = time.Minute }
