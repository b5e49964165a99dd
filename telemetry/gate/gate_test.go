package gate_test

import (
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"l0lex/telemetry/gate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func td(name string) string { return filepath.Join("testdata", name) }

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(td(name), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(td(name))
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func readLat(t *testing.T, name string) []float64 {
	t.Helper()
	v, bad, err := gate.ReadLatencies(td(name))
	if err != nil || len(bad) > 0 {
		t.Fatalf("%s: %v %v", name, err, bad)
	}
	return v
}

func TestPercentilesKnownFile(t *testing.T) {
	s := gate.Sorted(readLat(t, "lat_1to1000.txt")) // 1..1000 shuffled
	want := map[string]float64{"P50": 500, "P90": 900, "P95": 950, "P99": 990, "P99.9": 999, "P99.99": 1000}
	for _, q := range gate.GateQuantiles() {
		if got := gate.At(s, q.Q); got != want[q.Label] {
			t.Errorf("%s = %v, want %v", q.Label, got, want[q.Label])
		}
	}
}

// TestNearestRank checks idx = ceil(n*q)-1 on sizes where n*q is an exact
// integer (float rounding must not move the rank) and where it is not.
func TestNearestRank(t *testing.T) {
	cases := []struct {
		n    int
		q    float64
		want float64 // values are 1..n, so the value is the rank
	}{
		{100000, 0.999, 99900},
		{100000, 0.9999, 99990},
		{100000, 0.5, 50000},
		{1000, 0.999, 999},
		{10, 0.999, 10},
		{7, 0.5, 4},
		{1, 0.9999, 1},
		{3, 0.99, 3},
	}
	for _, c := range cases {
		s := make([]float64, c.n)
		for i := range s {
			s[i] = float64(i + 1)
		}
		if got := gate.At(s, c.q); got != c.want {
			t.Errorf("n=%d q=%v: %v, want %v", c.n, c.q, got, c.want)
		}
	}
	if !math.IsNaN(gate.At(nil, 0.5)) {
		t.Error("At(empty) is not NaN")
	}
}

func TestMalformedLatencies(t *testing.T) {
	vals, bad, err := gate.ReadLatencies(td("lat_malformed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1.5, 2.5, 3.25, 4}; !equal(vals, want) {
		t.Errorf("values %v, want %v", vals, want)
	}
	var got []string
	for _, e := range bad {
		got = append(got, e.Error()[:strings.Index(e.Error(), ": ")])
	}
	want := []string{"testdata/lat_malformed.txt:3", "testdata/lat_malformed.txt:5", "testdata/lat_malformed.txt:7", "testdata/lat_malformed.txt:9"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("malformed lines %v, want %v", got, want)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckTail(t *testing.T) {
	cases := []struct {
		file string
		want []string // "line: fragment" of each violation or malformed line
	}{
		{"tail_ok.csv", nil},
		{"tail_old_format.csv", nil},
		{"tail_empty.csv", nil},
		{"tail_bad.csv", []string{
			"2: t_in_done 2000000000 not after t_in_start",
			"3: t_proc_start 2000000050 before t_in_done",
			"4: t_first_reply 2000000150 before t_proc_start",
			"5: t_reply_ready 2000000500 before t_first_reply",
			"6: ms_total 2 but the stamps give 1.000000",
			"7: hedged row without t_hedge_fire",
			"8: origin 2 (hedge) on a row not marked hedged",
			"9: 4 fields, the header has 12",
			"10: t_in_done: not an integer",
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rows, bad, err := gate.ReadTailCSV(td(c.file))
			if err != nil {
				t.Fatal(err)
			}
			all := append(bad, gate.CheckTail(rows)...)
			if len(all) != len(c.want) {
				t.Fatalf("%d problems, want %d: %v", len(all), len(c.want), all)
			}
			for _, w := range c.want {
				line, frag, _ := strings.Cut(w, ": ")
				found := false
				for _, e := range all {
					if strings.HasPrefix(e.Error(), td(c.file)+":"+line+": ") && strings.Contains(e.Error(), frag) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem %q among %v", w, all)
				}
			}
		})
	}
}

func TestTailHeaderMissingColumn(t *testing.T) {
	_, _, err := gate.ReadTailCSV(td("tail_no_header_col.csv"))
	if err == nil || !strings.Contains(err.Error(), `no column "t_proc_start"`) {
		t.Fatalf("err = %v, want a missing-column error", err)
	}
}

// TestGateRules makes each rule fail in turn.
func TestGateRules(t *testing.T) {
	base := gate.Config{MinN: 1000, P999Ms: 999, MaxHedgePct: 2}
	cases := []struct {
		name    string
		lat     string
		tail    string
		metrics string
		cfg     func(*gate.Config)
		fail    []string // names (prefixes) of the rules that must fail
	}{
		{"all pass", "lat_1to1000.txt", "tail_ok.csv", "", nil, nil},
		{"all pass, hedge rate from metrics", "lat_1to1000.txt", "tail_ok.csv", "metrics_015pct.txt", nil, nil},
		{"too few requests", "lat_1to1000.txt", "tail_ok.csv", "", func(c *gate.Config) { c.MinN = 1001 }, []string{"N >="}},
		{"P99.9 over the objective", "lat_1to1000.txt", "tail_ok.csv", "", func(c *gate.Config) { c.P999Ms = 998.5 }, []string{"P99.9"}},
		{"hedge rate from the CSV", "lat_1to1000.txt", "tail_ok.csv", "", func(c *gate.Config) { c.MaxHedgePct = 0.05 }, []string{"hedge rate"}},
		{"hedge rate from metrics", "lat_1to1000.txt", "tail_ok.csv", "metrics_3pct.txt", nil, []string{"hedge rate"}},
		{"inconsistent stamps", "lat_1to1000.txt", "tail_bad.csv", "", nil, []string{"timestamps", "inputs"}},
		{"empty tail", "lat_1to1000.txt", "tail_empty.csv", "", nil, []string{"timestamps"}},
		{"malformed latencies", "lat_malformed.txt", "tail_ok.csv", "", func(c *gate.Config) { c.MinN = 4; c.P999Ms = 5; c.MaxHedgePct = 100 }, []string{"inputs"}},
		{"no latencies", "tail_empty.csv", "tail_ok.csv", "", nil, []string{"N >=", "P99.9", "hedge rate", "inputs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			in := gate.Inputs{LatencyFile: td(c.lat), TailFile: td(c.tail)}
			var err error
			if in.Latencies, in.LatencyErrors, err = gate.ReadLatencies(td(c.lat)); err != nil {
				t.Fatal(err)
			}
			if in.Tail, in.TailErrors, err = gate.ReadTailCSV(td(c.tail)); err != nil {
				t.Fatal(err)
			}
			if c.metrics != "" {
				f, err := os.Open(td(c.metrics))
				if err != nil {
					t.Fatal(err)
				}
				h, err := gate.ParseHedgeCounts(f, c.metrics)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				in.Metrics = &h
			}
			rep := gate.Evaluate(cfg, in)
			var failed []string
			for _, r := range rep.Rules {
				if !r.Pass {
					failed = append(failed, r.Name)
				}
			}
			if len(failed) != len(c.fail) {
				t.Fatalf("failed rules %q, want %q", failed, c.fail)
			}
			for i := range failed {
				if !strings.HasPrefix(failed[i], c.fail[i]) {
					t.Errorf("failed rules %q, want %q", failed, c.fail)
				}
			}
			if rep.Pass() != (len(c.fail) == 0) {
				t.Errorf("Pass() = %v with failed rules %q", rep.Pass(), failed)
			}
		})
	}
}

// TestGateReport pins the printed report of a passing and a failing run.
func TestGateReport(t *testing.T) {
	cases := []struct {
		golden, tail, metrics string
	}{
		{"report_pass.golden", "tail_ok.csv", "metrics_015pct.txt"},
		{"report_fail.golden", "tail_bad.csv", ""},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			in := gate.Inputs{LatencyFile: td("lat_1to1000.txt"), TailFile: td(c.tail), Latencies: readLat(t, "lat_1to1000.txt")}
			var err error
			if in.Tail, in.TailErrors, err = gate.ReadTailCSV(td(c.tail)); err != nil {
				t.Fatal(err)
			}
			if c.metrics != "" {
				f, _ := os.Open(td(c.metrics))
				h, err := gate.ParseHedgeCounts(f, "http://127.0.0.1:9109/metrics")
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				in.Metrics = &h
			}
			rep := gate.Evaluate(gate.Config{MinN: 1000, P999Ms: 999, MaxHedgePct: 2}, in)
			var b strings.Builder
			if err := rep.Write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, c.golden, b.String())
		})
	}
}

func TestParseHedgeCountsMissing(t *testing.T) {
	_, err := gate.ParseHedgeCounts(strings.NewReader("# TYPE l0_requests_total counter\nl0_requests_total 5\n"), "x")
	if err == nil || !strings.Contains(err.Error(), "l0_hedge_fired_total") {
		t.Fatalf("err = %v, want a missing-counter error", err)
	}
}

// TestFetchHedgeCounts scrapes a live endpoint serving a saved exposition.
func TestFetchHedgeCounts(t *testing.T) {
	body, err := os.ReadFile(td("metrics_3pct.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	for _, u := range []string{srv.URL, srv.URL + "/metrics"} {
		h, err := gate.FetchHedgeCounts(t.Context(), srv.Client(), u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if h.Fired != 300 || h.Requests != 10000 {
			t.Errorf("%s: %+v, want 300 of 10000", u, h)
		}
	}
	if _, err := gate.FetchHedgeCounts(t.Context(), srv.Client(), srv.URL+"/other"); err == nil {
		t.Error("a 404 scrape gave no error")
	}
}
