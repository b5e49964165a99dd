package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"l0lex/actors"
)

// config is l0d's effective configuration.
type config struct {
	Sock             string
	TCP              string
	TCPAnyAddr       bool
	Cores            []int
	CoresFromMask    bool  // Cores is the affinity mask (L0_POOL_CORES unset)
	CoresRemapped    []int // CPUs of L0_POOL_CORES outside the affinity mask, replaced in Cores
	HedgeMs          int
	HedgeAuto        bool
	HedgeMaxPct      float64
	HedgeSpares      int
	SpareFIFO        bool
	ActorNice        int
	RotateReqs       int
	RotateBytes      int64
	MaxReqBytes      int
	FaultMs          int
	FaultRatePPM     int
	FaultPhase       string
	FaultControl     bool
	AllowScalar      bool
	DrainMs          int
	Prom             bool
	PromAddr         string
	PromLegacyMs     bool
	TailCSV          string
	TailKeep         int
	LogEvery         int
	PidFile          string
	Loops            int
	MailboxLen       int
	MaxInflightBytes int64
}

// setting is one option: a flag and the environment variable it mirrors.
type setting struct {
	flag, env, def, usage string
	isBool                bool
	apply                 func(c *config, v string) error
}

func settings() []setting {
	return []setting{
		{"sock", "L0_SOCK", "/tmp/l0_lex_svc.sock", "Unix socket path (mode 0660)", false,
			func(c *config, v string) error { return nonEmpty(&c.Sock, v) }},
		{"tcp", "L0_TCP", "", "also listen on this loopback TCP address, e.g. 127.0.0.1:7410", false,
			func(c *config, v string) error { c.TCP = v; return nil }},
		{"tcp-any-addr", "L0_TCP_ANY_ADDR", "0", "allow a non-loopback --tcp address (no authentication!)", true,
			func(c *config, v string) error { return parseBool(&c.TCPAnyAddr, v) }},
		{"pool-cores", "L0_POOL_CORES", "", "CPU of each actor, e.g. 0,1,1 or 0-3 (default: every CPU of the affinity mask)", false,
			parseCores},
		{"hedge-ms", "L0_HEDGE_MS", "10", "hedge deadline in ms; 0 disables; auto = recent p95, at least 1 ms", false,
			parseHedge},
		{"hedge-max-pct", "L0_HEDGE_MAX_PCT", "2", "hedges allowed, % of requests over a sliding window (0 < pct <= 100)", false,
			func(c *config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(f) || f <= 0 || f > 100 {
					return errors.New("want a percentage in (0, 100]")
				}
				c.HedgeMaxPct = f
				return nil
			}},
		{"hedge-spares", "L0_HEDGE_SPARES", "1", "spare actors that run only hedges, on any core of the pool (0 none)", false,
			func(c *config, v string) error { return parseInt(&c.HedgeSpares, v, 0, 16) }},
		{"spare-fifo", "L0_SPARE_FIFO", "1", "a spare runs the hedge of a stuck request under SCHED_FIFO priority 1 where permitted (CAP_SYS_NICE or LimitRTPRIO=1), so that it preempts the busy threads of its core", true,
			func(c *config, v string) error { return parseBool(&c.SpareFIFO, v) }},
		{"actor-nice", "L0_ACTOR_NICE", "5", "how much nicer than the process the actors' threads run (0-19), so that the event loop and the hedge timer get the CPU as soon as they wake", false,
			func(c *config, v string) error { return parseInt(&c.ActorNice, v, 0, 19) }},
		{"rotate-reqs", "L0_ROTATE_REQS", "0", "retire an actor after this many requests (0 off)", false,
			func(c *config, v string) error { return parseInt(&c.RotateReqs, v, 0, math.MaxInt32) }},
		{"rotate-bytes", "L0_ROTATE_BYTES", "0", "retire an actor after this many document bytes (0 off; suffixes K, M, G, KiB, MiB, GiB)", false,
			func(c *config, v string) error { return parseBytes(&c.RotateBytes, v, 0) }},
		{"max-req-bytes", "L0_MAX_REQ_BYTES", "8MiB", "largest request payload; larger ones get an error frame and the connection is closed", false,
			func(c *config, v string) error {
				var n int64
				if err := parseBytes(&n, v, 1); err != nil {
					return err
				}
				if n > math.MaxUint32 {
					return fmt.Errorf("%d is over the wire format's limit of %d", n, uint64(math.MaxUint32))
				}
				c.MaxReqBytes = int(n)
				return nil
			}},
		{"fault-ms", "L0_FAULT_MS", "0", "environment fault: sleep this many ms (0 off)", false,
			func(c *config, v string) error { return parseInt(&c.FaultMs, v, 0, 3_600_000) }},
		{"fault-rate-ppm", "L0_FAULT_RATE_PPM", "0", "environment fault rate in requests per million (0 off)", false,
			func(c *config, v string) error { return parseInt(&c.FaultRatePPM, v, 0, 1_000_000) }},
		{"fault-phase", "L0_FAULT_PHASE", "pre", "environment fault before (pre) or after (post) lexing", false,
			func(c *config, v string) error {
				if v != "pre" && v != "post" {
					return errors.New("want pre or post")
				}
				c.FaultPhase = v
				return nil
			}},
		{"fault-control", "L0_FAULT_CONTROL", "0", "accept runtime fault frames (l0ctl fault)", true,
			func(c *config, v string) error { return parseBool(&c.FaultControl, v) }},
		{"allow-scalar", "L0_ALLOW_SCALAR", "0", "start even without the SIMD kernel (pure-Go kernel)", true,
			func(c *config, v string) error { return parseBool(&c.AllowScalar, v) }},
		{"drain-ms", "L0_DRAIN_MS", "5000", "bound on the graceful drain at SIGTERM/SIGINT, in ms", false,
			func(c *config, v string) error { return parseInt(&c.DrainMs, v, 0, 3_600_000) }},
		{"prom", "L0_PROM", "0", "serve Prometheus metrics, /healthz and /readyz", true,
			func(c *config, v string) error { return parseBool(&c.Prom, v) }},
		{"prom-legacy-ms", "L0_PROM_LEGACY_MS", "1", "also export the older l0_latency_ms histogram (promtool lints its _ms unit)", true,
			func(c *config, v string) error { return parseBool(&c.PromLegacyMs, v) }},
		{"prom-addr", "L0_PROM_ADDR", "127.0.0.1:9109", "listen address of the metrics endpoint", false,
			func(c *config, v string) error { return nonEmpty(&c.PromAddr, v) }},
		{"tail-csv", "L0_TAIL_CSV", "/tmp/l0_service_tail.csv", "path of the slowest-requests CSV", false,
			func(c *config, v string) error { return nonEmpty(&c.TailCSV, v) }},
		{"tail-keep", "L0_TAIL_KEEP", "100", "how many of the slowest requests the CSV keeps (-1 off)", false,
			func(c *config, v string) error { return parseInt(&c.TailKeep, v, -1, 1_000_000) }},
		{"log-every", "L0_LOG_EVERY", "10000", "requests between two summary log lines", false,
			func(c *config, v string) error { return parseInt(&c.LogEvery, v, 1, math.MaxInt32) }},
		{"pid-file", "L0_PID_FILE", "", "write the process id here once listening (removed at exit)", false,
			func(c *config, v string) error { c.PidFile = v; return nil }},
		{"loops", "L0_LOOPS", "1", "gnet event loops", false,
			func(c *config, v string) error { return parseInt(&c.Loops, v, 1, 64) }},
		{"mailbox", "L0_MAILBOX", "64", "requests each actor's mailbox holds before BUSY", false,
			func(c *config, v string) error { return parseInt(&c.MailboxLen, v, 1, 1<<20) }},
		{"max-inflight-bytes", "L0_MAX_INFLIGHT_BYTES", "256MiB", "document bytes in flight before BUSY", false,
			func(c *config, v string) error { return parseBytes(&c.MaxInflightBytes, v, 1) }},
	}
}

// stringValue is a flag that remembers whether it was set; bool settings
// may be given without a value.
type stringValue struct {
	v      string
	set    bool
	isBool bool
}

func (s *stringValue) String() string     { return s.v }
func (s *stringValue) Set(v string) error { s.v, s.set = v, true; return nil }
func (s *stringValue) IsBoolFlag() bool   { return s.isBool }

// errHelp is returned by parseConfig for -h/--help.
var errHelp = flag.ErrHelp

// parseConfig reads the flags in args over the environment (lookup), over
// the defaults. Errors name the flag and the variable.
func parseConfig(args []string, lookup func(string) (string, bool), usageOut io.Writer) (*config, error) {
	sets := settings()
	fs := flag.NewFlagSet("l0d", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	vals := make([]*stringValue, len(sets))
	for i, s := range sets {
		vals[i] = &stringValue{isBool: s.isBool}
		fs.Var(vals[i], s.flag, fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
	}
	fs.Usage = func() {
		fmt.Fprintf(usageOut, "usage: l0d [flags]\n\nl0lex lexing service. Every flag mirrors an environment variable; flags win.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (l0d takes flags only)", fs.Arg(0))
	}
	c := &config{}
	for i, s := range sets {
		v, src := s.def, "default"
		if e, ok := lookup(s.env); ok {
			v, src = e, s.env
		}
		if vals[i].set {
			v, src = vals[i].v, "--"+s.flag
			if s.isBool && v == "true" {
				v = "1"
			}
		}
		if err := s.apply(c, strings.TrimSpace(v)); err != nil {
			return nil, fmt.Errorf("invalid %s=%q (flag --%s, env %s): %v", src, v, s.flag, s.env, err)
		}
	}
	fromMask := len(c.Cores) == 0
	cores, replaced, err := actors.ResolveCores(c.Cores)
	if err != nil {
		return nil, fmt.Errorf("cannot choose the actors' cores: %w", err)
	}
	c.Cores, c.CoresFromMask, c.CoresRemapped = cores, fromMask, replaced
	return c, nil
}

func nonEmpty(dst *string, v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	*dst = v
	return nil
}

func parseBool(dst *bool, v string) error {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		*dst = true
	case "0", "false", "no", "off", "":
		*dst = false
	default:
		return errors.New("want 1 or 0")
	}
	return nil
}

func parseInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want an integer")
	}
	if n < lo || n > hi {
		return fmt.Errorf("want %d..%d", lo, hi)
	}
	*dst = n
	return nil
}

// parseBytes reads a byte count with an optional K/M/G (powers of 1024)
// suffix, e.g. 8MiB, 512K, 1048576.
func parseBytes(dst *int64, v string, lo int64) error {
	s := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(v), "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return errors.New("want a byte count such as 8388608, 8MiB or 512K")
	}
	if n*mult < lo {
		return fmt.Errorf("want at least %d", lo)
	}
	*dst = n * mult
	return nil
}

func parseHedge(c *config, v string) error {
	if strings.EqualFold(v, "auto") {
		c.HedgeAuto, c.HedgeMs = true, 0
		return nil
	}
	c.HedgeAuto = false
	return parseInt(&c.HedgeMs, v, 0, 60_000)
}

// parseCores reads "0,1,1" or "0-3,5" (an empty value means the affinity
// mask). A core may appear more than once.
func parseCores(c *config, v string) error {
	c.Cores = nil
	if v == "" {
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return fmt.Errorf("bad core %q: want CPU numbers such as 0,1,1 or 0-3", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return fmt.Errorf("bad core range %q", part)
			}
		}
		for core := a; core <= b; core++ {
			c.Cores = append(c.Cores, core)
		}
	}
	if len(c.Cores) > 256 {
		return fmt.Errorf("%d actors is too many (at most 256)", len(c.Cores))
	}
	return nil
}

// spares returns the number of spare actors the pool starts (the pool's
// rule: none when hedging is off).
func (c *config) spares() int {
	return actors.Config{HedgeMs: c.HedgeMs, HedgeAuto: c.HedgeAuto, HedgeSpares: c.HedgeSpares}.Spares()
}

// print writes the effective configuration, one setting a line.
func (c *config) print(w io.Writer, version, kernelPath, kernelWhy string) {
	hedge := strconv.Itoa(c.HedgeMs) + " ms"
	switch {
	case c.HedgeAuto:
		hedge = "auto (recent p95, at least 1 ms)"
	case c.HedgeMs == 0:
		hedge = "off"
	}
	cores := fmt.Sprint(c.Cores)
	if c.CoresFromMask {
		cores += " (affinity mask)"
	}
	if len(c.CoresRemapped) > 0 {
		cores += fmt.Sprintf(" (L0_POOL_CORES named CPUs %v, which are not in the affinity mask: their actors run on the CPUs shown)", c.CoresRemapped)
	}
	tcp := c.TCP
	if tcp == "" {
		tcp = "off"
	}
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	prom := "off"
	if c.Prom {
		prom = c.PromAddr
	}
	faults := "off"
	if c.FaultMs > 0 && c.FaultRatePPM > 0 {
		faults = fmt.Sprintf("%d ms at %d ppm, %s", c.FaultMs, c.FaultRatePPM, c.FaultPhase)
	}
	pid := c.PidFile
	if pid == "" {
		pid = "none"
	}
	fmt.Fprintf(w, "l0d %s: effective configuration\n", version)
	for _, kv := range [][2]string{
		{"kernel", kernelPath + " (" + kernelWhy + ")"},
		{"sock", c.Sock},
		{"tcp", tcp},
		{"actors", fmt.Sprintf("%d on cores %s, niceness +%d", len(c.Cores), cores, c.ActorNice)},
		{"event loops", strconv.Itoa(c.Loops)},
		{"hedge", hedge},
		{"hedge budget", strconv.FormatFloat(c.HedgeMaxPct, 'g', -1, 64) + " %"},
		{"hedge spares", strconv.Itoa(c.spares()) + " (actors that run only hedges)" + fifoNote(c)},
		{"rotate", fmt.Sprintf("after %d requests / %d bytes (0 = no budget)", c.RotateReqs, c.RotateBytes)},
		{"max request", strconv.Itoa(c.MaxReqBytes) + " bytes"},
		{"mailbox", fmt.Sprintf("%d per actor, %d bytes in flight", c.MailboxLen, c.MaxInflightBytes)},
		{"env faults", faults},
		{"fault control", onOff(c.FaultControl)},
		{"allow scalar", onOff(c.AllowScalar)},
		{"drain", strconv.Itoa(c.DrainMs) + " ms"},
		{"prometheus", prom},
		{"tail csv", fmt.Sprintf("%s (keep %d)", c.TailCSV, c.TailKeep)},
		{"pid file", pid},
	} {
		fmt.Fprintf(w, "  %-14s %s\n", kv[0]+":", kv[1])
	}
}

// fifoNote tells whether the spares are to run under SCHED_FIFO.
func fifoNote(c *config) string {
	if c.spares() == 0 {
		return ""
	}
	if c.SpareFIFO {
		return ", hedges of stuck requests under SCHED_FIFO where permitted"
	}
	return ", at normal priority"
}
