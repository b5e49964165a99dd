package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestBenchRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"5000", 5000, true}, {"5000/s", 5000, true}, {"120/m", 2, true}, {"0.5/s", 0.5, true},
		{"", 0, false}, {"0", 0, false}, {"-3/s", 0, false}, {"10/h", 0, false}, {"x/s", 0, false},
	} {
		got, err := benchRate(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("benchRate(%q) = %g, %v", tc.in, got, err)
		}
	}
}

// The older bench took FILE N THREADS --out FILE: flags may follow the
// positional arguments.
func TestBenchParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "")
	conns := fs.Int("conns", 1, "")
	pos, err := parseArgs(fs, []string{"doc.tex", "100000", "--out", "/tmp/x", "4", "--conns", "8"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pos, []string{"doc.tex", "100000", "4"}) || *out != "/tmp/x" || *conns != 8 {
		t.Errorf("positional %q out %q conns %d", pos, *out, *conns)
	}
	if _, err := parseArgs(fs, []string{"--nope"}); err == nil {
		t.Error("unknown flag accepted")
	}
}

func TestRunBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"sideways", "--file", "bench_cmd_test.go"},
		{"keepalive"},
		{"keepalive", "a", "b", "c", "d"},
		{"keepalive", "f", "notanumber"},
		{"open", "--file", "bench_cmd_test.go"},
		{"open", "--file", "bench_cmd_test.go", "--rate", "fast", "--duration", "1s"},
	} {
		if got := runBench(args); got != 2 {
			t.Errorf("runBench(%q) = %d, want 2", args, got)
		}
	}
}
