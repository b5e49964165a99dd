package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// captureStdout runs f with os.Stdout redirected and returns what it wrote.
func captureStdout(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := f()
	os.Stdout = old
	w.Close()
	return <-done, code
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLexDumpMatchesOracleCase(t *testing.T) {
	want, err := os.ReadFile("../../kernel/testdata/oracle/cs_caret_in_name.tokens")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"ref", ""} {
		args := []string{"--dump", "../../kernel/testdata/oracle/cs_caret_in_name.tex"}
		if path != "" {
			args = append([]string{"--path", path}, args...)
		}
		out, code := captureStdout(t, func() int { return runLex(args) })
		if code != 0 || out != string(want) {
			t.Fatalf("path %q: exit %d, dump %q, want %q", path, code, out, want)
		}
	}
}

func TestLexIssuesAndExitCodes(t *testing.T) {
	clean := writeTemp(t, "clean.tex", "\\section{A} $x$\n")
	bad := writeTemp(t, "bad.tex", "a\x7fb}\n\u00a0\n")
	warn := writeTemp(t, "warn.tex", "a\u00a0b\n")

	out, code := captureStdout(t, func() int { return runLex([]string{clean}) })
	if code != 0 || !strings.Contains(out, "0 errors") {
		t.Fatalf("clean: exit %d, output %q", code, out)
	}
	out, code = captureStdout(t, func() int { return runLex([]string{warn}) })
	if code != 0 || !strings.Contains(out, warn+":1:2: invisible-unicode: ") {
		t.Fatalf("warnings only: exit %d, output %q", code, out)
	}
	out, code = captureStdout(t, func() int { return runLex([]string{bad}) })
	for _, w := range []string{
		bad + ":1:2: invalid-char: Text line contains an invalid character\n",
		bad + ":1:4: unmatched-close: Too many }'s\n",
		bad + ":2:1: invisible-unicode: ",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in:\n%s", w, out)
		}
	}
	if code != 1 {
		t.Errorf("errors: exit %d, want 1", code)
	}
	out, code = captureStdout(t, func() int { return runLex([]string{"--json", bad}) })
	var j struct {
		Tokens int `json:"tokens"`
		Errors int `json:"errors"`
		Issues []struct {
			Name string `json:"name"`
			Line int    `json:"line"`
			Col  int    `json:"col"`
		} `json:"issues"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json: %v in %q", err, out)
	}
	if code != 1 || j.Errors != 2 || len(j.Issues) != 3 || j.Issues[0].Name != "invalid-char" || j.Issues[2].Line != 2 {
		t.Fatalf("--json: exit %d, %+v", code, j)
	}
}

func TestLexUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--dump", "--json", "x.tex"},
		{"a.tex", "b.tex"},
		{"--path", "nosuch", "x.tex"},
		{filepath.Join(t.TempDir(), "missing.tex")},
	} {
		_, code := captureStdout(t, func() int { return runLex(args) })
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
