package kernel_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"l0lex/kernel"
	"l0lex/kernel/corpus"
)

// The corpus golden files (written by testdata/gen_golden.sh).
const (
	goldenCorpus  = "testdata/corpus_128k_s1.tex"
	goldenTokens  = "testdata/corpus_128k_s1.tokens.gz"
	goldenBytes   = 131072
	goldenSeed    = 1
	regenerateMsg = "run kernel/testdata/gen_golden.sh to regenerate the corpus golden files"
)

// TestCorpusGolden compares every lexer's dump of the committed generated
// corpus with LuaTeX's token stream for it, committed beside it.
func TestCorpusGolden(t *testing.T) {
	src, err := os.ReadFile(goldenCorpus)
	if err != nil {
		t.Fatalf("%v (%s)", err, regenerateMsg)
	}
	f, err := os.Open(goldenTokens)
	if err != nil {
		t.Fatalf("%v (%s)", err, regenerateMsg)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(want, []byte("\n")); n < 100000 {
		t.Fatalf("golden token file has only %d tokens", n)
	}
	for _, lf := range lexFuncs() {
		a := kernel.NewArena(kernel.SizeFor(src))
		if err := lf.lex(a, src); err != nil {
			t.Fatalf("%s: %v", lf.name, err)
		}
		if got := a.AppendDump(nil); !bytes.Equal(got, want) {
			t.Errorf("%s: dump differs from LuaTeX's: %s", lf.name, firstDiff(got, want))
		}
		checkSpans(t, a, src)
	}
}

// TestCorpusGoldenCurrent checks that the committed corpus is still what the
// generator writes, so that the golden file covers today's corpus.
func TestCorpusGoldenCurrent(t *testing.T) {
	src, err := os.ReadFile(goldenCorpus)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(corpus.Generate(goldenBytes, goldenSeed), src) {
		t.Fatalf("corpus.Generate(%d, %d) no longer matches %s: %s", goldenBytes, goldenSeed, goldenCorpus, regenerateMsg)
	}
}

// TestCorpusLive runs LuaTeX on a freshly generated 1 MB corpus (a seed the
// golden file does not use) and compares every lexer with it.
func TestCorpusLive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the live oracle comparison")
	}
	texdump := texdumpPath(t)
	src := corpus.Generate(1<<20, 20261125)
	file := filepath.Join(t.TempDir(), "corpus_1m.tex")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	want, wantErrs, err := runTexdump(ctx, texdump, file)
	if err != nil {
		t.Fatal(err)
	}
	if d := compareWithOracle(src, want, wantErrs); d != "" {
		t.Fatalf("generated corpus (1 MiB, seed 20261125): %s", d)
	}
	t.Logf("1 MiB generated corpus: %d tokens identical to LuaTeX", bytes.Count(want, []byte("\n")))
}
