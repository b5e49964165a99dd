package telemetry

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPromAddr = "127.0.0.1:9109"
	DefaultTailCSV  = "/tmp/l0_service_tail.csv"
	DefaultTailKeep = 100
	DefaultLogEvery = 10000
)

// Config configures a Telemetry. The zero value is usable: New fills the
// defaults above.
type Config struct {
	// Prom enables the HTTP endpoint (L0_PROM=1): New binds PromAddr and
	// Serve serves it. Metrics are collected either way.
	Prom bool
	// PromAddr is the listen address of /metrics, /healthz and /readyz
	// (L0_PROM_ADDR, default 127.0.0.1:9109; port 0 picks a free port, see
	// (*Telemetry).Addr).
	PromAddr string
	// TailCSV is the path of the slowest-requests CSV (L0_TAIL_CSV, default
	// /tmp/l0_service_tail.csv).
	TailCSV string
	// TailKeep is how many of the slowest requests the CSV keeps
	// (L0_TAIL_KEEP, default 100). Negative disables the tail CSV.
	TailKeep int
	// LogEvery is how many requests pass between two summary log lines and
	// tail CSV writes (L0_LOG_EVERY, default 10000).
	LogEvery int
	// Logger receives the summary lines and write errors; nil uses
	// slog.Default().
	Logger *slog.Logger
	// Version is the build's version, exported in l0_build_info.
	Version string
	// KernelPath is the active kernel path (kernel.Active), exported in
	// l0_build_info.
	KernelPath string
	// Actors is the number of actors; their per-actor series and histograms
	// are created up front. Replies from actors beyond it still count.
	Actors int
	// OmitLegacyLatencyMs drops the l0_latency_ms histogram (the older
	// system's name, kept for existing dashboards) from /metrics. promtool
	// check metrics flags that one name for its abbreviated unit; every
	// other family passes.
	OmitLegacyLatencyMs bool
}

// ConfigFromEnv reads the telemetry environment variables (L0_PROM,
// L0_PROM_ADDR, L0_TAIL_CSV, L0_TAIL_KEEP, L0_LOG_EVERY) through lookup
// (os.LookupEnv in l0d) over base, which holds the fields the environment
// does not set (Logger, Version, KernelPath, Actors).
func ConfigFromEnv(base Config, lookup func(string) (string, bool)) (Config, error) {
	c := base
	if v, ok := lookup("L0_PROM"); ok {
		switch v {
		case "1", "true", "yes", "on":
			c.Prom = true
		case "0", "false", "no", "off", "":
			c.Prom = false
		default:
			return c, fmt.Errorf("cannot parse L0_PROM=%q: want 1 or 0", v)
		}
	}
	if v, ok := lookup("L0_PROM_ADDR"); ok && v != "" {
		c.PromAddr = v
	}
	if v, ok := lookup("L0_TAIL_CSV"); ok && v != "" {
		c.TailCSV = v
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"L0_TAIL_KEEP", &c.TailKeep}, {"L0_LOG_EVERY", &c.LogEvery}} {
		if v, ok := lookup(f.name); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return c, fmt.Errorf("cannot parse %s=%q: %w", f.name, v, err)
			}
			*f.dst = n
		}
	}
	return c, nil
}

// withDefaults returns c with the zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.PromAddr == "" {
		c.PromAddr = DefaultPromAddr
	}
	if c.TailCSV == "" {
		c.TailCSV = DefaultTailCSV
	}
	if c.TailKeep == 0 {
		c.TailKeep = DefaultTailKeep
	}
	if c.LogEvery <= 0 {
		c.LogEvery = DefaultLogEvery
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Actors < 0 {
		c.Actors = 0
	}
	return c
}
