package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"l0lex/telemetry/gate"
)

// runCompare is `l0ctl compare A B`: the percentile table of two latency
// files (one value in ms per line). Exit 0 when no percentile regressed
// beyond the threshold, 1 when one did, 2 on a usage error or a bad input.
func runCompare(args []string) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	threshold := fs.Float64("threshold", 10, "mark a percentile as a regression when B is slower than A by more than PCT %")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: l0ctl compare A B [--threshold PCT]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(pos) != 2 {
		fs.Usage()
		return 2
	}
	var runs [2][]float64
	bad := false
	for i, path := range pos {
		vals, lineErrs, err := gate.ReadLatencies(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "l0ctl compare:", err)
			return 2
		}
		for _, e := range lineErrs {
			fmt.Fprintln(os.Stderr, "l0ctl compare:", e)
			bad = true
		}
		if len(vals) == 0 {
			fmt.Fprintf(os.Stderr, "l0ctl compare: %s holds no latencies\n", path)
			bad = true
		}
		runs[i] = vals
	}
	if bad {
		return 2
	}
	fmt.Printf("A: %s (n=%d)\nB: %s (n=%d)\n", pos[0], len(runs[0]), pos[1], len(runs[1]))
	rows := gate.Compare(runs[0], runs[1], *threshold)
	if err := gate.WriteCompare(os.Stdout, rows, *threshold); err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl compare:", err)
		return 2
	}
	for _, r := range rows {
		if r.Regression {
			return 1
		}
	}
	return 0
}
