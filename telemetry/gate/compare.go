package gate

import (
	"fmt"
	"io"
	"strings"
)

// CompareRow is one percentile of two runs.
type CompareRow struct {
	Label      string
	A, B       float64 // ms
	DeltaMs    float64 // B - A
	DeltaPct   float64 // (B - A) / A * 100; 0 when A is 0
	Regression bool    // DeltaPct above the threshold
}

// Compare returns the CompareQuantiles rows of runs a and b (latencies in
// ms, any order), marking as regressions the rows where B is slower than A
// by more than thresholdPct percent.
func Compare(a, b []float64, thresholdPct float64) []CompareRow {
	sa, sb := Sorted(a), Sorted(b)
	var rows []CompareRow
	for _, q := range CompareQuantiles() {
		pa, pb := At(sa, q.Q), At(sb, q.Q)
		r := CompareRow{Label: q.Label, A: pa, B: pb, DeltaMs: pb - pa}
		if pa != 0 {
			r.DeltaPct = r.DeltaMs / pa * 100
		}
		r.Regression = r.DeltaPct > thresholdPct
		rows = append(rows, r)
	}
	return rows
}

// WriteCompare prints rows as the older compare tool's table ("q, A(ms),
// B(ms), delta(ms), delta(%)"), a REGRESSION field closing each regressed
// row, then one summary line.
func WriteCompare(w io.Writer, rows []CompareRow, thresholdPct float64) error {
	var b strings.Builder
	b.WriteString("q, A(ms), B(ms), delta(ms), delta(%)\n")
	var regressed []string
	for _, r := range rows {
		fmt.Fprintf(&b, "%s, %.3f, %.3f, %.3f, %.2f%%", r.Label, r.A, r.B, r.DeltaMs, r.DeltaPct)
		if r.Regression {
			b.WriteString(", REGRESSION")
			regressed = append(regressed, fmt.Sprintf("%s %+.2f%%", r.Label, r.DeltaPct))
		}
		b.WriteString("\n")
	}
	if len(regressed) == 0 {
		fmt.Fprintf(&b, "no regression beyond %.2f%%\n", thresholdPct)
	} else {
		fmt.Fprintf(&b, "regressions beyond %.2f%%: %s\n", thresholdPct, strings.Join(regressed, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
