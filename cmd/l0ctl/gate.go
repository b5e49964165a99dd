package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"l0lex/telemetry"
	"l0lex/telemetry/gate"
)

// runGate is `l0ctl gate`: the release acceptance gate over a latency file
// and the service's tail CSV. Exit 0 when every rule passes, 1 when one
// fails, 2 on a usage error or an unreadable input.
func runGate(args []string) int {
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	def := gate.DefaultConfig()
	latFile := fs.String("latencies", "", "latency file: one value in ms per line (required; or the first argument)")
	tailFile := fs.String("tail-csv", telemetry.DefaultTailCSV, "the service's tail CSV (or the second argument)")
	metricsURL := fs.String("metrics", "", "l0d /metrics URL, or a file holding a saved scrape: take the hedge rate from its counters instead of the CSV")
	cfg := gate.Config{}
	fs.IntVar(&cfg.MinN, "min-n", def.MinN, "fewest latencies accepted")
	fs.Float64Var(&cfg.P999Ms, "p999-ms", def.P999Ms, "highest P99.9 accepted, ms")
	fs.Float64Var(&cfg.MaxHedgePct, "max-hedge-pct", def.MaxHedgePct, "highest hedge rate accepted, %")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: l0ctl gate --latencies FILE [--tail-csv FILE] [--metrics URL] [--min-n N] [--p999-ms MS] [--max-hedge-pct PCT]\n       l0ctl gate LATENCIES [TAIL_CSV]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case len(pos) > 2:
		fs.Usage()
		return 2
	case len(pos) == 2:
		*latFile, *tailFile = pos[0], pos[1]
	case len(pos) == 1:
		*latFile = pos[0]
	}
	if *latFile == "" {
		fmt.Fprintln(os.Stderr, "l0ctl gate: --latencies FILE is required")
		fs.Usage()
		return 2
	}

	in := gate.Inputs{LatencyFile: *latFile, TailFile: *tailFile}
	if in.Latencies, in.LatencyErrors, err = gate.ReadLatencies(*latFile); err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl gate:", err)
		return 2
	}
	if in.Tail, in.TailErrors, err = gate.ReadTailCSV(*tailFile); err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl gate:", err)
		return 2
	}
	if *metricsURL != "" {
		var h gate.HedgeCounts
		if strings.HasPrefix(*metricsURL, "http://") || strings.HasPrefix(*metricsURL, "https://") {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			h, err = gate.FetchHedgeCounts(ctx, http.DefaultClient, *metricsURL)
			cancel()
		} else {
			h, err = gate.ReadHedgeCounts(*metricsURL)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "l0ctl gate:", err)
			return 2
		}
		in.Metrics = &h
	}
	fmt.Printf("gate: %s (%d values), %s (%d rows)\n", in.LatencyFile, len(in.Latencies), in.TailFile, len(in.Tail))
	rep := gate.Evaluate(cfg, in)
	if err := rep.Write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl gate:", err)
		return 2
	}
	if !rep.Pass() {
		return 1
	}
	return 0
}
