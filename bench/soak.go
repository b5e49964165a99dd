package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// SoakConfig configures a soak: keep-alive rounds until Duration, each
// round a fresh set of connections, with the server's resources sampled
// after every round.
type SoakConfig struct {
	// Round is the template of every round: Dial, Doc, Conns, N (requests
	// per round), Timeout. Its Warmup, KeepLatencies and Progress are
	// ignored.
	Round    ClosedConfig
	Duration time.Duration
	// WarmupRounds are the rounds after which the baseline is taken;
	// growth is measured from there to the end (0: 2). Baseline and end
	// are each the least of up to three consecutive samples, so that a
	// transient peak does not count as growth.
	WarmupRounds int
	// Sample returns the server's resources; nil skips the growth checks.
	Sample func() (ProcSample, error)
	// MaxRSSGrowth and MaxFDGrowth bound the growth from the baseline to
	// the end of the run.
	MaxRSSGrowth int64
	MaxFDGrowth  int
	// Log receives one line per round.
	Log io.Writer
}

// SoakResult is the outcome of a soak.
type SoakResult struct {
	Total    *Result // all rounds merged
	Rounds   int
	Samples  []ProcSample // after each round (empty without Sample)
	Cold     ProcSample   // before the first round
	Baseline ProcSample   // least of the samples right after the warm-up rounds
	End      ProcSample   // least of the last samples
	// Problems lists why the soak failed beyond request errors (resource
	// growth, the server vanishing); empty when it did not.
	Problems []string
	// Warnings lists what the soak could not check (too few rounds).
	Warnings []string
}

// Failed reports whether a request failed or a resource bound was broken.
func (s *SoakResult) Failed() bool { return s.Total.Failed() || len(s.Problems) > 0 }

// RunSoak runs the soak described by cfg. It fails only when the soak
// cannot start; request errors and resource growth are in the result.
func RunSoak(ctx context.Context, cfg SoakConfig) (*SoakResult, error) {
	if cfg.Duration <= 0 || cfg.Round.N <= 0 {
		return nil, errors.New("cannot soak: the duration and the round size must be positive")
	}
	if cfg.WarmupRounds <= 0 {
		cfg.WarmupRounds = 2
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	round := cfg.Round
	round.Warmup, round.KeepLatencies, round.Progress = 0, false, nil
	res := &SoakResult{Total: &Result{Mode: "soak", Conns: round.Conns, Hist: NewHistogram()}}
	if round.Doc != nil {
		res.Total.Tokens = round.Doc.Tokens
	}
	if cfg.Sample != nil {
		s, err := cfg.Sample()
		if err != nil {
			return nil, fmt.Errorf("cannot soak: %w", err)
		}
		res.Cold = s
		fmt.Fprintf(cfg.Log, "[soak] start: server rss=%.1f MB fds=%d\n", mb(s.RSS), s.FDs)
	}
	start := time.Now()
	for ctx.Err() == nil && time.Since(start) < cfg.Duration {
		r, err := RunClosed(ctx, round)
		if err != nil {
			res.Problems = append(res.Problems, err.Error())
			break
		}
		res.Rounds++
		t := res.Total
		t.Count += r.Count
		t.OK += r.OK
		t.Errors.Add(&r.Errors)
		t.Codes.Add(&r.Codes)
		t.Hist.Merge(r.Hist)
		t.Elapsed += r.Elapsed
		t.DocBytes = r.DocBytes
		if r.BadTokens != 0 {
			t.BadTokens = r.BadTokens
		}
		rs, ts := r.Summarize(), t.Summarize()
		line := fmt.Sprintf("[soak] round %d (%s): n=%d errors=%d p50=%.3f p99=%.3f p99.9=%.3f max=%.3f ms; total n=%d errors=%d p99.9=%.3f",
			res.Rounds, time.Since(start).Round(time.Second), rs.Count, rs.Errors, rs.P50, rs.P99, rs.P999, rs.Max,
			ts.Count, ts.Errors, ts.P999)
		if cfg.Sample != nil {
			s, err := cfg.Sample()
			if err != nil {
				fmt.Fprintln(cfg.Log, line)
				res.Problems = append(res.Problems, "the server is gone: "+err.Error())
				break
			}
			res.Samples = append(res.Samples, s)
			line += fmt.Sprintf("; rss=%.1f MB fds=%d", mb(s.RSS), s.FDs)
		}
		fmt.Fprintln(cfg.Log, line)
	}
	res.checkGrowth(&cfg)
	return res, nil
}

// growthWindow is how many samples the baseline and the end each take the
// minimum of: a sample can catch a transient peak (garbage not yet
// collected, the last round's connections still closing), a leak shows in
// every sample.
const growthWindow = 3

// checkGrowth compares the samples after the warm-up rounds with the last
// ones.
func (res *SoakResult) checkGrowth(cfg *SoakConfig) {
	n := len(res.Samples)
	if n == 0 {
		return
	}
	b := cfg.WarmupRounds
	if b > n {
		b = n
	}
	res.Baseline = minSample(res.Samples[b-1 : min(b-1+growthWindow, n)])
	res.End = minSample(res.Samples[max(n-growthWindow, b-1):])
	if n <= cfg.WarmupRounds {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"only %d rounds, not more than the %d warm-up rounds: growth not measured (run longer)", n, cfg.WarmupRounds))
		return
	}
	if g := res.End.RSS - res.Baseline.RSS; g > cfg.MaxRSSGrowth {
		res.Problems = append(res.Problems, fmt.Sprintf("RSS grew by %.1f MB (%.1f -> %.1f MB), bound %.1f MB",
			mb(g), mb(res.Baseline.RSS), mb(res.End.RSS), mb(cfg.MaxRSSGrowth)))
	}
	if g := res.End.FDs - res.Baseline.FDs; g > cfg.MaxFDGrowth {
		res.Problems = append(res.Problems, fmt.Sprintf("open fds grew by %d (%d -> %d), bound %d",
			g, res.Baseline.FDs, res.End.FDs, cfg.MaxFDGrowth))
	}
}

// minSample returns the smallest RSS and the fewest descriptors of s.
func minSample(s []ProcSample) ProcSample {
	m := s[0]
	for _, x := range s[1:] {
		m.RSS = min(m.RSS, x.RSS)
		m.FDs = min(m.FDs, x.FDs)
	}
	return m
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
