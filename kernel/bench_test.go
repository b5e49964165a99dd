package kernel_test

import (
	"bytes"
	"os"
	"sync/atomic"
	"testing"

	"l0lex/kernel"
	"l0lex/kernel/corpus"
)

// seedCorpus is the older system's benchmark document (1.1 MB thesis).
const seedCorpus = "../../shared/corpus/perf_smoke_big.tex"

// benchDocs returns the benchmark documents: the seed corpus when present
// (and its first 32 KiB, whose tokens stay in the caches: the gap between
// the two is what memory traffic costs; the whole with CR LF line ends; and
// with accented letters) and a generated thesis of the same size.
func benchDocs(b *testing.B) []struct {
	name string
	src  []byte
} {
	docs := []struct {
		name string
		src  []byte
	}{{"generated", corpus.Generate(1<<20, 1)}}
	if src, err := os.ReadFile(seedCorpus); err == nil {
		docs = append([]struct {
			name string
			src  []byte
		}{{"seed", src}, {"seed32k", src[:bytes.LastIndexByte(src[:32<<10], '\n')+1]},
			{"seed-crlf", bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))},
			{"seed-utf8", accented(src)}}, docs...)
	} else {
		b.Logf("seed corpus skipped: %v", err)
	}
	return docs
}

// accented returns src with every 12th 'e', 'a' or 'o' of its words (not
// control words) accented, as in French or German text: about one
// non-ASCII character per 64 bytes.
func accented(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(src)/32)
	k := 0
	for i, c := range src {
		if c == 'e' || c == 'a' || c == 'o' {
			j := i
			for j > 0 && (src[j-1]|0x20 >= 'a' && src[j-1]|0x20 <= 'z') {
				j--
			}
			if j == 0 || src[j-1] != '\\' {
				if k++; k%12 == 0 {
					out = append(out, [...]string{'e': "é", 'a': "ä", 'o': "ö"}[c]...)
					continue
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// BenchmarkLex lexes each document with each available path (and counts its
// tokens with Count: "-count"), and memmoves
// the same input and output volume as the floor ("copy"), in one run so
// that the ratios are comparable on a noisy machine.
func BenchmarkLex(b *testing.B) {
	for _, d := range benchDocs(b) {
		a := kernel.NewArena(kernel.SizeFor(d.src))
		if err := kernel.LexWith(kernel.PathPureGo, a, d.src, nil); err != nil {
			b.Fatal(err)
		}
		tokens := a.N
		for _, p := range kernel.Paths {
			for _, m := range lexModes {
				b.Run(d.name+"/"+p.String()+m.suffix, func(b *testing.B) {
					if ok, why := kernel.Available(p); !ok {
						b.Skip(why)
					}
					b.SetBytes(int64(len(d.src)))
					b.ReportAllocs()
					for b.Loop() {
						if err := m.run(p, a, d.src, nil); err != nil {
							b.Fatal(err)
						}
					}
					if a.N != tokens {
						b.Fatalf("%d tokens, the pure-Go Lex %d", a.N, tokens)
					}
					report(b, tokens)
					b.ReportMetric(float64(a.Bytes())/float64(tokens), "arenaB/token")
				})
			}
		}
		b.Run(d.name+"/copy", func(b *testing.B) {
			in := make([]byte, len(d.src))
			out := make([]byte, kernel.TokenBytes*tokens)
			from := make([]byte, kernel.TokenBytes*tokens)
			b.SetBytes(int64(len(d.src)))
			b.ReportAllocs()
			for b.Loop() {
				copy(in, d.src)
				copy(out, from)
			}
			report(b, tokens)
		})
	}
}

// lexModes are what BenchmarkLex runs per path: Lex, and Count ("-count").
var lexModes = []struct {
	suffix string
	run    func(kernel.Path, *kernel.Arena, []byte, *atomic.Bool) error
}{{"", kernel.LexWith}, {"-count", kernel.CountWith}}

func report(b *testing.B, tokens int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/float64(tokens), "ns/token")
	b.ReportMetric(float64(tokens), "tokens")
}
