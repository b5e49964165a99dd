package telemetry

import "time"

// origin is the process-wide reference instant of Now. It is set once at
// package initialisation and never written again; time.Since on it reads the
// monotonic clock, so Now is immune to wall-clock steps.
var origin = time.Now()

// Now returns monotonic nanoseconds since the process started (strictly, since
// this package was initialised). Every l0lex timestamp (Request.TInStart,
// Reply.TProcStart, Record fields, tail CSV columns) uses it, so stamps from
// different goroutines are directly comparable. Safe for concurrent use.
func Now() int64 { return int64(time.Since(origin)) }
