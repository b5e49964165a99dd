package ops

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"l0lex/telemetry"
)

// dashboardQueries returns every PromQL query of the shipped dashboard:
// panel targets and template variable queries.
func dashboardQueries(t testing.TB) []string {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal([]byte(readFile(t, opsFile(t, "grafana/l0d-dashboard.json"))), &d); err != nil {
		t.Fatalf("cannot parse the dashboard JSON: %v", err)
	}
	var out []string
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("dashboard panel %q has an empty query", p.Title)
				continue
			}
			out = append(out, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err == nil && q.Query != "" {
			out = append(out, q.Query)
		}
	}
	return out
}

// rulesExprs returns the expr of every rule in the shipped rules file
// (single-line and block scalars), and the names the file records.
func rulesExprs(t testing.TB) (exprs, recorded []string) {
	t.Helper()
	lines := strings.Split(readFile(t, opsFile(t, "prometheus/l0d-rules.yml")), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if rec, ok := strings.CutPrefix(l, "- record: "); ok {
			recorded = append(recorded, strings.TrimSpace(rec))
			continue
		}
		e, ok := strings.CutPrefix(l, "expr: ")
		if !ok {
			continue
		}
		if e != "|" && e != ">" {
			exprs = append(exprs, e)
			continue
		}
		ind := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		var block []string
		for i+1 < len(lines) {
			next := lines[i+1]
			if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= ind {
				break
			}
			block = append(block, strings.TrimSpace(next))
			i++
		}
		exprs = append(exprs, strings.Join(block, " "))
	}
	if len(exprs) == 0 {
		t.Fatalf("no expr found in l0d-rules.yml")
	}
	return exprs, recorded
}

// matcher is one label matcher `name{label="value"}` a query uses.
type matcher struct {
	metric, label, value string
}

var (
	quotedRE   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	metricRE   = regexp.MustCompile(`\b(l0_[a-z0-9_]+|process_[a-z0-9_]+|go_[a-z0-9_]+|up)\b`)
	recordedRE = regexp.MustCompile(`\bl0:[a-z0-9_:]+`)
	selectorRE = regexp.MustCompile(`\b([a-zA-Z_][a-zA-Z0-9_]*)\{([^}]*)\}`)
	eqRE       = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"`)
)

// queryNames returns the metric names a PromQL query reads (l0_*, go_*,
// process_*, up), the recording-rule names (l0:*) and its equality matchers
// (label="value", without regex matchers and Grafana variables).
func queryNames(q string) (metrics, recorded []string, matchers []matcher) {
	bare := quotedRE.ReplaceAllString(q, `""`)
	// Drop the label lists of by/without/on/ignoring: label names only.
	bare = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`).ReplaceAllString(bare, "")
	for _, m := range metricRE.FindAllString(bare, -1) {
		if !slices.Contains(metrics, m) {
			metrics = append(metrics, m)
		}
	}
	for _, m := range recordedRE.FindAllString(bare, -1) {
		if !slices.Contains(recorded, m) {
			recorded = append(recorded, m)
		}
	}
	for _, s := range selectorRE.FindAllStringSubmatch(q, -1) {
		for _, kv := range eqRE.FindAllStringSubmatch(s[2], -1) {
			i := strings.Index(s[2], kv[0])
			if i > 0 && strings.ContainsAny(s[2][i-1:i], "!~") {
				continue
			}
			if strings.Contains(kv[2], "$") {
				continue
			}
			matchers = append(matchers, matcher{metric: s[1], label: kv[1], value: kv[2]})
		}
	}
	return metrics, recorded, matchers
}

func TestQueryNames(t *testing.T) {
	m, r, eq := queryNames(`sum by (instance, code) (rate(l0_errors_total{code!~"busy|cancelled",instance=~"$instance"}[5m])) / l0:requests:rate5m and on (job) up{job="l0d"}`)
	if !slices.Equal(m, []string{"l0_errors_total", "up"}) {
		t.Errorf("metrics = %q", m)
	}
	if !slices.Equal(r, []string{"l0:requests:rate5m"}) {
		t.Errorf("recorded = %q", r)
	}
	if len(eq) != 1 || eq[0] != (matcher{"up", "job", "l0d"}) {
		t.Errorf("matchers = %+v", eq)
	}
}

// telemetryNames returns the names of the l0_ metric families the server
// exports, from a telemetry instance as l0d builds it.
func telemetryNames(t testing.TB) []string {
	t.Helper()
	tel, err := telemetry.New(telemetry.Config{Actors: 2, KernelPath: "avx2", TailKeep: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())
	names, err := tel.Families()
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestQueriesNameTelemetryMetrics checks, without a running server, that
// every metric the dashboard and the rules read is one telemetry registers
// (TestQueriesAgainstLiveScrape checks the same against a real scrape).
func TestQueriesNameTelemetryMetrics(t *testing.T) {
	families := telemetryNames(t)
	if len(families) == 0 {
		t.Fatal("telemetry exports no l0_ metric")
	}
	known := func(name string) bool {
		if slices.Contains(families, name) || name == "up" || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			return true
		}
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suf); ok && slices.Contains(families, base) {
				return true
			}
		}
		return false
	}
	exprs, recorded := rulesExprs(t)
	all := append(dashboardQueries(t), exprs...)
	for _, q := range all {
		ms, rs, _ := queryNames(q)
		for _, m := range ms {
			if !known(m) {
				t.Errorf("query reads %s, which telemetry does not register: %s", m, q)
			}
		}
		for _, r := range rs {
			if !slices.Contains(recorded, r) {
				t.Errorf("query reads recording rule %s, which l0d-rules.yml does not define: %s", r, q)
			}
		}
	}
}
