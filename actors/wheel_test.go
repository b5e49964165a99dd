package actors_test

import (
	"slices"
	"testing"
	"time"

	"l0lex/actors"
)

const ms = int64(1_000_000)

// TestWheel: entries fire at the first advance at or after their deadline,
// never before, including deadlines more than one lap (512 ticks) away and
// advances that skip many ticks.
func TestWheel(t *testing.T) {
	w := actors.NewWheel(ms, 0)
	w.Add(10*ms, 1)
	w.Add(10*ms+1, 2) // rounds up to tick 11
	w.Add(700*ms, 3)  // more than one lap away
	w.Add(0, 4)       // already due: next tick
	for _, step := range []struct {
		now  int64
		want []int
	}{
		{0, nil},
		{1 * ms, []int{4}},
		{9*ms + ms/2, nil},
		{10 * ms, []int{1}},
		{11 * ms, []int{2}},
		{600 * ms, nil}, // a lap passed: 3 is still due later
		{699 * ms, nil},
		{700 * ms, []int{3}},
	} {
		got := w.Advance(step.now)
		slices.Sort(got)
		if !slices.Equal(got, step.want) {
			t.Fatalf("advance to %d ms: fired %v, want %v", step.now/ms, got, step.want)
		}
	}
	if w.Len() != 0 {
		t.Fatalf("%d entries left", w.Len())
	}
	// A long stall: everything due fires at once.
	for i := range 100 {
		w.Add(int64(701+i*7)*ms, i)
	}
	if got := w.Advance(5000 * ms); len(got) != 100 {
		t.Fatalf("after a long stall %d of 100 fired", len(got))
	}
}

// TestBudget: hedges are capped at pct % of the requests of the window, and
// the window slides.
func TestBudget(t *testing.T) {
	const window = 10_000 * ms
	b := actors.NewBudget(2, window)
	for range 100 {
		b.AddRequest(0)
	}
	took := 0
	for range 10 {
		if b.Take(ms) {
			took++
		}
	}
	if took != 2 {
		t.Fatalf("%d hedges allowed for 100 requests at 2%%, want 2", took)
	}
	// After the window the old requests and hedges are gone.
	for range 50 {
		b.AddRequest(2 * window)
	}
	if !b.Take(2*window) || b.Take(2*window) {
		t.Fatal("want exactly 1 hedge for 50 fresh requests at 2%")
	}
}

// TestP95: the p95 is within the histogram's resolution (12.5 %, rounded
// up) and needs enough samples.
func TestP95(t *testing.T) {
	var ns []int64
	for i := range 100 {
		v := int64(1+i%20) * ms // 1..20 ms evenly
		ns = append(ns, v)
	}
	got, ok := actors.P95(ns, 20)
	if !ok || got < 19*ms || got > 20*ms+20*ms/8 {
		t.Fatalf("p95 %v ms (ok %v), want about 19-20 ms", float64(got)/float64(ms), ok)
	}
	if _, ok := actors.P95(ns[:10], 20); ok {
		t.Fatal("p95 from 10 samples with a minimum of 20")
	}
}

// TestPPM: the fault generator is uniform enough in [0, 1e6) and seeds
// differ.
func TestPPM(t *testing.T) {
	a, b := actors.PPM(1, 100_000), actors.PPM(2, 100_000)
	if slices.Equal(a[:100], b[:100]) {
		t.Fatal("different seeds give the same sequence")
	}
	below := 0
	for _, v := range a {
		if v < 0 || v >= 1_000_000 {
			t.Fatalf("ppm %d out of range", v)
		}
		if v < 1500 {
			below++
		}
	}
	// 1500 ppm of 100000 draws: 150 expected.
	if below < 90 || below > 220 {
		t.Fatalf("%d draws below 1500 ppm of 100000, want about 150", below)
	}
}

// TestLexRate: the moving average follows the documents' speed, ignores
// documents too small to say anything, and predicts in proportion to size.
func TestLexRate(t *testing.T) {
	var r actors.LexRate
	if e := r.Expect(1 << 20); e != 0 {
		t.Fatalf("expect before any record = %d, want 0", e)
	}
	r.Record(int64(time.Second), 100) // too small: ignored
	if e := r.Expect(1 << 20); e != 0 {
		t.Fatalf("a tiny document was recorded: expect = %d", e)
	}
	r.Record(4_000_000, 1<<20)                                                                 // 4 ms per MiB
	near := func(got, want int64) bool { return got > want-want/1000 && got < want+want/1000 } // ns per KiB rounds down
	if e := r.Expect(1 << 20); !near(e, 4_000_000) {
		t.Fatalf("expect(1 MiB) = %d, want 4000000", e)
	}
	if e := r.Expect(2 << 20); !near(e, 8_000_000) {
		t.Fatalf("expect(2 MiB) = %d, want 8000000", e)
	}
	for range 200 { // the speed halves: the average follows
		r.Record(8_000_000, 1<<20)
	}
	if e := r.Expect(1 << 20); e < 7_900_000 || e > 8_010_000 {
		t.Fatalf("after a slower run, expect(1 MiB) = %d, want about 8000000", e)
	}
	r.Record(80_000_000, 1<<20) // one straggler moves it by a sixteenth
	if e := r.Expect(1 << 20); e > 12_600_000 {
		t.Fatalf("one slow document moved expect(1 MiB) to %d", e)
	}
}
