package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"l0lex/kernel"
)

// runMicrobench lexes one file many times with every available kernel path,
// interleaving the paths (A/B/A/B...) so that they see the same machine
// noise, and prints one row per path plus a memmove floor.
func runMicrobench(args []string) int {
	fs := flag.NewFlagSet("microbench", flag.ContinueOnError)
	file := fs.String("file", "", "document to lex (required)")
	iters := fs.Int("iters", 200, "measured documents per path")
	warmup := fs.Int("warmup", 10, "unmeasured documents per path first")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: l0ctl microbench --file F [--iters N] [--warmup W]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" || fs.NArg() > 0 || *iters < 1 || *warmup < 0 {
		fs.Usage()
		return 2
	}
	src, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl microbench: cannot read the document: %v\n", err)
		return 2
	}
	rows, err := microbench(src, *iters, *warmup)
	if err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl microbench: %v\n", err)
		return 2
	}
	active, why := kernel.Active()
	fmt.Printf("file %s: %d bytes; %d documents per path after %d warm-up; GOMAXPROCS=%d\n",
		*file, len(src), *iters, *warmup, runtime.GOMAXPROCS(0))
	fmt.Printf("active path %s (%s)\n", active, why)
	for _, p := range kernel.Paths {
		if ok, why := kernel.Available(p); !ok {
			fmt.Printf("path %s skipped: %s\n", p, why)
		}
	}
	printRows(os.Stdout, rows)
	return 0
}

// benchRow is the result of one path (or the copy floor).
type benchRow struct {
	name      string
	tokens    int
	bytes     int
	times     []time.Duration
	cpu       []time.Duration // thread CPU time per document
	allocs    uint64          // heap objects allocated over all measured documents
	perDocOut int             // output bytes per document (kernel.TokenBytes per token)
}

// runner lexes (or copies) one document; it returns the token count.
type runner struct {
	name string
	run  func() (int, error)
}

// microbench measures every available path, lexing (Lex) and counting
// (Count, the "-count" rows: what summary requests run), and the copy
// floor on src.
func microbench(src []byte, iters, warmup int) ([]benchRow, error) {
	var runners []runner
	arena := kernel.NewArena(kernel.SizeFor(src))
	tokens := -1
	for _, p := range kernel.Paths {
		if ok, _ := kernel.Available(p); !ok {
			continue
		}
		p := p
		runners = append(runners, runner{p.String(), func() (int, error) {
			if err := kernel.LexWith(p, arena, src, nil); err != nil {
				return 0, fmt.Errorf("cannot lex with the %s path: %w", p, err)
			}
			return arena.N, nil
		}}, runner{p.String() + "-count", func() (int, error) {
			if err := kernel.CountWith(p, arena, src, nil); err != nil {
				return 0, fmt.Errorf("cannot count with the %s path: %w", p, err)
			}
			return arena.N, nil
		}})
	}
	// The floor: memmove of the input and of the arena bytes the lexer
	// writes, into buffers of the same sizes.
	if err := kernel.LexWith(kernel.PathPureGo, arena, src, nil); err != nil {
		return nil, fmt.Errorf("cannot lex the document: %w", err)
	}
	tokens = arena.N
	inDst := make([]byte, len(src))
	outSrc := make([]byte, kernel.TokenBytes*tokens)
	outDst := make([]byte, kernel.TokenBytes*tokens)
	for i := range outSrc {
		outSrc[i] = byte(i)
	}
	runners = append(runners, runner{"copy", func() (int, error) {
		copy(inDst, src)
		copy(outDst, outSrc)
		return tokens, nil
	}})

	rows := make([]benchRow, len(runners))
	for i, r := range runners {
		rows[i] = benchRow{name: r.name, bytes: len(src), times: make([]time.Duration, 0, iters),
			cpu: make([]time.Duration, 0, iters)}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	allocs := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	// One OS thread for the whole run, so that its CPU clock measures only
	// this work: on a shared machine the wall time also counts the time
	// other processes held the CPU.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for it := 0; it < warmup+iters; it++ {
		for i, r := range runners {
			a0 := allocs()
			c0 := threadCPU()
			t0 := time.Now()
			n, err := r.run()
			d := time.Since(t0)
			c := threadCPU() - c0
			a1 := allocs()
			if err != nil {
				return nil, err
			}
			if n != tokens {
				return nil, fmt.Errorf("path %s gave %d tokens, the pure-Go path %d", r.name, n, tokens)
			}
			if it >= warmup {
				rows[i].times = append(rows[i].times, d)
				rows[i].cpu = append(rows[i].cpu, c)
				rows[i].allocs += a1 - a0
				rows[i].tokens = n
				rows[i].perDocOut = kernel.TokenBytes * n
			}
		}
	}
	return rows, nil
}

// threadCPU returns the CPU time consumed by the calling OS thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// percentile returns the q-quantile (0..1) of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return percentile(s, 0.5)
}

// printRows prints one row per path. The p50 columns are the figures to
// quote; the "best" columns give the fastest document, which on a shared
// machine (other tenants, changing clock) is the closest to the speed of
// the code itself.
func printRows(w io.Writer, rows []benchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\ttokens\tp50/doc\tp99/doc\tMB/s\tns/token\tallocs/doc\tvs copy\tcpu p50/doc\tcpu ns/token\tcpu vs copy\tbest/doc\tbest ns/token\tbest vs copy\t")
	var copyP50, copyCPU, copyBest time.Duration
	for _, r := range rows {
		if r.name == "copy" {
			copyP50, copyCPU, copyBest = median(r.times), median(r.cpu), slices.Min(r.times)
		}
	}
	for _, r := range rows {
		s := slices.Clone(r.times)
		slices.Sort(s)
		p50, p99 := percentile(s, 0.5), percentile(s, 0.99)
		mbs := float64(r.bytes) / p50.Seconds() / 1e6
		nsTok := float64(p50.Nanoseconds()) / float64(r.tokens)
		ratio := float64(p50) / float64(copyP50)
		cpu := median(r.cpu)
		best := s[0]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.0f\t%.3f\t%.2f\t%.2fx\t%s\t%.3f\t%.2fx\t%s\t%.3f\t%.2fx\t\n", r.name, r.tokens,
			p50.Round(time.Microsecond), p99.Round(time.Microsecond), mbs, nsTok,
			float64(r.allocs)/float64(len(r.times)), ratio,
			cpu.Round(time.Microsecond), float64(cpu.Nanoseconds())/float64(r.tokens), float64(cpu)/float64(copyCPU),
			best.Round(time.Microsecond), float64(best.Nanoseconds())/float64(r.tokens), float64(best)/float64(copyBest))
	}
	tw.Flush()
}
