package proto_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"l0lex/kernel"
	"l0lex/proto"
)

// lexed lexes doc with the active kernel into a fresh arena.
func lexed(t testing.TB, doc []byte) *kernel.Arena {
	t.Helper()
	a := kernel.NewArena(kernel.SizeFor(doc))
	if err := kernel.Lex(a, doc, nil); err != nil {
		t.Fatalf("cannot lex %q: %v", doc, err)
	}
	return a
}

// crafted returns an arena for doc whose tokens are replaced by the given
// ones (each a control sequence when name is true: a backslash and the
// letters after it), independent of the kernel's own tokens.
func crafted(t testing.TB, doc string, toks []craftTok) *kernel.Arena {
	a := lexed(t, []byte(doc))
	for i, c := range toks {
		if c.cs {
			a.Val[i] = 1 // catcode 0, escape of 1 byte, name from the source
		} else if c.active {
			a.Val[i] = kernel.PackActive(c.code)
		} else {
			a.Val[i] = kernel.PackChar(c.cat, c.code)
		}
		if c.len >= kernel.LongLen {
			t.Fatalf("crafted token %d: length %d: crafted lengths stay below kernel.LongLen", i, c.len)
		}
		a.Off[i], a.Len[i] = c.off, uint8(c.len)
	}
	a.N = len(toks)
	return a
}

type craftTok struct {
	cs        bool
	active    bool
	cat, code uint32
	off, len  uint32
}

// checkAgainstArena decodes frame and compares it with the arena.
func checkAgainstArena(t *testing.T, frame []byte, a *kernel.Arena, reqID uint64, origin uint8) *proto.FullResult {
	t.Helper()
	d := proto.NewDecoder(proto.FromServer, 0)
	f, n, err := d.Decode(frame)
	if err != nil || n != len(frame) {
		t.Fatalf("Decode: n=%d of %d, %v", n, len(frame), err)
	}
	if f.Type != proto.TypeReplyFull || f.ReqID != reqID {
		t.Fatalf("header %+v", f.Header)
	}
	res, err := proto.ParseFullReply(f.Payload)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := kernel.Active()
	if res.Origin != origin || res.Kernel != path.String() || res.DocLen != uint32(len(a.Source())) {
		t.Errorf("origin %d kernel %q doc_len %d", res.Origin, res.Kernel, res.DocLen)
	}
	if len(res.Tokens) != a.N {
		t.Fatalf("%d tokens, arena has %d", len(res.Tokens), a.N)
	}
	for i, got := range res.Tokens {
		want := a.Token(i)
		if got.Kind != want.Kind || got.Cat != want.Cat || got.Code != want.Code ||
			got.Off != want.Off || got.Len != want.Len || got.Name != string(a.Name(i)) {
			t.Fatalf("token %d: got %+v, arena %+v name %q", i, got, want, a.Name(i))
		}
	}
	is := a.Issues()
	if len(res.Issues) != len(is) || res.Dropped != uint32(a.DroppedIssues()) {
		t.Fatalf("%d issues (+%d dropped), arena %d (+%d)", len(res.Issues), res.Dropped, len(is), a.DroppedIssues())
	}
	for i, got := range res.Issues {
		w := is[i]
		if got.Code != w.Code || got.Off != w.Off || got.Line != w.Line || got.Col != w.Col ||
			got.Arg != w.Arg || got.Severity != w.Code.Severity() {
			t.Errorf("issue %d: got %+v, arena %+v", i, got, w)
		}
	}
	return res
}

func TestFullReplyCrafted(t *testing.T) {
	doc := "\\foo{é}\\foo  \\bar^^41\n\n"
	toks := []craftTok{
		{cs: true, off: 0, len: 4},                         // \foo
		{cat: 1, code: '{', off: 4, len: 1},                // {
		{cat: 12, code: 0xe9, off: 5, len: 2},              // é, default length 2
		{cat: 2, code: '}', off: 7, len: 1},                // }
		{cs: true, off: 8, len: 4},                         // \foo again: dictionary reference
		{cs: true, off: 14, len: 4},                        // \bar after a gap of 2
		{cat: 11, code: 'A', off: 18, len: 4},              // ^^41: length 4
		{cat: 10, code: ' ', off: 22, len: 0},              // zero length
		{cs: true, off: 1, len: 3},                         // backwards gap: name "oo"
		{cat: 12, code: 7<<21 | 0x1fffff, off: 23, len: 1}, // ^^^^^^ffffff: printed c 19 2097151
		{cat: 12, code: 1<<21 | 0xe9, off: 23, len: 1},     // ^^^^^^2000e9: printed c 13 233
		{active: true, code: '~', off: 23, len: 1},         // active, overlapping
	}
	a := crafted(t, doc, toks)
	frame := proto.AppendFullReply(nil, 77, proto.OriginHedge, a)
	res := checkAgainstArena(t, frame, a, 77, proto.OriginHedge)
	if res.Names != 3 {
		t.Errorf("%d names defined, want 3 (foo, bar, oo)", res.Names)
	}
	if k := res.Tokens[11].Kind; k != kernel.KindActive {
		t.Errorf("token 11 kind %v", k)
	}
	if tk := res.Tokens[10]; tk.Kind != kernel.KindChar || tk.Cat != 13 || tk.Code != 0xe9 {
		t.Errorf("token 10: %+v, want c 13 233", tk)
	}
}

func TestFullReplyLexed(t *testing.T) {
	docs := []string{
		"",
		"a\n",
		"\\documentclass{article}\n\\begin{document}\nHello $x^2$ world. % c\n\n\\end{document}\n",
		"\\é x\\∀y ^^41 ^^^^00e9 \x7f \xe9bcd {{{ }\n",
		strings.Repeat("\\alpha\\beta{x}_1 ", 2000),
	}
	for i, doc := range docs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			a := lexed(t, []byte(doc))
			frame := proto.AppendFullReply(nil, uint64(i), proto.OriginPrimary, a)
			checkAgainstArena(t, frame, a, uint64(i), proto.OriginPrimary)
			// Appending after other bytes gives the same frame.
			pre := []byte("prefix")
			both := proto.AppendFullReply(pre, uint64(i), proto.OriginPrimary, a)
			if !bytes.Equal(both[len(pre):], frame) {
				t.Error("frame depends on dst's existing contents")
			}
		})
	}
}

// TestFullReplyLongTokens: tokens of kernel.LongLen bytes or more (whose
// lengths the arena keeps aside) are encoded with their whole length.
func TestFullReplyLongTokens(t *testing.T) {
	doc := "\\" + strings.Repeat("a", 300) + " x \\" + strings.Repeat("^^62", 80) + "{y}\n" + strings.Repeat("\\"+strings.Repeat("z", 254)+"\n", 3)
	a := lexed(t, []byte(doc))
	long := 0
	for i := 0; i < a.N; i++ {
		if a.Len[i] == kernel.LongLen {
			long++
		}
	}
	if long != 5 {
		t.Fatalf("%d long tokens in the test document, want 5", long)
	}
	checkAgainstArena(t, proto.AppendFullReply(nil, 1, 1, a), a, 1, 1)
}

// TestFullReplyManyNames overflows the encoder's dictionary: names past its
// capacity are defined again at each use, and the result still decodes.
func TestFullReplyManyNames(t *testing.T) {
	var doc strings.Builder
	var toks []craftTok
	for round := 0; round < 2; round++ {
		for i := 0; i < proto.DictMax+100; i++ {
			name := fmt.Sprintf("\\n%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676%26)
			toks = append(toks, craftTok{cs: true, off: uint32(doc.Len()), len: uint32(len(name))})
			doc.WriteString(name)
		}
	}
	a := crafted(t, doc.String(), toks)
	frame := proto.AppendFullReply(nil, 1, 1, a)
	res := checkAgainstArena(t, frame, a, 1, 1)
	if want := uint32(proto.DictMax + 200); res.Names != want {
		t.Errorf("%d names defined, want %d", res.Names, want)
	}
}

func TestFullReplyNoAlloc(t *testing.T) {
	a := lexed(t, []byte(strings.Repeat("\\section{Intro} text $a_1^2$ \\foo\\bar ~\n", 500)))
	buf := proto.AppendFullReply(nil, 1, 1, a)
	allocs := testing.AllocsPerRun(20, func() {
		buf = proto.AppendFullReply(buf[:0], 1, 1, a)
	})
	if allocs != 0 {
		t.Errorf("AppendFullReply allocates %.1f times per call with enough capacity", allocs)
	}
}

func TestParseFullReplyRejects(t *testing.T) {
	good, err := proto.AppendFullResult(nil, 4, exampleFull())
	if err != nil {
		t.Fatal(err)
	}
	p := good[proto.HeaderLen:]
	// Every strict prefix is refused.
	for n := 0; n < len(p); n++ {
		if _, err := proto.ParseFullReply(p[:n]); err == nil {
			t.Errorf("accepted the first %d of %d bytes", n, len(p))
		}
	}
	mut := func(at int, v byte) []byte {
		b := bytes.Clone(p)
		b[at] = v
		return b
	}
	// grow sets b[at] = v and inserts byte x at ins (growing the token
	// section by one byte).
	grow := func(at int, v byte, ins int, x byte) []byte {
		b := append(append(bytes.Clone(p[:ins]), x), p[ins:]...)
		b[at] = v
		b[30]++
		return b
	}
	// Offsets in the example payload: 7 doc_len, 11 n_tokens, 15 n_names,
	// 19 n_issues, 23 dropped, 27 tokens_len, 31 first tag.
	bad := map[string][]byte{
		"version":        mut(0, 2),
		"n_tokens":       mut(14, 8),
		"n_names":        mut(18, 2),
		"n_issues":       mut(22, 0),
		"tokens_len":     mut(30, 0x10),
		"reserved tag":   mut(31, 0x80),
		"undefined name": mut(43, 2),
		"gap flag zero":  grow(36, 0x21, 38, 0x00),
		"len flag dflt":  grow(36, 0x41, 38, 0x01),
		"long varint":    grow(39, 0xe1, 40, 0x00),
		"issue reserved": mut(len(p)-17, 1),
		"trailing":       append(bytes.Clone(p), 0),
	}
	for name, b := range bad {
		if _, err := proto.ParseFullReply(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkAppendFullReply(b *testing.B) {
	benchFullReply(b, []byte(strings.Repeat("\\section{Intro} Some text with $a_1^2 + \\alpha$ and \\emph{more}.\n", 5000)))
}

// benchFullReply measures encoding the full result of doc and returns the
// frame (the timer stopped).
func benchFullReply(b *testing.B, doc []byte) []byte {
	a := lexed(b, doc)
	buf := proto.AppendFullReply(nil, 1, 1, a)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = proto.AppendFullReply(buf[:0], 1, 1, a)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(buf))/float64(a.N), "B/token")
	return buf
}

// TestDumpMatchesArena checks that a full result prints exactly as the
// arena it was encoded from.
func TestDumpMatchesArena(t *testing.T) {
	doc := []byte("\\documentclass{article}\n\\é x~ ^^^^^^2000e9 \\a^^62c $$x$$\n\n\\\\")
	a := lexed(t, doc)
	res, err := proto.ParseFullReply(proto.AppendFullReply(nil, 1, 1, a)[proto.HeaderLen:])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.AppendDump(nil), a.AppendDump(nil); !bytes.Equal(got, want) {
		t.Errorf("dump differs:\n%s\nwant\n%s", got, want)
	}
}

// BenchmarkAppendFullReplyCorpus encodes the seed's benchmark document
// (../shared/corpus/perf_smoke_big.tex) when it is present.
func BenchmarkAppendFullReplyCorpus(b *testing.B) {
	doc, err := os.ReadFile("../../shared/corpus/perf_smoke_big.tex")
	if err != nil {
		b.Skipf("benchmark corpus not present: %v", err)
	}
	buf := benchFullReply(b, doc)
	b.ReportMetric(float64(len(buf)), "frame-bytes")
	start := time.Now()
	if _, err := proto.ParseFullReply(buf[proto.HeaderLen:]); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds()), "parse-µs")
}
