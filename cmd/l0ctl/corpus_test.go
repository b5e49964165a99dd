package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"l0lex/kernel/corpus"
)

func TestRunCorpus(t *testing.T) {
	out := filepath.Join(t.TempDir(), "thesis.tex")
	if rc := runCorpus([]string{"--bytes", "20000", "--seed", "9", "--out", out}); rc != 0 {
		t.Fatalf("exit %d", rc)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, corpus.Generate(20000, 9)) {
		t.Error("the written corpus differs from corpus.Generate")
	}
	if rc := runCorpus([]string{"--bytes", "-1"}); rc != 2 {
		t.Errorf("--bytes -1: exit %d, want 2", rc)
	}
	if rc := runCorpus([]string{"--out", filepath.Join(t.TempDir(), "no", "such", "dir")}); rc != 2 {
		t.Errorf("unwritable --out: exit %d, want 2", rc)
	}
}
