package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"l0lex/bench"
)

// benchDefaultSock is the server's default Unix socket.
const benchDefaultSock = "/tmp/l0_lex_svc.sock"

// benchTarget holds the --sock/--tcp flags shared by bench, soak and chaos.
type benchTarget struct {
	sock, tcp string
}

func addBenchTarget(fs *flag.FlagSet) *benchTarget {
	t := &benchTarget{}
	def := os.Getenv("L0_SOCK")
	if def == "" {
		def = benchDefaultSock
	}
	fs.StringVar(&t.sock, "sock", def, "Unix socket of l0d (env L0_SOCK)")
	fs.StringVar(&t.tcp, "tcp", "", "TCP address of l0d (host:port), instead of --sock")
	return t
}

func (t *benchTarget) dialer() bench.Dialer {
	if t.tcp != "" {
		return bench.NetDialer("tcp", t.tcp)
	}
	return bench.NetDialer("unix", t.sock)
}

func (t *benchTarget) String() string {
	if t.tcp != "" {
		return "tcp " + t.tcp
	}
	return "unix " + t.sock
}

// benchSignalContext returns a context cancelled by SIGINT or SIGTERM.
func benchSignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// benchRate parses "5000", "5000/s" or "300/m" into requests per second.
func benchRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(s, "/")
	r, err := strconv.ParseFloat(num, 64)
	if err != nil || r <= 0 {
		return 0, fmt.Errorf("cannot parse rate %q: want R/s", s)
	}
	switch unit {
	case "", "s":
	case "m":
		r /= 60
	default:
		return 0, fmt.Errorf("cannot parse rate %q: unit must be /s or /m", s)
	}
	return r, nil
}

// benchProgress starts a progress line on stdout when stdout is a terminal
// and returns the Progress to count with (nil otherwise) and a function that
// stops and clears the line.
func benchProgress(label string) (*bench.Progress, func()) {
	if !bench.IsTerminal(os.Stdout) {
		return nil, func() {}
	}
	p := &bench.Progress{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { p.Show(os.Stdout, label, 250*time.Millisecond, stop); close(done) }()
	return p, func() { close(stop); <-done }
}

// benchFinish prints res, writes the latency file if asked and returns the
// exit code: 0 when every reply was correct, 1 otherwise.
func benchFinish(res *bench.Result, out string) int {
	res.WriteReport(os.Stdout)
	if out != "" {
		if err := bench.WriteLatencyFile(out, res.Latencies); err != nil {
			fmt.Fprintln(os.Stderr, "l0ctl:", err)
			return 1
		}
		fmt.Printf("[%s] wrote %d latencies (ms) to %s\n", res.Mode, res.OK, out)
	}
	if res.Failed() {
		fmt.Printf("[%s] FAIL: %d of %d requests without a correct reply (%s)\n",
			res.Mode, res.Count-res.OK, res.Count, res.Errors.String())
		return 1
	}
	return 0
}

const benchUsage = `usage: l0ctl bench keepalive|oneshot [FILE [N [CONNS]]] [flags]
       l0ctl bench open --rate R/s --duration D [flags]

keepalive: CONNS persistent connections, one request in flight on each,
N requests in all (closed loop). oneshot: a new connection per request
(latency includes the connect). open: requests leave on a fixed schedule
whatever the replies, pipelined on CONNS connections; latency counts from
the intended send time. Every reply is checked against the document lexed
locally (status 0, same token count); any error makes the exit code 1.
`

// runBench is "l0ctl bench": keep-alive, one-shot and open-loop load.
func runBench(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(os.Stderr, benchUsage)
		return 2
	}
	mode := args[0]
	if mode != "keepalive" && mode != "oneshot" && mode != "open" {
		fmt.Fprintf(os.Stderr, "l0ctl bench: unknown mode %q\n", mode)
		fmt.Fprint(os.Stderr, benchUsage)
		return 2
	}
	fs := flag.NewFlagSet("bench "+mode, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, benchUsage, "\nflags:\n"); fs.PrintDefaults() }
	target := addBenchTarget(fs)
	file := fs.String("file", "", "document to send (required; or the first argument)")
	n := fs.Int("n", 10000, "requests in all (keepalive, oneshot)")
	conns := fs.Int("conns", 4, "connections")
	warmup := fs.Int("warmup", 0, "warm-up requests, checked but not measured")
	timeout := fs.Duration("timeout", bench.DefaultTimeout, "per-request timeout (keepalive, oneshot)")
	out := fs.String("out", "", "write one latency in ms per line to this file")
	rate := fs.String("rate", "", "send rate R/s (open)")
	duration := fs.Duration("duration", 0, "schedule length (open)")
	drain := fs.Duration("drain", bench.DefaultTimeout, "wait for late replies after the schedule (open)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) > 3 {
		fmt.Fprintln(os.Stderr, "l0ctl bench: too many arguments")
		return 2
	}
	ints := []*int{n, conns}
	for i, a := range pos {
		if i == 0 {
			*file = a
			continue
		}
		v, err := strconv.Atoi(a)
		if err != nil {
			fmt.Fprintf(os.Stderr, "l0ctl bench: cannot parse %q as a number\n", a)
			return 2
		}
		*ints[i-1] = v
	}
	if *file == "" {
		fmt.Fprintln(os.Stderr, "l0ctl bench: --file is required")
		return 2
	}
	var perSec float64
	if mode == "open" {
		if *rate == "" || *duration <= 0 {
			fmt.Fprintln(os.Stderr, "l0ctl bench open: --rate and --duration are required")
			return 2
		}
		if perSec, err = benchRate(*rate); err != nil {
			fmt.Fprintln(os.Stderr, "l0ctl bench:", err)
			return 2
		}
	}
	doc, err := bench.LoadDocument(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl bench:", err)
		return 2
	}
	ctx, stop := benchSignalContext()
	defer stop()
	fmt.Printf("[%s] %s, %d bytes, %d tokens expected, %s\n", mode, *file, doc.Size(), doc.Tokens, target)

	cpu0, cpuErr := bench.ReadCPUTimes("/proc")
	var res *bench.Result
	switch mode {
	case "keepalive", "oneshot":
		prog, stopProg := benchProgress(mode)
		res, err = bench.RunClosed(ctx, bench.ClosedConfig{
			Dial: target.dialer(), Doc: doc, Conns: *conns, N: *n, Warmup: *warmup,
			OneShot: mode == "oneshot", Timeout: *timeout, KeepLatencies: *out != "", Progress: prog,
		})
		stopProg()
	default: // open
		res, err = bench.RunOpen(ctx, bench.OpenConfig{
			Dial: target.dialer(), Doc: doc, Conns: *conns, Rate: perSec, Duration: *duration,
			Warmup: *warmup, Drain: *drain, KeepLatencies: *out != "",
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl bench:", err)
		return 2
	}
	if cpu1, err := bench.ReadCPUTimes("/proc"); err == nil && cpuErr == nil {
		if h, ok := cpu1.Since(cpu0); ok {
			res.Host = &h
		}
	}
	return benchFinish(res, *out)
}
