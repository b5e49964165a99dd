package ops

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPromtool(t *testing.T) {
	promtool := needTool(t, "prometheus", "promtool")
	for _, args := range [][]string{
		{"check", "config", opsFile(t, "prometheus/prometheus.yml")},
		{"check", "rules", opsFile(t, "prometheus/l0d-rules.yml")},
		{"test", "rules", opsFile(t, "prometheus/l0d-rules_test.yml")},
	} {
		out, err := run(t, 2*time.Minute, nil, promtool, args...)
		if err != nil || !strings.Contains(out, "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		} else {
			t.Logf("promtool %s: SUCCESS", strings.Join(args, " "))
		}
	}
}

// TestRulesTestCoversEveryAlert checks that l0d-rules_test.yml tests each
// alert both firing (an expected alert) and not firing (exp_alerts: []).
func TestRulesTestCoversEveryAlert(t *testing.T) {
	rules := readFile(t, opsFile(t, "prometheus/l0d-rules.yml"))
	tests := readFile(t, opsFile(t, "prometheus/l0d-rules_test.yml"))
	var alerts []string
	for _, l := range strings.Split(rules, "\n") {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "- alert: "); ok {
			alerts = append(alerts, strings.TrimSpace(a))
		}
	}
	if len(alerts) < 5 {
		t.Fatalf("l0d-rules.yml has %d alerts, want at least 5", len(alerts))
	}
	for _, a := range alerts {
		if !regexp.MustCompile(`\{alertname: ` + a + `, eval_time: \w+, exp_alerts: \[\]\}`).MatchString(tests) {
			t.Errorf("no not-firing case for %s in l0d-rules_test.yml", a)
		}
		if !strings.Contains(tests, "- alertname: "+a+"\n") {
			t.Errorf("no firing case for %s in l0d-rules_test.yml", a)
		}
	}
}

// TestQueriesAgainstLiveScrape checks every metric name and label value the
// dashboard and the rules use against a real l0d's /metrics after traffic.
func TestQueriesAgainstLiveScrape(t *testing.T) {
	bin := needService(t)
	p := startL0d(t, bin, "live")
	bench(t, bin, testDoc(t), 200, 2, "--sock", p.sock)
	ss := p.scrape(t)
	names := map[string]bool{}
	for _, s := range ss {
		names[s.name] = true
	}
	exprs, recorded := rulesExprs(t)
	all := append(dashboardQueries(t), exprs...)
	for _, q := range all {
		ms, rs, eqs := queryNames(q)
		for _, m := range ms {
			if m == "up" {
				continue // made by Prometheus, not by l0d
			}
			if !names[m] {
				t.Errorf("l0d does not export %s, read by: %s", m, q)
			}
		}
		for _, r := range rs {
			if !slices.Contains(recorded, r) {
				t.Errorf("recording rule %s is not defined, read by: %s", r, q)
			}
		}
		for _, eq := range eqs {
			if eq.label == "job" || eq.label == "instance" || eq.metric == "up" {
				continue // target labels
			}
			found := false
			for _, s := range ss {
				if s.name == eq.metric && s.labels[eq.label] == eq.value {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("l0d exports no %s{%s=%q}, read by: %s", eq.metric, eq.label, eq.value, q)
			}
		}
	}
}

// promResult is a Prometheus HTTP API query answer.
type promResult struct {
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// promQuery runs an instant query on a Prometheus server.
func promQuery(base, q string) (*promResult, error) {
	body, err := httpGet(base + "/api/v1/query?query=" + url.QueryEscape(q))
	var r promResult
	if jerr := json.Unmarshal([]byte(body), &r); jerr != nil {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("cannot decode the answer to %q: %w", q, jerr)
	}
	if r.Status != "success" {
		return &r, fmt.Errorf("query %q: %s: %s", q, r.ErrorType, r.Error)
	}
	return &r, nil
}

// values returns the sample values of an instant vector answer.
func (r *promResult) values() []float64 {
	var out []float64
	for _, s := range r.Data.Result {
		if str, ok := s.Value[1].(string); ok {
			if v, err := strconv.ParseFloat(str, 64); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// TestPrometheusScrapesL0d starts the real Prometheus server with the
// shipped scrape config and rules (pointed at a test l0d, scraping every
// second), loads l0d, and queries the HTTP API: l0_requests_total, a
// histogram quantile, a recording rule, the target's health, and every
// dashboard query.
func TestPrometheusScrapesL0d(t *testing.T) {
	prom := needTool(t, "prometheus", "prometheus", "/usr/bin/prometheus")
	bin := needService(t)
	p := startL0d(t, bin, "scraped")

	dir := t.TempDir()
	listen := freeAddr(t)
	conf := render(t, "prometheus.yml", readFile(t, opsFile(t, "prometheus/prometheus.yml")),
		"127.0.0.1:9109", p.prom,
		"scrape_interval: 5s", "scrape_interval: 1s",
		"scrape_timeout: 4s", "scrape_timeout: 1s",
		"evaluation_interval: 15s", "evaluation_interval: 1s",
		"- l0d-rules.yml", "- "+opsFile(t, "prometheus/l0d-rules.yml"))
	confPath := filepath.Join(dir, "prometheus.yml")
	writeFile(t, confPath, conf, 0o644)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	startProxy(t, dir, listen, prom,
		"--config.file="+confPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen,
		"--log.level=warn")
	base := "http://" + listen

	// Load l0d while Prometheus scrapes it.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			out, err := run(t, 2*time.Minute, nil, bin.l0ctl, "bench", "keepalive", "--file", testDoc(t), "--n", "500", "--conns", "2", "--sock", p.sock)
			if err != nil {
				t.Errorf("l0ctl bench under scrape: %v\n%s", err, out)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	waitFor(t, 90*time.Second, "Prometheus to scrape l0d", func() error {
		r, err := promQuery(base, `up{job="l0d"}`)
		if err != nil {
			return err
		}
		if v := r.values(); len(v) != 1 || v[0] != 1 {
			return fmt.Errorf("up = %v", v)
		}
		return nil
	})
	waitFor(t, 90*time.Second, "l0_requests_total to grow in Prometheus", func() error {
		r, err := promQuery(base, `l0_requests_total{job="l0d"}`)
		if err != nil {
			return err
		}
		if v := r.values(); len(v) != 1 || v[0] <= 0 {
			return fmt.Errorf("l0_requests_total = %v", v)
		}
		return nil
	})
	quantile := `histogram_quantile(0.99, sum by (le) (rate(l0_latency_seconds_bucket{job="l0d"}[10s])))`
	waitFor(t, 90*time.Second, "a histogram quantile", func() error {
		r, err := promQuery(base, quantile)
		if err != nil {
			return err
		}
		v := r.values()
		if len(v) != 1 || math.IsNaN(v[0]) || v[0] <= 0 || v[0] > 5 {
			return fmt.Errorf("%s = %v", quantile, v)
		}
		t.Logf("%s = %.4f s", quantile, v[0])
		return nil
	})
	waitFor(t, 90*time.Second, "the recording rules", func() error {
		for _, q := range []string{"l0:requests:rate5m", "l0:latency_seconds:p999_5m", "l0:hedge_fired:ratio5m"} {
			r, err := promQuery(base, q)
			if err != nil {
				return err
			}
			if len(r.values()) == 0 {
				return fmt.Errorf("%s has no sample yet", q)
			}
		}
		return nil
	})
	// Every dashboard query, with Grafana's variables as Grafana expands them.
	for _, q := range dashboardQueries(t) {
		if strings.HasPrefix(q, "label_values(") {
			continue // Grafana's own function, not PromQL
		}
		pq := strings.NewReplacer(`$__rate_interval`, `15s`, `"$instance"`, `".*"`).Replace(q)
		r, err := promQuery(base, pq)
		if err != nil {
			t.Errorf("dashboard query fails on a real Prometheus: %v", err)
			continue
		}
		if len(r.Data.Result) == 0 {
			t.Errorf("dashboard query returns nothing on a scraped l0d under load: %s", pq)
		}
	}
	// The rules loaded and evaluate without errors.
	body, err := httpGet(base + "/api/v1/rules")
	if err != nil {
		t.Fatalf("cannot list the rules: %v", err)
	}
	var rules struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &rules); err != nil {
		t.Fatalf("cannot decode /api/v1/rules: %v", err)
	}
	n := 0
	for _, g := range rules.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health == "err" {
				t.Errorf("rule %s/%s fails: %s", g.Name, r.Name, r.LastError)
			}
		}
	}
	if n == 0 {
		t.Errorf("Prometheus loaded no rule from l0d-rules.yml")
	}
}

// TestRunbookCoversEveryAlert checks that each alert's runbook annotation
// points at a section of docs/operations.md.
func TestRunbookCoversEveryAlert(t *testing.T) {
	rules := readFile(t, opsFile(t, "prometheus/l0d-rules.yml"))
	doc := readFile(t, filepath.Join(repoRoot(t), "docs", "operations.md"))
	alerts := regexp.MustCompile(`(?m)^\s*- alert: (\w+)$`).FindAllStringSubmatch(rules, -1)
	links := regexp.MustCompile(`runbook: "docs/operations\.md#(\w+)"`).FindAllStringSubmatch(rules, -1)
	if len(alerts) == 0 || len(links) != len(alerts) {
		t.Fatalf("%d alerts, %d runbook links: want one link per alert", len(alerts), len(links))
	}
	for i, a := range alerts {
		if want := strings.ToLower(a[1]); links[i][1] != want {
			t.Errorf("alert %s links to #%s, want #%s", a[1], links[i][1], want)
		}
		if !strings.Contains(doc, "\n### "+a[1]+"\n") {
			t.Errorf("docs/operations.md has no section \"### %s\"", a[1])
		}
	}
}
