// Package gate is the release acceptance gate and the percentile comparison
// behind `l0ctl gate` and `l0ctl compare`: it reads a latency file (one
// millisecond value per line, as the benches write) and the service's tail
// CSV, computes exact nearest-rank percentiles, and checks the audit rules:
// enough requests, P99.9 under the objective, a bounded hedge rate, and
// consistent timestamps on every tail row.
package gate
