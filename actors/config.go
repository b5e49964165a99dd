package actors

import (
	"errors"
	"fmt"
	"log"
	"time"
)

// Config configures a Pool. The zero value of each field is replaced by its
// default in New (see each field); DefaultConfig returns every default
// spelled out, which is what cmd/l0d starts from before applying the L0_*
// environment variables.
type Config struct {
	// Cores lists the CPU of each actor (L0_POOL_CORES): one actor per
	// entry, and a core may appear more than once; a CPU outside the
	// process's affinity mask is replaced by one inside it (ResolveCores).
	// Empty: one actor per CPU of the process's affinity mask.
	Cores []int

	// MailboxLen is the capacity of each actor's mailbox (requests waiting,
	// not counting the one being lexed). Zero: DefaultMailboxLen.
	MailboxLen int

	// MaxInflightBytes bounds the document bytes accepted and not yet
	// answered; past it Submit answers BUSY. A single document larger than
	// the bound is still accepted when nothing else is in flight. Zero:
	// DefaultMaxInflightBytes.
	MaxInflightBytes int64

	// HedgeMs is the hedge deadline in ms (L0_HEDGE_MS): a request not
	// answered that long after Submit is duplicated to another actor. Zero
	// disables hedging unless HedgeAuto is set. DefaultConfig sets 10.
	// Hedges need at least two actors (a duplicate never goes to the actor
	// that has the first attempt).
	HedgeMs int
	// HedgeAuto (L0_HEDGE_MS=auto) sets the deadline to the recent p95 of
	// the pool's service time (Submit to reply), at least 1 ms; until
	// enough replies were seen, HedgeMs is used (10 if zero).
	HedgeAuto bool
	// HedgeMaxPct caps hedges at this percentage of the requests submitted
	// over the last HedgeWindow (L0_HEDGE_MAX_PCT). Zero: DefaultHedgeMaxPct.
	// To disable hedging set HedgeMs to 0, not this.
	HedgeMaxPct float64
	// HedgeWindow is the length of the sliding window of the hedge budget.
	// Zero: DefaultHedgeWindow.
	HedgeWindow time.Duration
	// HedgeSpares is the number of spare actors (L0_HEDGE_SPARES): actors
	// beyond those of Cores that never get requests of their own and only
	// run hedges, so that the duplicate of a stuck attempt starts at once
	// instead of behind the work of a busy actor. The stuck actor leaves its
	// core idle (a delay or stall), which is where the spare runs: its
	// thread may run on any core of Cores. Each holds an arena as the other
	// actors do. Zero: none (hedges go to an idle actor or to the hedge lane
	// only). DefaultConfig sets DefaultHedgeSpares; without hedging no spare
	// is started.
	HedgeSpares int
	// SpareFIFO lets a spare run the hedge of a stuck attempt (one held
	// outside the kernel, as a delay or stall does) under the real-time
	// policy SCHED_FIFO at priority 1 (L0_SPARE_FIFO), where the process
	// may (CAP_SYS_NICE, or RLIMIT_RTPRIO of at least 1: systemd's
	// LimitRTPRIO=1); elsewhere spares run as the other actors, with a
	// warning. Such a hedge preempts the busy threads of its core and
	// lexes without a pause: on the 2-core reference machine, hedge-won
	// requests of the faulted gate came back 1-2 ms sooner (median
	// 14.2-15.0 ms against 15.2-17.1). The hedge of a straggler (an attempt
	// lexing slowly) runs at normal priority: under SCHED_FIFO it took the
	// CPU of other actors, which then straggled in turn (more hedges, and a
	// worse P99.9 without faults). A spare lexes only hedges, at most the
	// hedge budget's share of the requests. DefaultConfig sets it.
	SpareFIFO bool
	// Nice is how much nicer than the process the actors' threads run
	// (L0_ACTOR_NICE; 0 to 19, at most niceness 19; making a thread nicer
	// needs no privilege). Actors lex without pause and keep every
	// core busy under load, while the threads that must answer quickly
	// (the event loop, the supervisor's timer, the Go runtime) only need
	// a short slice: with the actors niced, the scheduler gives those the
	// CPU as soon as they wake, instead of after an actor's time slice.
	// DefaultConfig sets DefaultNice.
	Nice int

	// RotateReqs retires an actor (replacing it by a fresh goroutine,
	// thread and arena on the same core) after it lexed this many requests
	// (L0_ROTATE_REQS). Zero: no request budget.
	RotateReqs int
	// RotateBytes retires an actor after it lexed this many document bytes
	// (L0_ROTATE_BYTES). Zero: no byte budget.
	RotateBytes int64

	// FaultMs, FaultRatePPM and FaultPhase are the environment faults
	// (L0_FAULT_MS, L0_FAULT_RATE_PPM, L0_FAULT_PHASE): each actor sleeps
	// FaultMs before ("pre", the default) or after ("post") lexing, for
	// FaultRatePPM of the attempts it runs (per million, drawn from a
	// per-actor PRNG). Either zero disables them.
	FaultMs      int
	FaultRatePPM int
	FaultPhase   string

	// ArenaBaseBytes sizes each actor's arena: it holds any ordinary
	// document of up to this many bytes (kernel.SizeForText: lines of 16
	// bytes or more on average, few names in ^^ notation; about 11 bytes
	// of arena per document byte). A document that does not fit is lexed in a
	// larger arena allocated for it, and the actor is then rotated (reason
	// "arena") so that the memory is given back. Zero:
	// DefaultArenaBaseBytes.
	ArenaBaseBytes int

	// NoPin skips runtime.LockOSThread and CPU pinning. For tests (e.g.
	// inside a testing/synctest bubble) and for platforms without affinity.
	NoPin bool

	// Now returns monotonic nanoseconds; every timestamp of a Reply and the
	// hedge timer wheel use it. cmd/l0d passes telemetry.Now so that all
	// stamps share one clock. Nil: the pool's own clock, time.Since of the
	// pool's creation (which follows a testing/synctest bubble's fake time).
	// It is called from many goroutines at once.
	Now func() int64

	// Logf receives the pool's rare operational messages (a failure to pin
	// a thread, an actor crash) from any goroutine. Nil: log.Printf.
	Logf func(format string, args ...any)
}

// Defaults applied by New to zero fields.
const (
	DefaultMailboxLen       = 64
	DefaultMaxInflightBytes = 256 << 20
	DefaultHedgeMs          = 10
	DefaultHedgeMaxPct      = 2.0
	DefaultHedgeWindow      = 10 * time.Second
	DefaultHedgeSpares      = 1
	DefaultNice             = 5
	DefaultArenaBaseBytes   = 2 << 20
)

// MaxActors bounds len(Config.Cores) + Config.HedgeSpares.
const MaxActors = 256

// maxCore is the largest CPU number an affinity set can name.
const maxCore = 1023

// DefaultConfig returns the configuration the service runs with when no
// L0_* variable is set: one actor per CPU and one spare for hedges,
// hedging at 10 ms with a 2 % budget, no rotation budget and no faults.
func DefaultConfig() Config {
	return Config{
		MailboxLen:       DefaultMailboxLen,
		MaxInflightBytes: DefaultMaxInflightBytes,
		HedgeMs:          DefaultHedgeMs,
		HedgeMaxPct:      DefaultHedgeMaxPct,
		HedgeWindow:      DefaultHedgeWindow,
		HedgeSpares:      DefaultHedgeSpares,
		SpareFIFO:        true,
		Nice:             DefaultNice,
		FaultPhase:       "pre",
		ArenaBaseBytes:   DefaultArenaBaseBytes,
	}
}

// Validate reports the first setting that cannot be used. Zero values are
// valid (New replaces them by defaults).
func (c *Config) Validate() error {
	if c.HedgeSpares < 0 || c.HedgeSpares >= MaxActors {
		return fmt.Errorf("cannot run %d spare actors: it must be 0 to %d", c.HedgeSpares, MaxActors-1)
	}
	if c.Nice < 0 || c.Nice > 19 {
		return fmt.Errorf("cannot make actors %d nicer than the process: it must be 0 to 19", c.Nice)
	}
	if len(c.Cores)+c.HedgeSpares > MaxActors {
		return fmt.Errorf("cannot run %d actors and %d spares: at most %d in all", len(c.Cores), c.HedgeSpares, MaxActors)
	}
	for _, core := range c.Cores {
		if core < 0 || core > maxCore {
			return fmt.Errorf("cannot pin an actor to core %d: cores are 0..%d", core, maxCore)
		}
	}
	switch {
	case c.MailboxLen < 0:
		return fmt.Errorf("cannot use mailbox length %d: it must be positive", c.MailboxLen)
	case c.MaxInflightBytes < 0:
		return fmt.Errorf("cannot bound in-flight bytes by %d: it must be positive", c.MaxInflightBytes)
	case c.HedgeMs < 0:
		return fmt.Errorf("cannot use hedge deadline %d ms: it must be 0 (off) or positive", c.HedgeMs)
	case c.HedgeMaxPct < 0 || c.HedgeMaxPct > 100 || c.HedgeMaxPct != c.HedgeMaxPct:
		return fmt.Errorf("cannot use hedge budget %v %%: it must be within 0..100", c.HedgeMaxPct)
	case c.HedgeWindow < 0:
		return fmt.Errorf("cannot use hedge window %v: it must be positive", c.HedgeWindow)
	case c.RotateReqs < 0:
		return fmt.Errorf("cannot use rotation budget of %d requests: it must be 0 (off) or positive", c.RotateReqs)
	case c.RotateBytes < 0:
		return fmt.Errorf("cannot use rotation budget of %d bytes: it must be 0 (off) or positive", c.RotateBytes)
	case c.FaultMs < 0:
		return fmt.Errorf("cannot inject faults of %d ms: it must be 0 (off) or positive", c.FaultMs)
	case c.FaultRatePPM < 0 || c.FaultRatePPM > 1_000_000:
		return fmt.Errorf("cannot inject faults at %d ppm: it must be within 0..1000000", c.FaultRatePPM)
	case c.FaultPhase != "" && c.FaultPhase != "pre" && c.FaultPhase != "post":
		return fmt.Errorf("cannot inject faults in phase %q: it must be pre or post", c.FaultPhase)
	case c.ArenaBaseBytes < 0:
		return fmt.Errorf("cannot size arenas for %d bytes: it must be positive", c.ArenaBaseBytes)
	}
	return nil
}

// withDefaults returns c with its zero fields replaced by defaults; cores is
// the default core list (the affinity mask).
func (c Config) withDefaults(cores func() ([]int, error)) (Config, error) {
	if len(c.Cores) == 0 {
		cs, err := cores()
		if err != nil {
			return c, fmt.Errorf("cannot choose the actors' cores: %w", err)
		}
		if len(cs) == 0 {
			return c, errors.New("cannot choose the actors' cores: the affinity mask is empty")
		}
		if len(cs)+c.HedgeSpares > MaxActors {
			cs = cs[:MaxActors-c.HedgeSpares]
		}
		c.Cores = cs
	} else {
		mask, err := cores()
		if err != nil {
			return c, fmt.Errorf("cannot choose the actors' cores: %w", err)
		}
		c.Cores, _ = remapCores(c.Cores, mask)
	}
	if c.MailboxLen == 0 {
		c.MailboxLen = DefaultMailboxLen
	}
	if c.MaxInflightBytes == 0 {
		c.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if c.HedgeMaxPct == 0 {
		c.HedgeMaxPct = DefaultHedgeMaxPct
	}
	if c.HedgeWindow == 0 {
		c.HedgeWindow = DefaultHedgeWindow
	}
	if c.FaultPhase == "" {
		c.FaultPhase = "pre"
	}
	c.HedgeSpares = c.Spares()
	if c.ArenaBaseBytes == 0 {
		c.ArenaBaseBytes = DefaultArenaBaseBytes
	}
	if c.Now == nil {
		start := time.Now()
		c.Now = func() int64 { return int64(time.Since(start)) }
	}
	if c.Logf == nil {
		c.Logf = log.Printf
	}
	return c, nil
}

// Spares returns the number of spare actors New starts for c: HedgeSpares,
// or none when hedging is off (spares only run hedges).
func (c Config) Spares() int {
	if !c.hedging() {
		return 0
	}
	return c.HedgeSpares
}

// hedging reports whether hedges are enabled.
func (c *Config) hedging() bool { return c.HedgeMs > 0 || c.HedgeAuto }

// ResolveCores returns the CPUs a pool started with Config.Cores = cores
// runs its actors on: the process's affinity mask when cores is empty,
// otherwise cores with each CPU outside the mask replaced (see
// remapCores), which replaced lists. Safe for concurrent use.
func ResolveCores(cores []int) (resolved, replaced []int, err error) {
	mask, err := allowedCPUs()
	if err != nil {
		return nil, nil, err
	}
	if len(cores) == 0 {
		return mask, nil, nil
	}
	resolved, replaced = remapCores(cores, mask)
	return resolved, replaced, nil
}

// remapCores replaces each CPU of cores that is not in the affinity mask
// by the mask's CPU at the same position modulo its size, so that an actor
// list written for a larger machine (the runbook's 0,1,2,3 on two CPUs)
// still runs every actor pinned, spread over the CPUs there are, rather
// than unpinned (an unpinned actor migrates and doubles the tail). It
// returns a new list and the CPUs it replaced.
func remapCores(cores, mask []int) ([]int, []int) {
	if len(mask) == 0 {
		return append([]int(nil), cores...), nil
	}
	in := make(map[int]bool, len(mask))
	for _, m := range mask {
		in[m] = true
	}
	var out, gone []int
	for i, c := range cores {
		if !in[c] {
			gone = append(gone, c)
			c = mask[i%len(mask)]
		}
		out = append(out, c)
	}
	return out, gone
}
