package gate_test

import (
	"strings"
	"testing"

	"l0lex/telemetry/gate"
)

func TestCompare(t *testing.T) {
	a := readLat(t, "lat_1to1000.txt")
	b := readLat(t, "lat_b_tail_doubled.txt") // the slowest 1 % doubled
	cases := []struct {
		name      string
		a, b      []float64
		threshold float64
		regressed []string
		golden    string
	}{
		{"tail doubled", a, b, 10, []string{"P99.5", "P99.9", "P99.99"}, "compare_regressed.golden"},
		{"improvement", b, a, 10, nil, "compare_improved.golden"},
		{"same run", a, a, 0, nil, ""},
		{"threshold above the change", a, b, 101, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := gate.Compare(c.a, c.b, c.threshold)
			var got []string
			for _, r := range rows {
				if r.Regression {
					got = append(got, r.Label)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.regressed, " ") {
				t.Errorf("regressions %v, want %v", got, c.regressed)
			}
			if c.golden != "" {
				var b strings.Builder
				if err := gate.WriteCompare(&b, rows, c.threshold); err != nil {
					t.Fatal(err)
				}
				golden(t, c.golden, b.String())
			}
		})
	}
}
