package gate

import (
	"math"
	"slices"
)

// Quantile is one reported percentile.
type Quantile struct {
	Label string  // as printed: P50, P99.9...
	Q     float64 // in (0, 1]
}

// GateQuantiles are the percentiles `l0ctl gate` prints (and max).
func GateQuantiles() []Quantile {
	return []Quantile{{"P50", 0.5}, {"P90", 0.9}, {"P95", 0.95}, {"P99", 0.99}, {"P99.9", 0.999}, {"P99.99", 0.9999}}
}

// CompareQuantiles are the rows of `l0ctl compare`, the older tool's.
func CompareQuantiles() []Quantile {
	return []Quantile{{"P50", 0.5}, {"P90", 0.9}, {"P95", 0.95}, {"P99", 0.99}, {"P99.5", 0.995}, {"P99.9", 0.999}, {"P99.99", 0.9999}}
}

// Sorted returns a sorted copy of vals.
func Sorted(vals []float64) []float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	return s
}

// At returns the nearest-rank q-quantile of sorted (ascending): the value
// at index ceil(n*q)-1, clamped to the slice, as the older tools computed
// it. The rank is computed with a tolerance far below one rank so that an
// exact product such as 100000*0.999 is not pushed up by float rounding.
// It returns NaN for an empty slice.
func At(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(float64(n)*q-1e-9)) - 1
	return sorted[max(0, min(n-1, i))]
}
