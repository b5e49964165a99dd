package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"l0lex/bench"
)

const soakUsage = `usage: l0ctl soak --duration D [--file F] [flags]

Keep-alive rounds of --round requests on --conns fresh connections until
--duration has passed, printing each round's percentiles and the server's
RSS and open descriptors (from /proc/PID; PID from --pid or --pid-file).
Fails (exit 1) on any request error, or when RSS or descriptors grew beyond
the bounds from the end of the warm-up rounds to the end of the run.
`

// runSoak is "l0ctl soak": keep-alive rounds with a resource-growth check.
func runSoak(args []string) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, soakUsage, "\nflags:\n"); fs.PrintDefaults() }
	target := addBenchTarget(fs)
	duration := fs.Duration("duration", time.Hour, "how long to soak")
	file := fs.String("file", "", "document to send (required; or the first argument)")
	conns := fs.Int("conns", 4, "connections per round")
	round := fs.Int("round", 10000, "requests per round")
	warmupRounds := fs.Int("warmup-rounds", 2, "rounds before the resource baseline")
	timeout := fs.Duration("timeout", bench.DefaultTimeout, "per-request timeout")
	maxRSS := fs.Float64("max-rss-growth-mb", 64, "bound on RSS growth after warm-up, MB")
	maxFD := fs.Int("max-fd-growth", 8, "bound on open-descriptor growth after warm-up")
	pid := fs.Int("pid", 0, "server process id (default: read --pid-file)")
	defPIDFile := os.Getenv("L0_PID_FILE")
	if defPIDFile == "" {
		defPIDFile = "/tmp/l0d.pid"
	}
	pidFile := fs.String("pid-file", defPIDFile, "the server's PID file (env L0_PID_FILE)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 1 && *file == "" {
		*file = pos[0]
	} else if len(pos) > 0 {
		fmt.Fprintln(os.Stderr, "l0ctl soak: unexpected arguments", pos)
		return 2
	}
	if *file == "" {
		fmt.Fprintln(os.Stderr, "l0ctl soak: --file is required")
		return 2
	}
	doc, err := bench.LoadDocument(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl soak:", err)
		return 2
	}
	if *pid == 0 {
		if *pid, err = bench.ReadPIDFile(*pidFile); err != nil {
			fmt.Fprintf(os.Stderr, "l0ctl soak: %v (give --pid or --pid-file)\n", err)
			return 2
		}
	}
	p := *pid
	ctx, stop := benchSignalContext()
	defer stop()
	fmt.Printf("[soak] %s, %d bytes, %d tokens expected, %s, server pid %d, %v\n",
		*file, doc.Size(), doc.Tokens, target, p, *duration)
	res, err := bench.RunSoak(ctx, bench.SoakConfig{
		Round: bench.ClosedConfig{
			Dial: target.dialer(), Doc: doc, Conns: *conns, N: *round, Timeout: *timeout,
		},
		Duration:     *duration,
		WarmupRounds: *warmupRounds,
		Sample:       func() (bench.ProcSample, error) { return bench.ReadProc("/proc", p) },
		MaxRSSGrowth: int64(*maxRSS * (1 << 20)),
		MaxFDGrowth:  *maxFD,
		Log:          os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl soak:", err)
		return 2
	}
	res.Total.WriteReport(os.Stdout)
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Printf("[soak] %d rounds; rss cold=%.1f baseline=%.1f end=%.1f MB; fds cold=%d baseline=%d end=%d\n",
		res.Rounds, mb(res.Cold.RSS), mb(res.Baseline.RSS), mb(res.End.RSS),
		res.Cold.FDs, res.Baseline.FDs, res.End.FDs)
	for _, w := range res.Warnings {
		fmt.Println("[soak] warning:", w)
	}
	for _, p := range res.Problems {
		fmt.Println("[soak] FAIL:", p)
	}
	if res.Failed() {
		if res.Total.Failed() {
			fmt.Printf("[soak] FAIL: %d requests without a correct reply (%s)\n",
				res.Total.Count-res.Total.OK, res.Total.Errors.String())
		}
		return 1
	}
	fmt.Println("[soak] PASS")
	return 0
}
