// Command l0d is the l0lex lexing service: a gnet reactor on a Unix socket
// (and optionally loopback TCP) in front of a pool of per-core lexing actors.
// Every flag mirrors an L0_* environment variable (flags win); see
// `l0d --help` and README.md.
//
// Exit status: 0 after a graceful stop (SIGTERM/SIGINT), 1 when the service
// cannot start or fails, 2 for invalid configuration, 3 when the SIMD kernel
// is unavailable and L0_ALLOW_SCALAR is not set.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1
	exitUsage  = 2
	exitNoSIMD = 3
)

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr, sig))
}

// run is l0d's main: it returns the exit code. stop delivers the signals
// that begin the graceful drain.
func run(args []string, lookup func(string) (string, bool), stdout, stderr io.Writer, stop <-chan os.Signal) int {
	cfg, err := parseConfig(args, lookup, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "l0d: %v\n", err)
		return exitUsage
	}
	return serve(cfg, stdout, stderr, stop)
}
