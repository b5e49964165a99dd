package kernel_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"l0lex/kernel"
)

// lexFunc is one way of lexing a document.
type lexFunc struct {
	name string
	lex  func(a *kernel.Arena, src []byte) error
}

// lexFuncs returns the reference driver and every kernel path available in
// this binary: all must give the same arena. L0_LEXERS (for example "ref" or
// "ref,purego") keeps only the named ones, for debugging.
func lexFuncs() []lexFunc {
	fs := allLexFuncs()
	if only := os.Getenv("L0_LEXERS"); only != "" {
		var keep []lexFunc
		for _, f := range fs {
			if strings.Contains(","+only+",", ","+f.name+",") {
				keep = append(keep, f)
			}
		}
		fs = keep
	}
	return fs
}

func allLexFuncs() []lexFunc {
	fs := []lexFunc{{"ref", func(a *kernel.Arena, src []byte) error { return kernel.LexReference(a, src, nil) }}}
	for _, p := range kernel.Paths {
		if ok, _ := kernel.Available(p); ok {
			fs = append(fs, lexFunc{p.String(), func(a *kernel.Arena, src []byte) error { return kernel.LexWith(p, a, src, nil) }})
		}
	}
	return fs
}

// texErrors returns the issues of a that LuaTeX reports as errors, in the
// format of the oracle's .errors files ("LINE: MESSAGE").
func texErrors(a *kernel.Arena) string {
	var b strings.Builder
	for _, is := range a.Issues() {
		if is.Code.TeXError() {
			fmt.Fprintf(&b, "%d: %s\n", is.Line, is.Message())
		}
	}
	return b.String()
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g := bytes.Split(got, []byte("\n"))
	w := bytes.Split(want, []byte("\n"))
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) || (i >= len(g)) != (i >= len(w)) {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "identical"
}

// TestOracleCases lexes every case copied from the oracle (testdata/oracle:
// NAME.tex, NAME.tokens and, when LuaTeX reported errors, NAME.errors) and
// compares the dump and the TeX errors byte for byte.
func TestOracleCases(t *testing.T) {
	texs, err := filepath.Glob("testdata/oracle/*.tex")
	if err != nil || len(texs) == 0 {
		t.Fatalf("no oracle cases in testdata/oracle: %v", err)
	}
	for _, lf := range lexFuncs() {
		for _, tex := range texs {
			name := strings.TrimSuffix(filepath.Base(tex), ".tex")
			t.Run(lf.name+"/"+name, func(t *testing.T) {
				src, err := os.ReadFile(tex)
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(strings.TrimSuffix(tex, ".tex") + ".tokens")
				if err != nil {
					t.Fatal(err)
				}
				wantErr, err := os.ReadFile(strings.TrimSuffix(tex, ".tex") + ".errors")
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				a := kernel.NewArena(kernel.SizeFor(src))
				if err := lf.lex(a, src); err != nil {
					t.Fatalf("lex: %v", err)
				}
				if got := a.AppendDump(nil); !bytes.Equal(got, want) {
					t.Errorf("tokens differ from the oracle: %s", firstDiff(got, want))
				}
				if got := texErrors(a); got != string(wantErr) {
					t.Errorf("TeX errors differ:\n got: %q\nwant: %q", got, wantErr)
				}
				checkSpans(t, a, src)
			})
		}
	}
}

// checkSpans checks the invariants every arena holds: spans in order and
// within the input, issues sorted and in range with consistent positions.
func checkSpans(t *testing.T, a *kernel.Arena, src []byte) {
	t.Helper()
	prevEnd := uint32(0)
	for i := 0; i < a.N; i++ {
		off, n := a.Off[i], a.TokenLen(i)
		if off < prevEnd || uint64(off)+uint64(n) > uint64(len(src)) {
			t.Fatalf("token %d: span [%d,+%d) out of order or range (previous end %d, input %d bytes)", i, off, n, prevEnd, len(src))
		}
		prevEnd = off + n
	}
	var prev uint32
	for i, is := range a.Issues() {
		if is.Off < prev || int(is.Off) > len(src) {
			t.Fatalf("issue %d (%v) at %d: unsorted or out of range", i, is.Code, is.Off)
		}
		prev = is.Off
		if line, col := a.LineCol(is.Off); uint32(line) != is.Line || uint32(col) != is.Col {
			t.Fatalf("issue %d (%v) at %d: line:col %d:%d, LineCol says %d:%d", i, is.Code, is.Off, is.Line, is.Col, line, col)
		}
	}
}
