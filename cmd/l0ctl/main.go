// Command l0ctl is l0lex's client and tool box: it lexes files locally,
// generates the benchmark corpus, talks to a running l0d, loads it, and
// gates releases on the measurements.
//
// Usage: l0ctl COMMAND [flags] [args]; l0ctl help lists the commands.
package main

import (
	"fmt"
	"os"
)

// command is one l0ctl subcommand. run returns the process exit code.
type command struct {
	name  string
	usage string
	run   func(args []string) int
}

func commands() []command {
	return []command{
		{"lex", "lex FILE: lex locally (--dump: oracle format, --json)", runLex},
		{"corpus", "corpus --bytes N --seed S: write a thesis-like LaTeX document", runCorpus},
		{"microbench", "microbench --file F --iters N: every kernel path, A/B interleaved", runMicrobench},
		{"send", "send FILE: one request to l0d (--tokens for the full result)", runSend},
		{"ping", "ping: health of a running l0d", runPing},
		{"fault", "fault: send a fault-injection control frame (needs L0_FAULT_CONTROL=1)", runFault},
		{"bench", "bench keepalive|oneshot|open: load a running l0d", runBench},
		{"gate", "gate --latencies FILE --tail-csv FILE: the acceptance gate", runGate},
		{"compare", "compare A B: percentile table of two latency files", runCompare},
		{"soak", "soak --duration D: keep-alive rounds, RSS and fd growth check", runSoak},
		{"chaos", "chaos: load while cycling runtime faults; exactly-once check", runChaos},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: l0ctl COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", c.name, c.usage)
	}
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	for _, c := range commands() {
		if c.name == os.Args[1] {
			os.Exit(c.run(os.Args[2:]))
		}
	}
	fmt.Fprintf(os.Stderr, "l0ctl: unknown command %q\n", os.Args[1])
	usage()
	os.Exit(2)
}
