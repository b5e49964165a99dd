package main

import (
	"os"
	"runtime"
)

// raiseProcs adds one Go scheduler slot (P) per actor to GOMAXPROCS, unless
// the GOMAXPROCS environment variable sets it, and returns the value in
// force. A lexing actor is a goroutine locked to its own thread that holds
// a P for the whole document; with one P per CPU, two busy actors on two
// CPUs would leave the event loop, the supervisor's timer wheel and the
// connection writers waiting for a P (until an actor finishes or is preempted
// after 10 ms). With the extra Ps those goroutines run at once and the
// kernel's scheduler shares the CPUs between their threads and the actors'.
func raiseProcs(actors int) int {
	cur := runtime.GOMAXPROCS(0)
	if _, set := os.LookupEnv("GOMAXPROCS"); set || actors <= 0 {
		return cur
	}
	runtime.GOMAXPROCS(cur + actors)
	return cur + actors
}
