package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGateCompareExitCodes runs the two commands on the gate package's
// fixtures and checks their exit codes (0 pass, 1 fail, 2 bad use).
func TestGateCompareExitCodes(t *testing.T) {
	td := func(name string) string { return filepath.Join("..", "..", "telemetry", "gate", "testdata", name) }
	cases := []struct {
		name string
		run  func([]string) int
		args []string
		want int
	}{
		{"gate pass", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv"), "--min-n", "1000", "--p999-ms", "999"}, 0},
		{"gate positional", runGate, []string{td("lat_1to1000.txt"), td("tail_ok.csv"), "--min-n", "1000", "--p999-ms", "999"}, 0},
		{"gate default N fails", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv")}, 1},
		{"gate inconsistent CSV", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_bad.csv"), "--min-n", "1000", "--p999-ms", "999"}, 1},
		{"gate no latencies flag", runGate, []string{"--tail-csv", td("tail_ok.csv")}, 2},
		{"gate missing file", runGate, []string{"--latencies", td("nope.txt"), "--tail-csv", td("tail_ok.csv")}, 2},
		{"gate unreachable metrics", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv"), "--metrics", "http://127.0.0.1:1/metrics"}, 2},
		{"gate missing metrics file", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv"), "--metrics", td("nope.txt")}, 2},
		{"gate saved scrape, hedge rate 3%", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv"), "--metrics", td("metrics_3pct.txt"), "--min-n", "1000", "--p999-ms", "999"}, 1},
		{"gate saved scrape, hedge rate 0.15%", runGate, []string{"--latencies", td("lat_1to1000.txt"), "--tail-csv", td("tail_ok.csv"), "--metrics", td("metrics_015pct.txt"), "--min-n", "1000", "--p999-ms", "999"}, 0},
		{"compare no regression", runCompare, []string{td("lat_1to1000.txt"), td("lat_1to1000.txt")}, 0},
		{"compare regression", runCompare, []string{td("lat_1to1000.txt"), td("lat_b_tail_doubled.txt"), "--threshold", "5"}, 1},
		{"compare threshold first", runCompare, []string{"--threshold", "200", td("lat_1to1000.txt"), td("lat_b_tail_doubled.txt")}, 0},
		{"compare malformed", runCompare, []string{td("lat_1to1000.txt"), td("lat_malformed.txt")}, 2},
		{"compare one file", runCompare, []string{td("lat_1to1000.txt")}, 2},
	}
	stdout, stderr := os.Stdout, os.Stderr
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for _, c := range cases {
		os.Stdout, os.Stderr = devnull, devnull
		got := c.run(c.args)
		os.Stdout, os.Stderr = stdout, stderr
		if got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
}
