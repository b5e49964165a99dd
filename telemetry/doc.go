// Package telemetry measures l0d: Prometheus metrics served over HTTP
// (/metrics, /healthz, /readyz), per-actor HdrHistograms merged for a
// periodic one-line log summary, and a CSV of the slowest requests with
// their monotonic timestamps (the "tail CSV" the acceptance gate checks).
//
// A *Telemetry implements the actors.Observer interface (the pool reports
// lexing, queue depth, hedges, rotations, faults and rejections) and
// receives one Record per reply from the event loop through RequestDone.
// All timestamps are monotonic nanoseconds from Now.
//
// The package does not import actors (actors may import telemetry for Now);
// the interface is checked in the package's tests.
package telemetry
