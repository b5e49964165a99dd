package gate

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Config holds the gate's thresholds.
type Config struct {
	MinN        int     // fewest latencies accepted (--min-n, 100000)
	P999Ms      float64 // highest P99.9 accepted in ms (--p999-ms, 20)
	MaxHedgePct float64 // highest hedge rate accepted in % (--max-hedge-pct, 2)
}

// DefaultConfig is the audit specification.
func DefaultConfig() Config { return Config{MinN: 100000, P999Ms: 20, MaxHedgePct: 2} }

// Inputs are what the gate judges.
type Inputs struct {
	LatencyFile   string
	Latencies     []float64 // ms, any order
	LatencyErrors []LineError
	TailFile      string
	Tail          []TailRow
	TailErrors    []LineError
	Metrics       *HedgeCounts // nil: the hedge rate comes from the tail CSV
}

// Rule is one judged rule.
type Rule struct {
	Name    string
	Pass    bool
	Detail  string
	Reasons []string // what failed, one per line (file:line first where known)
}

// Value is one reported percentile.
type Value struct {
	Label string
	Ms    float64
}

// Report is the gate's verdict.
type Report struct {
	N           int
	Percentiles []Value // GateQuantiles, then max
	Rules       []Rule
}

// Pass reports whether every rule passed.
func (r *Report) Pass() bool {
	for _, x := range r.Rules {
		if !x.Pass {
			return false
		}
	}
	return len(r.Rules) > 0
}

// Evaluate judges in against cfg.
func Evaluate(cfg Config, in Inputs) Report {
	sorted := Sorted(in.Latencies)
	rep := Report{N: len(sorted)}
	for _, q := range GateQuantiles() {
		rep.Percentiles = append(rep.Percentiles, Value{q.Label, At(sorted, q.Q)})
	}
	maxv := math.NaN()
	if len(sorted) > 0 {
		maxv = sorted[len(sorted)-1]
	}
	rep.Percentiles = append(rep.Percentiles, Value{"max", maxv})

	rep.Rules = append(rep.Rules, Rule{
		Name:   fmt.Sprintf("N >= %d", cfg.MinN),
		Pass:   rep.N >= cfg.MinN,
		Detail: fmt.Sprintf("N = %d", rep.N),
	})

	p999 := At(sorted, 0.999)
	r := Rule{Name: fmt.Sprintf("P99.9 <= %.3f ms", cfg.P999Ms), Pass: p999 <= cfg.P999Ms}
	if math.IsNaN(p999) {
		r.Detail = "no latencies"
	} else {
		r.Detail = fmt.Sprintf("P99.9 = %.3f ms", p999)
	}
	rep.Rules = append(rep.Rules, r)

	rep.Rules = append(rep.Rules, hedgeRule(cfg, in, rep.N))

	violations := CheckTail(in.Tail)
	r = Rule{Name: "timestamps consistent", Pass: len(violations) == 0 && len(in.Tail) > 0}
	switch {
	case len(in.Tail) == 0:
		r.Detail = fmt.Sprintf("no rows in %s", in.TailFile)
	default:
		r.Detail = fmt.Sprintf("%d rows of %s, %d violations", len(in.Tail), in.TailFile, len(violations))
	}
	r.Reasons = lineReasons(violations)
	rep.Rules = append(rep.Rules, r)

	bad := append(append([]LineError(nil), in.LatencyErrors...), in.TailErrors...)
	rep.Rules = append(rep.Rules, Rule{
		Name:    "inputs well-formed",
		Pass:    len(bad) == 0,
		Detail:  fmt.Sprintf("%d malformed lines", len(bad)),
		Reasons: lineReasons(bad),
	})
	return rep
}

// hedgeRule judges the hedge rate: from the service's counters when given,
// else from the tail CSV's hedged rows over N (a lower bound: the CSV holds
// only the slowest requests, though hedged ones are slow by construction).
func hedgeRule(cfg Config, in Inputs, n int) Rule {
	r := Rule{Name: fmt.Sprintf("hedge rate <= %.2f%%", cfg.MaxHedgePct)}
	var fired, total float64
	var source string
	if in.Metrics != nil {
		fired, total = in.Metrics.Fired, in.Metrics.Requests
		source = "l0_hedge_fired_total / l0_requests_total from " + in.Metrics.Source
	} else {
		for i := range in.Tail {
			if in.Tail[i].Hedged {
				fired++
			}
		}
		total = float64(n)
		source = "hedged rows of " + in.TailFile + " / N (lower bound: the CSV keeps only the slowest rows)"
	}
	if total <= 0 {
		r.Detail = "no requests to rate (" + source + ")"
		return r
	}
	pct := fired / total * 100
	r.Pass = pct <= cfg.MaxHedgePct
	r.Detail = fmt.Sprintf("%.3f%% (%.0f of %.0f; %s)", pct, fired, total, source)
	return r
}

// maxReasons bounds the reasons listed under one rule.
const maxReasons = 20

func lineReasons(errs []LineError) []string {
	var out []string
	for i, e := range errs {
		if i == maxReasons {
			out = append(out, fmt.Sprintf("... and %d more", len(errs)-maxReasons))
			break
		}
		out = append(out, e.Error())
	}
	return out
}

// Write prints the report: the percentiles, one PASS/FAIL line per rule
// (with its reasons indented under a failure), and the verdict.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %d\n", "N", r.N)
	for _, v := range r.Percentiles {
		fmt.Fprintf(&b, "%-8s %10.3f ms\n", v.Label, v.Ms)
	}
	b.WriteString("\n")
	for _, x := range r.Rules {
		verdict := "PASS"
		if !x.Pass {
			verdict = "FAIL"
		}
		fmt.Fprintf(&b, "%s  %-24s %s\n", verdict, x.Name, x.Detail)
		for _, reason := range x.Reasons {
			fmt.Fprintf(&b, "        %s\n", reason)
		}
	}
	if r.Pass() {
		b.WriteString("GATE PASS\n")
	} else {
		b.WriteString("GATE FAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
