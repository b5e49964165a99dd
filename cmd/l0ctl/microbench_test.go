package main

import (
	"bytes"
	"strings"
	"testing"

	"l0lex/kernel"
	"l0lex/kernel/corpus"
)

// TestMicrobench runs the measurement on a small thesis and checks that
// every available path and the copy floor get a row with the same token
// count, and that no path allocates.
func TestMicrobench(t *testing.T) {
	src := corpus.Generate(64<<10, 1)
	rows, err := microbench(src, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.LexReference(a, src, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, p := range kernel.Paths {
		if ok, _ := kernel.Available(p); ok {
			want = append(want, p.String(), p.String()+"-count")
		}
	}
	want = append(want, "copy")
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %v", len(rows), want)
	}
	for i, r := range rows {
		if r.name != want[i] || r.tokens != a.N || len(r.times) != 3 || len(r.cpu) != 3 {
			t.Errorf("row %d: %s, %d tokens, %d times; want %s, %d tokens, 3 times", i, r.name, r.tokens, len(r.times), want[i], a.N)
		}
		if r.name != "copy" && r.allocs != 0 {
			t.Errorf("%s allocated %d objects in 3 documents", r.name, r.allocs)
		}
	}
	var out bytes.Buffer
	printRows(&out, rows)
	for _, w := range append(want, "ns/token", "allocs/doc", "p99/doc", "best ns/token") {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}

func TestMicrobenchUsage(t *testing.T) {
	if rc := runMicrobench([]string{"--iters", "0", "--file", "x"}); rc != 2 {
		t.Errorf("--iters 0: exit %d, want 2", rc)
	}
	if rc := runMicrobench(nil); rc != 2 {
		t.Errorf("no --file: exit %d, want 2", rc)
	}
}
