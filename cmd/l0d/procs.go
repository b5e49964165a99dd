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
// percentage of the live heap between collections) unless GOGC is set.
//
// The live heap is mostly the actors' arenas (22.6 MB each for the default
// 2 MiB documents), which hold no pointers, so a collection costs little
// however large they are; each request leaves a few hundred bytes of
// garbage. With Go's default of 100 the heap therefore grows by as much
// again as all the arenas before each collection, and the process keeps
// those pages: on the 2-core test machine a 10-minute soak at 800 requests
// a second saw the RSS go from 100 to 165 MB and stay there, which looks
// like a leak to anyone watching it (and failed the soak's 64 MB growth
// bound). At 10 % the heap stays within a few MB of the live one and a
// collection comes about every 20 s under that load.
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
