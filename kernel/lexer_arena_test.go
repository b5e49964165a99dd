package kernel_test

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"l0lex/kernel"
	"l0lex/kernel/corpus"
)

// TestArenaFull: an arena too small for a document gives ErrArenaFull,
// never a panic or a truncated result, whichever capacity runs out.
func TestArenaFull(t *testing.T) {
	src := []byte(strings.Repeat("\\a^^62c x\\\xe9\n", 200))
	full := kernel.SizeFor(src)
	for _, c := range []struct {
		name string
		size kernel.ArenaSize
	}{
		{"tokens", kernel.ArenaSize{Tokens: 100, Issues: full.Issues, Lines: full.Lines, NameBytes: full.NameBytes}},
		{"lines", kernel.ArenaSize{Tokens: full.Tokens, Issues: full.Issues, Lines: 10, NameBytes: full.NameBytes}},
		{"names", kernel.ArenaSize{Tokens: full.Tokens, Issues: full.Issues, Lines: full.Lines, NameBytes: 100}},
		{"empty", kernel.ArenaSize{}},
	} {
		for _, lf := range lexFuncs() {
			a := kernel.NewArena(c.size)
			err := lf.lex(a, src)
			if !errors.Is(err, kernel.ErrArenaFull) {
				t.Errorf("%s/%s: err = %v, want ErrArenaFull", c.name, lf.name, err)
			}
		}
	}
	for _, lf := range lexFuncs() {
		a := kernel.NewArena(full)
		if err := lf.lex(a, src); err != nil {
			t.Fatalf("%s: SizeFor arena: %v", lf.name, err)
		}
	}
}

// TestCancel: a raised cancel flag stops lexing with ErrCancelled.
func TestCancel(t *testing.T) {
	src := corpus.Generate(512<<10, 3)
	var stop atomic.Bool
	stop.Store(true)
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.LexReference(a, src, &stop); !errors.Is(err, kernel.ErrCancelled) {
		t.Fatalf("reference: err = %v, want ErrCancelled", err)
	}
	for _, p := range kernel.Paths {
		if ok, _ := kernel.Available(p); ok {
			if err := kernel.LexWith(p, a, src, &stop); !errors.Is(err, kernel.ErrCancelled) {
				t.Fatalf("%s: err = %v, want ErrCancelled", p, err)
			}
		}
	}
	stop.Store(false)
	if err := kernel.LexReference(a, src, &stop); err != nil {
		t.Fatalf("not cancelled: %v", err)
	}
}

// TestArenaReuse: lexing into a used arena gives the same result as a fresh
// one, and the reference driver allocates nothing per document.
func TestArenaReuse(t *testing.T) {
	docs := [][]byte{
		corpus.Generate(64<<10, 5),
		[]byte("\\a^^62c \\x^^5c^^5c{\n\x7f$\n\n\\"),
		corpus.Generate(32<<10, 6),
	}
	big := kernel.NewArena(kernel.SizeForBytes(128 << 10))
	for _, lf := range lexFuncs() {
		for i, d := range docs {
			fresh := kernel.NewArena(kernel.SizeFor(d))
			if err := lf.lex(fresh, d); err != nil {
				t.Fatal(err)
			}
			if err := lf.lex(big, d); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fresh.AppendDump(nil), big.AppendDump(nil)) || issueList(fresh) != issueList(big) {
				t.Fatalf("%s: document %d: reused arena differs from a fresh one", lf.name, i)
			}
			for j := 0; j < fresh.N; j++ {
				if fresh.Token(j) != big.Token(j) {
					t.Fatalf("%s: document %d token %d: %+v vs %+v", lf.name, i, j, fresh.Token(j), big.Token(j))
				}
			}
		}
	}
	d := docs[0]
	allocs := testing.AllocsPerRun(20, func() {
		if err := kernel.LexReference(big, d, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("reference driver: %.1f allocations per document, want 0", allocs)
	}
}

// TestSpansAndNames: spans cover what the file comment of lexer.go says, and
// names come back as TeX stores them.
func TestSpansAndNames(t *testing.T) {
	src := []byte("\\foo  ^^41\\a^^62c{x}\\\n\\^^M~\r\n\r\n\\\xe9")
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.LexReference(a, src, nil); err != nil {
		t.Fatal(err)
	}
	type tok struct {
		dump string
		off  uint32
		n    uint32
	}
	want := []tok{
		{"s foo", 0, 4}, {"c 11 65", 6, 4}, {"s abc", 10, 7}, {"c 1 123", 17, 1}, {"c 11 120", 18, 1},
		{"c 2 125", 19, 1}, {"s %0D", 20, 2}, {"s %0D", 22, 4}, {"a 126", 26, 1}, {"c 10 32", 27, 2},
		{"s par", 29, 2}, {"s %E9%0D%20", 31, 2},
	}
	if a.N != len(want) {
		t.Fatalf("%d tokens, want %d:\n%s", a.N, len(want), a.AppendDump(nil))
	}
	for i, w := range want {
		got := strings.TrimSuffix(string(a.AppendDump(nil)), "\n")
		line := strings.Split(got, "\n")[i]
		if line != w.dump || a.Off[i] != w.off || a.TokenLen(i) != w.n {
			t.Errorf("token %d: %s at %d+%d, want %s at %d+%d", i, line, a.Off[i], a.TokenLen(i), w.dump, w.off, w.n)
		}
	}
	if got := a.NameString(2); got != "abc" {
		t.Errorf("name of token 2: %q", got)
	}
	if line, col := a.LineCol(a.Off[8]); line != 2 || col != 5 {
		t.Errorf("LineCol of ~: %d:%d, want 2:5", line, col)
	}
}

// TestUndefinedInLuaTeX pins what the kernel does where LuaTeX has no
// defined answer (docs/lexer.md, Limitations): an active character reached
// through ^^^^^^ aliasing is the active character of the value modulo 2^21,
// and the byte past the end of a line reads as 0x20.
func TestUndefinedInLuaTeX(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"^^^^^^20007e x\n", "a 126\nc 10 32\nc 11 120\nc 10 32\n"},
		{"^^^^^^40000c\n", "a 12\nc 10 32\n"},
		{"aaaaaaaaaaaa\n\\\xe9\n", strings.Repeat("c 11 97\n", 12) + "c 10 32\ns %E9%0D%20\n"},
	} {
		for _, lf := range lexFuncs() {
			a := kernel.NewArena(kernel.SizeFor([]byte(c.src)))
			if err := lf.lex(a, []byte(c.src)); err != nil {
				t.Fatal(err)
			}
			if got := string(a.AppendDump(nil)); got != c.want {
				t.Errorf("%s: %q: got %q, want %q", lf.name, c.src, got, c.want)
			}
		}
	}
}

// TestSizeForText: the text bound holds generated theses of every size (and
// lexes them without growing), but not a document of short lines, which
// needs SizeFor.
func TestSizeForText(t *testing.T) {
	for _, n := range []int{1 << 10, 64 << 10, 1 << 20} {
		src := corpus.Generate(n, 7)
		a := kernel.NewArena(kernel.SizeForText(len(src)))
		if !a.Fits(kernel.SizeFor(src)) {
			t.Fatalf("%d-byte thesis: SizeForText %+v does not fit SizeFor %+v", len(src), kernel.SizeForText(len(src)), kernel.SizeFor(src))
		}
		if err := kernel.Lex(a, src, nil); err != nil {
			t.Fatalf("%d-byte thesis: %v", len(src), err)
		}
	}
	short := bytes.Repeat([]byte("x\n"), 4096)
	if kernel.NewArena(kernel.SizeForText(len(short))).Fits(kernel.SizeFor(short)) {
		t.Errorf("a document of 2-byte lines fits the text bound")
	}
	// Control sequences named in ^^ notation of 3 bytes a letter, back to
	// back: their names outgrow the text bound, which says so
	// (ErrArenaFull), and SizeFor's arena, which Fits tells apart, lexes
	// them.
	carets := bytes.Repeat([]byte("\\"+strings.Repeat("^^!", 60)+" "), 2000)
	a := kernel.NewArena(kernel.SizeForText(len(carets)))
	if err := kernel.Lex(a, carets, nil); !errors.Is(err, kernel.ErrArenaFull) {
		t.Errorf("names in ^^ notation in a text arena: err = %v, want ErrArenaFull", err)
	}
	if a.Fits(kernel.SizeFor(carets)) {
		t.Errorf("the text arena fits SizeFor of a document whose names it cannot hold")
	}
	if err := kernel.Lex(kernel.NewArena(kernel.SizeFor(carets)), carets, nil); err != nil {
		t.Errorf("names in ^^ notation in a SizeFor arena: %v", err)
	}
}

// TestArenaBytesPerToken: an arena sized by SizeFor for a thesis (the
// generated corpus, whose byte statistics resemble real papers) takes at
// most 12 bytes per token it holds, everything counted (issue 2's bound).
func TestArenaBytesPerToken(t *testing.T) {
	for _, n := range []int{64 << 10, 1 << 20} {
		src := corpus.Generate(n, 3)
		a := kernel.NewArena(kernel.SizeFor(src))
		if err := kernel.Lex(a, src, nil); err != nil {
			t.Fatal(err)
		}
		if per := float64(a.Bytes()) / float64(a.N); per > 12 {
			t.Errorf("%d-byte thesis: arena of %d bytes for %d tokens: %.2f bytes per token, over 12", len(src), a.Bytes(), a.N, per)
		}
	}
}

// TestLongTokens: tokens of kernel.LongLen source bytes or more (long
// control words, names and characters written with ^^ notation) keep their
// whole length, which Len marks and TokenLen gives, on every path; and an
// arena whose table of long tokens is full gives ErrArenaFull.
func TestLongTokens(t *testing.T) {
	var b strings.Builder
	want := map[int]uint32{} // byte offset -> length, for the long tokens
	add := func(s string, long bool) {
		if long {
			want[b.Len()] = uint32(len(s))
		}
		b.WriteString(s)
	}
	for i, n := range []int{254, 255, 256, 300, 5000} {
		add("\\"+strings.Repeat("a", n), n+1 >= kernel.LongLen)
		add(" x{y}", false)
		add("\\"+strings.Repeat("^^62", n/4+i), 1+4*(n/4+i) >= kernel.LongLen) // a name in ^^ notation
		add(" \n", false)
	}
	src := []byte(b.String())
	var ref []byte
	for _, lf := range lexFuncs() {
		a := kernel.NewArena(kernel.SizeFor(src))
		if err := lf.lex(a, src); err != nil {
			t.Fatalf("%s: %v", lf.name, err)
		}
		found := 0
		for i := 0; i < a.N; i++ {
			n, w := a.TokenLen(i), want[int(a.Off[i])]
			long := a.Len[i] == kernel.LongLen
			switch {
			case w != 0 && (n != w || !long):
				t.Errorf("%s: token %d at %d: length %d (Len %d), want %d", lf.name, i, a.Off[i], n, a.Len[i], w)
			case w == 0 && (long || n != uint32(a.Len[i])):
				t.Errorf("%s: token %d at %d: Len %d, TokenLen %d", lf.name, i, a.Off[i], a.Len[i], n)
			}
			if w != 0 {
				found++
			}
		}
		if found != len(want) {
			t.Errorf("%s: %d long tokens, want %d", lf.name, found, len(want))
		}
		dump := a.AppendDump(nil)
		if ref == nil {
			ref = dump
		} else if !bytes.Equal(dump, ref) {
			t.Errorf("%s: dump differs from the reference's", lf.name)
		}
		// A small arena: room for the tokens but not for every long one.
		small := kernel.SizeFor(src)
		small.Tokens = 600
		if err := lf.lex(kernel.NewArena(small), src); !errors.Is(err, kernel.ErrArenaFull) {
			t.Errorf("%s: arena of 600 token slots: err = %v, want ErrArenaFull", lf.name, err)
		}
	}
}
