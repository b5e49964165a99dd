package kernel_test

import (
	"fmt"
	"strings"
	"testing"

	"l0lex/kernel"
)

// issueList renders the issues of a as "name@LINE:COL(arg)" joined by spaces.
func issueList(a *kernel.Arena) string {
	var s []string
	for _, is := range a.Issues() {
		s = append(s, fmt.Sprintf("%s@%d:%d(%d)", is.Code, is.Line, is.Col, is.Arg))
	}
	return strings.Join(s, " ")
}

func TestIssues(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"clean", "\\section{Intro} $x^2$ and $$y$$\n\nok\n", ""},
		{"invalid char", "a\x7fb\n", "invalid-char@1:2(127)"},
		{"invalid char via caret", "a^^?b\n", "invalid-char@1:2(127)"},
		{"nul", "a\x00b\n", "ignored-char@1:2(0)"},
		{"nul via caret", "a^^@b\n", "ignored-char@1:2(0)"},
		{"invalid utf8", "ab\xe9cd\n", "invalid-utf8@1:3(233)"},
		{"unmatched close", "a}\n{b}}\n", "unmatched-close@1:2(125) unmatched-close@2:4(125)"},
		{"unclosed groups", "{a{b}{\nc\n", "unclosed-group@1:1(1) unclosed-group@1:6(2)"},
		{"brace in comment ignored", "a % {\n\\{ b\n", ""},
		{"caret brace counts", "^^7ba\n", "unclosed-group@1:1(1)"},
		{"math at par", "a $x\n\nb $y$\n", "unclosed-math@1:3(1)"},
		{"display math at eof", "$$ x\n", "unclosed-math@1:1(2)"},
		{"math closed", "$a$ $$b$$ $c$\n", ""},
		{"math at literal par", "$x \\par y$\n", "unclosed-math@1:1(1) unclosed-math@1:10(1)"},
		{"math and \\partial", "$\\partial x$ \\par\n", ""},
		{"math and \\par in a comment", "$x % \\par\ny \\\\par$\n", ""},
		{"math at \\par written with carets", "$x \\p^^61r y$ ^^5cpar $z ^^5cpar\n", "unclosed-math@1:1(1) unclosed-math@1:13(1) unclosed-math@1:23(1)"},
		{"math at \\par at end of line", "a $x\\par\nb$ \\par\n", "unclosed-math@1:3(1) unclosed-math@2:2(1)"},
		{"escape at eof", "abc\\", "escape-at-eof@1:4(0)"},
		{"escape at eof with newline", "abc\\\n", "escape-at-eof@1:4(0)"},
		{"escape at line end not eof", "abc\\\nd\n", ""},
		{"incomplete caret4", "^^^^00E9\n", "incomplete-caret@1:1(4)"},
		{"incomplete caret4 eol", "^^^^0\n", "incomplete-caret@1:1(260)"},
		{"incomplete caret6", "^^^^^^01f6\n", "incomplete-caret@1:1(262)"},
		{"nbsp", "a\u00a0b\n", "invisible-unicode@1:2(160)"},
		{"zwsp and soft hyphen", "\u200bx\u00ad\u2060\u200c\u200d\n", "invisible-unicode@1:1(8203) invisible-unicode@1:5(173) invisible-unicode@1:7(8288) invisible-unicode@1:10(8204) invisible-unicode@1:13(8205)"},
		{"bom at start", "\ufeffa\n", ""},
		{"bom in middle", "a\ufeffb\n", "invisible-unicode@1:2(65279)"},
		{"nbsp via caret not flagged", "^^a0\n", ""},
		{"mixed line endings", "a\nb\r\nc\rd\n", "mixed-line-endings@2:2(3)"},
		{"consistent crlf", "a\r\nb\r\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := []byte(c.src)
			for _, lf := range lexFuncs() {
				a := kernel.NewArena(kernel.SizeFor(src))
				if err := lf.lex(a, src); err != nil {
					t.Fatal(err)
				}
				if got := issueList(a); got != c.want {
					t.Errorf("%s: %q:\n got: %s\nwant: %s", lf.name, c.src, got, c.want)
				}
				checkSpans(t, a, src)
			}
		})
	}
}

// TestIssuesTooMany: issues beyond the arena's capacity are counted, and a
// final too-many-issues entry says how many.
func TestIssuesTooMany(t *testing.T) {
	src := []byte(strings.Repeat("\x7f", 3000) + "\n")
	size := kernel.SizeFor(src)
	size.Issues = 100
	for _, lf := range lexFuncs() {
		a := kernel.NewArena(size)
		if err := lf.lex(a, src); err != nil {
			t.Fatal(err)
		}
		is := a.Issues()
		if len(is) != 100 {
			t.Fatalf("%s: %d issues stored, want 100", lf.name, len(is))
		}
		last := is[len(is)-1]
		if last.Code != kernel.IssueTooMany || last.Arg != 2901 || a.DroppedIssues() != 2901 {
			t.Fatalf("%s: last issue %v arg %d, dropped %d; want too-many-issues with 2901", lf.name, last.Code, last.Arg, a.DroppedIssues())
		}
		if is[98].Code != kernel.IssueInvalidChar || is[98].Off != 98 {
			t.Fatalf("%s: issue 98 is %v at %d", lf.name, is[98].Code, is[98].Off)
		}
		checkSpans(t, a, src)
	}
}

// TestIssueCodes: every code has a stable name that parses back, a message
// and a severity; the TeX errors have TeX's exact texts.
func TestIssueCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range kernel.IssueCodes() {
		name := c.String()
		if name == "" || name == "unknown" || seen[name] {
			t.Fatalf("code %d: bad or duplicate name %q", c, name)
		}
		seen[name] = true
		if back, ok := kernel.ParseIssueCode(name); !ok || back != c {
			t.Fatalf("ParseIssueCode(%q) = %d, %v", name, back, ok)
		}
		if c.Message() == "" {
			t.Fatalf("code %s has no message", name)
		}
	}
	if len(seen) != 11 {
		t.Fatalf("%d codes, want 11", len(seen))
	}
	for _, c := range []struct {
		is   kernel.Issue
		want string
	}{
		{kernel.Issue{Code: kernel.IssueInvalidChar}, "Text line contains an invalid character"},
		{kernel.Issue{Code: kernel.IssueInvalidUTF8}, "String contains an invalid utf-8 sequence"},
		{kernel.Issue{Code: kernel.IssueIncompleteCaret, Arg: 4}, "^^^^ needs four hex digits"},
		{kernel.Issue{Code: kernel.IssueIncompleteCaret, Arg: 0x104}, "^^^^ needs four hex digits, end of input"},
		{kernel.Issue{Code: kernel.IssueIncompleteCaret, Arg: 6}, "^^^^^^ needs six hex digits"},
		{kernel.Issue{Code: kernel.IssueIncompleteCaret, Arg: 0x106}, "^^^^^^ needs six hex digits, end of input"},
		{kernel.Issue{Code: kernel.IssueUnmatchedClose}, "Too many }'s"},
		{kernel.Issue{Code: kernel.IssueUnclosedMath, Arg: 1}, "Missing $ inserted"},
	} {
		if got := c.is.Message(); got != c.want {
			t.Errorf("%v: message %q, want %q", c.is.Code, got, c.want)
		}
		if !c.is.Code.TeXError() && c.is.Code != kernel.IssueUnmatchedClose && c.is.Code != kernel.IssueUnclosedMath {
			t.Errorf("%v should be a TeX error", c.is.Code)
		}
	}
}
