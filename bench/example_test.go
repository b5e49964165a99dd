package bench_test

import (
	"fmt"
	"os"

	"l0lex/bench"
)

// The latency file the gate reads: one value in ms per line; requests
// without a correct reply (-1) are left out.
func ExampleWriteLatencies() {
	lat := []int64{1_250_000, -1, 19_999_000}
	if err := bench.WriteLatencies(os.Stdout, lat); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1.2500
	// 19.9990
}

// A chaos cycle: a 30 ms delay on one actor, the same on all, then a stall,
// a panic and a rotation, each to one actor in turn.
func ExampleParseChaosSteps() {
	steps, err := bench.ParseChaosSteps("delay:30,delay:30:all,stall,panic,rotate")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range steps {
		fmt.Println(s.Kind, s.Ms, s.All)
	}
	// Output:
	// delay 30 false
	// delay 30 true
	// stall 0 false
	// panic 0 false
	// rotate 0 false
}
