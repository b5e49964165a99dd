package main

import (
	"flag"
	"fmt"
	"os"

	"l0lex/kernel/corpus"
)

// runCorpus writes a deterministic thesis-like LaTeX document of about
// --bytes bytes to --out (stdout by default).
func runCorpus(args []string) int {
	fs := flag.NewFlagSet("corpus", flag.ContinueOnError)
	n := fs.Int("bytes", 1<<20, "approximate document size in bytes")
	seed := fs.Int64("seed", 1, "generator seed (same size and seed, same document)")
	out := fs.String("out", "", "output file (default stdout)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: l0ctl corpus [--bytes N] [--seed S] [--out FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *n < 0 {
		fs.Usage()
		return 2
	}
	doc := corpus.Generate(*n, *seed)
	if *out == "" {
		if _, err := os.Stdout.Write(doc); err != nil {
			fmt.Fprintf(os.Stderr, "l0ctl corpus: cannot write to stdout: %v\n", err)
			return 2
		}
		return 0
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl corpus: cannot write the corpus: %v\n", err)
		return 2
	}
	return 0
}
