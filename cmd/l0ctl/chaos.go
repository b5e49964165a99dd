package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"l0lex/bench"
)

const chaosUsage = `usage: l0ctl chaos --duration D [--file F] [flags]

Pipelined keep-alive load while a control connection cycles runtime faults
(delay, stall, panic, rotate; to one actor in turn or to all) through fault
control frames, which l0d accepts only with L0_FAULT_CONTROL=1. Then waits
for the last replies and checks that every request got exactly one reply,
correct (status 0, the locally lexed token count) or acceptable (BUSY, or
CANCELLED after a client cancel of a request unanswered for --cancel-after).
Exit 0 when it did, 1 when not, 2 when the run could not start.
`

// runChaos is "l0ctl chaos": load while cycling runtime faults, with an
// exactly-once reply check.
func runChaos(args []string) int {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, chaosUsage, "\nflags:\n"); fs.PrintDefaults() }
	target := addBenchTarget(fs)
	duration := fs.Duration("duration", 30*time.Second, "how long to send requests")
	file := fs.String("file", "", "document to send (required; or the first argument)")
	conns := fs.Int("conns", 4, "load connections")
	window := fs.Int("window", 4, "requests in flight per connection")
	faults := fs.String("faults", bench.DefaultChaosSteps, "fault cycle: KIND[:MS][:all],... (KIND delay, stall, panic, rotate)")
	interval := fs.Duration("interval", 500*time.Millisecond, "time between faults")
	cancelAfter := fs.Duration("cancel-after", 2*time.Second, "cancel a request unanswered this long")
	straggle := fs.Duration("straggle", bench.DefaultTimeout, "wait for the last replies after the load")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) == 1 && *file == "" {
		*file = pos[0]
	} else if len(pos) > 0 {
		fmt.Fprintln(os.Stderr, "l0ctl chaos: unexpected arguments", pos)
		return 2
	}
	if *file == "" {
		fmt.Fprintln(os.Stderr, "l0ctl chaos: --file is required")
		return 2
	}
	steps, err := bench.ParseChaosSteps(*faults)
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl chaos:", err)
		return 2
	}
	doc, err := bench.LoadDocument(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl chaos:", err)
		return 2
	}
	ctx, stop := benchSignalContext()
	defer stop()
	fmt.Printf("[chaos] %s, %d bytes, %d tokens expected, %s, %v, faults every %v: %s\n",
		*file, doc.Size(), doc.Tokens, target, *duration, *interval, *faults)
	res, err := bench.RunChaos(ctx, bench.ChaosConfig{
		Dial: target.dialer(), Doc: doc, Conns: *conns, Window: *window, Duration: *duration,
		Steps: steps, Interval: *interval, CancelAfter: *cancelAfter, Straggle: *straggle,
		Log: os.Stdout,
	})
	if res == nil {
		fmt.Fprintln(os.Stderr, "l0ctl chaos:", err)
		return 2
	}
	res.WriteReport(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "l0ctl chaos:", err)
		if errors.Is(err, bench.ErrFaultControlOff) {
			return 2
		}
		return 1
	}
	if res.Failed() {
		e := res.Errors
		fmt.Printf("[chaos] FAIL: lost=%d duplicate=%d wrong=%d (%s)\n",
			e.Lost, e.Duplicate, e.Total()-e.Busy-e.Lost-e.Duplicate, e.String())
		return 1
	}
	fmt.Printf("[chaos] PASS: %d requests, each answered exactly once (ok=%d busy=%d cancelled=%d)\n",
		res.Count, res.OK, res.Errors.Busy, res.Cancelled)
	return 0
}
