package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
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

// gcPercent is l0d's garbage-collection target (the heap may grow by this
// percentage of the live heap between collections) unless GOGC is set. The
// live heap is mostly the actors' pointer-free arenas, which a collection
// barely touches, so a low target costs little; with Go's default of 100
// the heap grows by as much again as all the arenas before each collection
// and the process keeps those pages (docs/design.md has the soak that
// failed on it, and the measurements).
const gcPercent = 10

// lowerGC sets the collector's target to gcPercent unless the GOGC
// environment variable sets one, and describes the target in force.
func lowerGC() string {
	if v, set := os.LookupEnv("GOGC"); set {
		return "GOGC=" + v + " (from the environment)"
	}
	debug.SetGCPercent(gcPercent)
	return fmt.Sprintf("GOGC=%d (l0d's default; set GOGC to change it)", gcPercent)
}
