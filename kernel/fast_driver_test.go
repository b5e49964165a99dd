package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"l0lex/kernel/corpus"
)

// fastMode is a variant of the fast driver.
type fastMode struct{ simd, block bool }

// fastPaths returns the fast driver's variants available here: both
// classifiers, with and without the block driver.
func fastPaths() map[string]fastMode {
	ps := map[string]fastMode{"purego": {false, false}, "purego+block": {false, true}}
	if simdUsable() {
		ps["avx2"] = fastMode{true, true}
		ps["avx2-block"] = fastMode{true, false}
	}
	return ps
}

// diffArenas describes the first difference between two lexed arenas, or
// returns "".
func diffArenas(want, got *Arena) string {
	if want.N != got.N {
		n := min(want.N, got.N)
		for i := 0; i < n; i++ {
			if want.Val[i] != got.Val[i] || want.Off[i] != got.Off[i] || want.TokenLen(i) != got.TokenLen(i) {
				return fmt.Sprintf("%d tokens, want %d; first difference at token %d: got %#x@%d+%d want %#x@%d+%d",
					got.N, want.N, i, got.Val[i], got.Off[i], got.TokenLen(i), want.Val[i], want.Off[i], want.TokenLen(i))
			}
		}
		return fmt.Sprintf("%d tokens, want %d (common prefix equal)", got.N, want.N)
	}
	for i := 0; i < want.N; i++ {
		if want.Val[i] != got.Val[i] || want.Off[i] != got.Off[i] || want.TokenLen(i) != got.TokenLen(i) {
			return fmt.Sprintf("token %d: got %#x@%d+%d want %#x@%d+%d",
				i, got.Val[i], got.Off[i], got.TokenLen(i), want.Val[i], want.Off[i], want.TokenLen(i))
		}
		if !bytes.Equal(want.Name(i), got.Name(i)) {
			return fmt.Sprintf("token %d: name %q, want %q", i, got.Name(i), want.Name(i))
		}
	}
	if !slices.Equal(want.Issues(), got.Issues()) {
		return fmt.Sprintf("issues %+v, want %+v", got.Issues(), want.Issues())
	}
	if want.DroppedIssues() != got.DroppedIssues() {
		return fmt.Sprintf("%d dropped issues, want %d", got.DroppedIssues(), want.DroppedIssues())
	}
	if !slices.Equal(want.lines, got.lines) {
		return fmt.Sprintf("line index %v, want %v", got.lines, want.lines)
	}
	return ""
}

// checkFastVsRef lexes src with lexRef and every fast variant into arenas
// of size s and fails on the first difference (results or errors).
func checkFastVsRef(t testing.TB, name string, src []byte, s ArenaSize) {
	t.Helper()
	ref := NewArena(s)
	refErr := lexRef(ref, src, nil)
	for pname, fm := range fastPaths() {
		got := NewArena(s)
		err := lexFastMode(got, src, nil, fm.simd, fm.block, false)
		if (err == nil) != (refErr == nil) || err != nil && err.Error() != refErr.Error() {
			t.Fatalf("%s/%s: error %v, reference %v", name, pname, err, refErr)
		}
		if refErr != nil {
			continue
		}
		if d := diffArenas(ref, got); d != "" {
			t.Fatalf("%s/%s (%d bytes %q): %s", name, pname, len(src), clip(src), d)
		}
		// Count mode: the same count, issues and line index.
		err = lexFastMode(got, src, nil, fm.simd, fm.block, true)
		if errors.Is(err, errRecount) {
			err = lexFastMode(got, src, nil, fm.simd, fm.block, false)
		}
		if err != nil {
			t.Fatalf("%s/%s count: error %v", name, pname, err)
		}
		if d := diffCounts(ref, got); d != "" {
			t.Fatalf("%s/%s count (%d bytes %q): %s", name, pname, len(src), clip(src), d)
		}
	}
}

// diffCounts describes the first difference between what Count fills in
// (the token count, issues and line index) of two arenas, or returns "".
func diffCounts(want, got *Arena) string {
	switch {
	case want.N != got.N:
		return fmt.Sprintf("%d tokens, want %d", got.N, want.N)
	case !slices.Equal(want.Issues(), got.Issues()):
		return fmt.Sprintf("issues %+v, want %+v", got.Issues(), want.Issues())
	case want.DroppedIssues() != got.DroppedIssues():
		return fmt.Sprintf("%d dropped issues, want %d", got.DroppedIssues(), want.DroppedIssues())
	case !slices.Equal(want.lines, got.lines):
		return fmt.Sprintf("line index %v, want %v", got.lines, want.lines)
	}
	return ""
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// TestFastVsRefFiles runs the differential check on every .tex file in
// testdata (the oracle's cases and the golden corpus) and on the seed
// corpus when present.
func TestFastVsRefFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.tex")
	top, _ := filepath.Glob("testdata/*.tex")
	files = append(append(files, top...), "../../shared/corpus/perf_smoke_big.tex")
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n++
		checkFastVsRef(t, f, src, SizeFor(src))
	}
	if n == 0 {
		t.Fatal("no .tex files under testdata")
	}
}

// TestFastVsRefCorpus checks generated theses of several sizes and seeds.
func TestFastVsRefCorpus(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		src := corpus.Generate(200_000*int(seed), seed)
		checkFastVsRef(t, fmt.Sprint("corpus seed ", seed), src, SizeFor(src))
	}
}

// TestFastVsRefLongLine checks a document that is one line of 300 KB (the
// cancel checks fall inside the line) and one of 200 KB of spaces.
func TestFastVsRefLongLine(t *testing.T) {
	line := bytes.Repeat([]byte("word \\foo{x}$y$ "), 300_000/16)
	checkFastVsRef(t, "long line", line, SizeFor(line))
	spaces := append(append([]byte("a"), bytes.Repeat([]byte(" \t"), 100_000)...), 'b')
	checkFastVsRef(t, "long spaces", spaces, SizeFor(spaces))
}

// hostile returns a random document built from the pieces that exercise
// TeX's reading rules: carets and ^^ forms, broken UTF-8, NUL/DEL/FF,
// CR/CRLF, backslashes at line ends, comments, braces, runs of spaces.
func hostile(r *rand.Rand, n int) []byte {
	pieces := []string{
		"a", "b", "Z", "word", "text more ", " ", "  ", "\t", " \t ", "\n", "\r\n", "\r", "\n\n",
		"\\", "\\foo", "\\foo ", "\\par", "\\par ", "\\a1", "\\ ", "\\\\", "\\%", "\\^", "\\~", "\\{",
		"\\\n", "\\ \n", "\\é", "\\\xe9", "\\ab\xe9", "\\ab\xc1\x81c",
		"^", "^^", "^^^", "^^^^", "^^41", "^^4a", "^^M", "^^I", "^^5c", "^^^^00e9", "^^^^^^01f600",
		"^^^^0", "^^é", "\\a^^62c", "\\^^5c", "^^^^^^2000e9", "^^z", "^^?",
		"%", "% comment\n", "{", "}", "$", "$$", "&", "#", "_", "~", "\x00", "\x7f", "\x0c", "\x0b",
		"é", "∀", "😀", "\xe9", "\x80", "\xff", "\xe2\x88", "\xc0\xaf", "\xef\xbb\xbf", "\u00a0", "\u200b",
		"   \n", "a   \n", "0123456789", "@", "!?.,;:", "\\foo@bar",
		"The quick brown fox jumps over the lazy dog; ", "x_{i}^{2} + \\alpha",
	}
	return piecesDoc(n, func() string {
		p := pieces[r.IntN(len(pieces))]
		if r.IntN(4) == 0 {
			// long plain runs cross blocks
			p = "Lorem ipsum dolor sit amet, consectetur {adipiscing} elit $x$ sed do eiusmod "
		}
		return p
	})
}

// piecesDoc appends pieces from next until the document has n bytes or more.
func piecesDoc(n int, next func() string) []byte {
	var b []byte
	for len(b) < n {
		b = append(b, next()...)
	}
	return b
}

// TestFastVsRefHostile checks random hostile documents, including arenas
// too small for them (both must fail the same way).
func TestFastVsRefHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	for i := 0; i < iters; i++ {
		src := hostile(r, r.IntN(600))
		s := SizeFor(src)
		checkFastVsRef(t, fmt.Sprint("hostile ", i), src, s)
		if i%10 == 0 {
			s.Tokens = r.IntN(s.Tokens + 1)
			checkFastVsRef(t, fmt.Sprint("hostile small arena ", i), src, s)
		}
	}
}

// TestFastVsRefGroupMath: random documents of braces, dollars and \par
// among text the block driver lexes on its own (no byte that stops it), so
// that its group and math check meets every pattern in every position of
// a block: nested and unmatched braces, $ and $$ next to each other or
// apart, math left open at a \par or a blank line.
func TestFastVsRefGroupMath(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	// Documents take their pieces from a random prefix of this list: the
	// shorter ones have no \par, no $$ and no line end.
	pieces := []string{
		"$", "a", " ", "x", "{", "}", "$x$", "bc", "word ", "\\frac{a}{b}", "{}", "}{", "$$", "\\foo",
		"\\{", "\\}", "\\$", "\n", "$$y$$", "\\par", "\\par ", "\n\n",
	}
	iters := 4000
	if testing.Short() {
		iters = 400
	}
	for i := 0; i < iters; i++ {
		weights := r.IntN(len(pieces)) + 1 // some documents use only a few pieces
		src := piecesDoc(r.IntN(1500), func() string { return pieces[r.IntN(weights)] })
		checkFastVsRef(t, fmt.Sprint("group/math ", i), src, SizeFor(src))
	}
}

// FuzzFastVsRef: every fast variant equals the reference driver (tokens,
// spans, names, issues, line index, errors), in count mode too (count,
// issues, line index), and never panics.
func FuzzFastVsRef(f *testing.F) {
	files, _ := filepath.Glob("testdata/oracle/*.tex")
	for _, fn := range files {
		if src, err := os.ReadFile(fn); err == nil {
			f.Add(src)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20; i++ {
		f.Add(hostile(r, 300))
		f.Add(blockDoc(r, 300, i%2 == 0))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFastVsRef(t, "fuzz", src, SizeFor(src))
		if bytes.IndexByte(src, '\n') >= 0 {
			// The same with CR LF line ends (the block driver's CR LF
			// mode needs every line end so far to be one).
			crlf := bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
			checkFastVsRef(t, "fuzz CR LF", crlf, SizeFor(crlf))
		}
		if len(src) > 0 && len(src) < 200 {
			// Repeated, a short input crosses the block driver's blocks
			// at every offset.
			long := bytes.Repeat(src, 400/len(src)+1)
			checkFastVsRef(t, "fuzz repeated", long, SizeFor(long))
		}
	})
}

// watchdog stops the test binary with a panic naming what when it is not
// stopped within d: a hang then fails the test instead of running into the
// go test timeout.
func watchdog(d time.Duration, what string) *time.Timer {
	return time.AfterFunc(d, func() { panic(fmt.Sprintf("%s: not lexed in %v", what, d)) })
}

// TestLongLines: lines longer than the cancel-check interval, made of each
// construct that changes how positions advance (a name rewritten by ^^
// inside it moves the reader into a buffer whose indices lag the source),
// give every fast variant the reference's result, and within a deadline:
// a rewritten line of 24 KB once made the fast driver check the cancel flag
// forever without reading on.
func TestLongLines(t *testing.T) {
	pieces := []string{`\a^^41`, `\a^^41^^42 `, `\^^41`, `x^^41y`, `\ab `, `a{b}$c$ `, `%`, `\a^^^^0041`, "\\a^^M"}
	for _, p := range pieces {
		for _, n := range []int{cancelEvery + 1, 2*cancelEvery + 100} {
			src := bytes.Repeat([]byte(p), n/len(p)+1)
			for _, tail := range []string{"", "\n", "\nz\n"} {
				doc := append(slices.Clip(src), tail...)
				w := watchdog(60*time.Second, fmt.Sprintf("TestLongLines: %q repeated to %d bytes", p, len(doc)))
				checkFastVsRef(t, fmt.Sprintf("%q x %d + %q", p, len(src)/len(p), tail), doc, SizeFor(doc))
				w.Stop()
			}
		}
	}
}

// TestManyLinesLinear: every driver finds line ends in time linear in the
// document, whatever its line ends. An 8 MB document of 8-byte lines takes
// a fraction of a second; a search that rescans the rest of the document
// for each line (as the pure-Go drivers once did for LF in a file with CR
// line ends) takes minutes, and the watchdog stops it.
func TestManyLinesLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("8 MB documents")
	}
	for _, eol := range []string{"\r", "\n", "\r\n"} {
		line := strings.Repeat("a", 8-len(eol)) + eol
		src := []byte(strings.Repeat(line, 8<<20/len(line)))
		a := NewArena(SizeFor(src))
		run := func(name string, lex func() error) {
			defer watchdog(20*time.Second, fmt.Sprintf("TestManyLinesLinear: %s, line end %q: 8 MB", name, eol)).Stop()
			if err := lex(); err != nil {
				t.Fatalf("%s, line end %q: %v", name, eol, err)
			}
			if want := len(src) / len(line) * (len(line) - len(eol) + 1); a.N != want {
				t.Fatalf("%s, line end %q: %d tokens, want %d", name, eol, a.N, want)
			}
		}
		run("ref", func() error { return lexRef(a, src, nil) })
		for name, fm := range fastPaths() {
			run(name, func() error { return lexFastMode(a, src, nil, fm.simd, fm.block, false) })
		}
	}
}
