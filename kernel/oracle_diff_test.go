package kernel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"l0lex/kernel"
)

// texdumpPath returns the oracle script: $TEXDUMP, or shared/oracle/texdump
// beside the module root (../shared from the repository). The test skips
// when luatex or the script is missing, and fails instead when CI=true.
func texdumpPath(t *testing.T) string {
	t.Helper()
	need := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: the oracle is required; install texlive-luatex)", msg)
		}
		t.Skipf("%s: skipping the live oracle comparison", msg)
	}
	if _, err := exec.LookPath("luatex"); err != nil {
		need("luatex is not on PATH (apt-get install -y texlive-luatex)")
	}
	p := os.Getenv("TEXDUMP")
	if p == "" {
		root, err := moduleRoot()
		if err != nil {
			need("cannot find the module root: %v", err)
		}
		p = filepath.Join(root, "..", "shared", "oracle", "texdump")
	}
	if _, err := os.Stat(p); err != nil {
		need("cannot find the texdump oracle (set TEXDUMP): %v", err)
	}
	return p
}

// moduleRoot returns the directory holding go.mod, from the working
// directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

var texErrLine = regexp.MustCompile(`^texdump: .*:(\d+): TeX error: (.*)$`)

// runTexdump runs the oracle on file and returns its tokens and its TeX
// errors in the .errors format ("LINE: MESSAGE\n" each).
func runTexdump(ctx context.Context, texdump, file string) (tokens []byte, texErrs string, err error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, texdump, file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("texdump %s: %v: %s", file, err, lastLines(stderr.String(), 5))
	}
	var b strings.Builder
	for _, ln := range strings.Split(stderr.String(), "\n") {
		if m := texErrLine.FindStringSubmatch(ln); m != nil {
			b.WriteString(m[1] + ": " + m[2] + "\n")
		}
	}
	return stdout.Bytes(), b.String(), nil
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}

// hostile returns a small random document built from the pieces TeX's
// input processor treats specially: escapes, carets and every ^^ form, hex
// digits in both cases, broken and unusual UTF-8, NUL, DEL, form feed,
// every line ending, spaces and tabs (trailing too), comments, braces.
func hostile(r *rand.Rand, size int) []byte {
	pieces := []string{
		"\\", "\\", "\\", "^", "^^", "^^", "^^^^", "^^^^^^", "^^^", "a", "b", "c", "e", "f", "z", "A", "E", "F",
		"0", "1", "2", "5", "7", "9", "@", "foo", "par", " ", " ", "  ", "\t", "\n", "\n", "\r", "\r\n", "\n\n",
		"%", "{", "}", "$", "$$", "&", "#", "_", "~", "\x00", "\x7f", "\x0c", "\x0b", "\x1b", "\x1c",
		"é", "∀", "😀", "\u00a0", "\u200b", "\ufeff", "\ufffd", "\xe9", "\x80", "\xbf", "\xc0", "\xc1", "\xc3",
		"\xe2\x88", "\xed\xa0\x80", "\xf0\x9f", "\xf4\x90\x80\x80", "\xf8", "\xff", "\\\n", "\\ \n", "^^\n",
		"\\^^", "^^5c", "^^7b", "^^7e", "^^0c", "^^25", "^^20", "^^4d", "^^M", "^^00", "^^e9", "^^^^00e9",
		"^^^^ffff", "^^^^^^01f600", "^^^^^^10ffff", "^^^^^^2000e9", " \n",
	}
	if r.IntN(2) == 0 {
		// Dense control-sequence names with ^^ forms in and after them,
		// short lines, names running into the end of the line.
		pieces = []string{"\\", "\\", "\\", "^", "^^", "^^", "^^", "^^^^", "^^^^^^", "a", "b", "c", "e", "f", "0", "1", "5",
			"7", "9", "M", "?", "@", " ", "\n", "\n", "\r", "\xe9", "\xc3", "\xc1", "\x80", "\xe2\x88", "%", "{", "5c", "20"}
	}
	var b []byte
	for len(b) < size {
		if r.IntN(8) == 0 {
			b = append(b, byte(r.IntN(256)))
			continue
		}
		b = append(b, pieces[r.IntN(len(pieces))]...)
	}
	return b
}

// activeAlias matches ^^^^^^ forms at or above 0x200000, which LuaTeX can
// turn into an active character named from memory past a C string; texdump
// refuses such files (see the oracle's README).
var activeAlias = regexp.MustCompile(`\^\^\^\^\^\^[0-9a-f]{6}`)

func aliasesActive(doc []byte) bool {
	for _, m := range activeAlias.FindAll(doc, -1) {
		v, _ := strconv.ParseUint(string(m[6:]), 16, 32)
		if v >= 0x200000 {
			if c := v & 0x1FFFFF; c == '~' || c == '\f' {
				return true
			}
		}
	}
	return false
}

// compareWithOracle lexes doc with every lexer and compares with texdump's
// tokens and errors; it returns a description of the first difference.
func compareWithOracle(doc, want []byte, wantErrs string) string {
	for _, lf := range lexFuncs() {
		a := kernel.NewArena(kernel.SizeFor(doc))
		if err := lf.lex(a, doc); err != nil {
			return fmt.Sprintf("%s: lex: %v", lf.name, err)
		}
		if got := a.AppendDump(nil); !bytes.Equal(got, want) {
			return fmt.Sprintf("%s: tokens differ: %s", lf.name, firstDiff(got, want))
		}
		if got := texErrors(a); got != wantErrs {
			return fmt.Sprintf("%s: TeX errors differ: got %q, want %q", lf.name, got, wantErrs)
		}
	}
	return ""
}

// TestOracleRandom is the differential test against LuaTeX: random hostile
// documents, each lexed by every path and by texdump (several texdump runs
// in parallel), within a bounded time. L0_ORACLE_N sets the number of
// documents (default 120), L0_ORACLE_SEED the seed (default: time-based,
// printed). The first differing document is kept and named in the failure.
func TestOracleRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the live oracle comparison")
	}
	texdump := texdumpPath(t)
	n := envInt("L0_ORACLE_N", 120)
	seed := uint64(envInt("L0_ORACLE_SEED", int(time.Now().UnixNano()%1e9)))
	budget := time.Duration(envInt("L0_ORACLE_SECONDS", 60)) * time.Second
	t.Logf("random oracle comparison: %d documents, seed %d (L0_ORACLE_SEED), budget %v", n, seed, budget)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), budget+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(budget)

	type result struct {
		i    int
		file string
		diff string
	}
	jobs := make(chan int)
	results := make(chan result)
	workers := min(4, max(2, runtime.NumCPU()))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				doc := hostile(r, 20+r.IntN(300))
				if aliasesActive(doc) {
					results <- result{i: i, diff: "skip"}
					continue
				}
				file := filepath.Join(dir, fmt.Sprintf("hostile_%d.tex", i))
				if err := os.WriteFile(file, doc, 0o644); err != nil {
					results <- result{i, file, err.Error()}
					continue
				}
				want, wantErrs, err := runTexdump(ctx, texdump, file)
				if err != nil {
					results <- result{i, file, err.Error()}
					continue
				}
				results <- result{i, file, compareWithOracle(doc, want, wantErrs)}
			}
		}()
	}
	go func() {
		for i := 0; i < n && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	done, skipped := 0, 0
	var failures []result
	for r := range results {
		switch r.diff {
		case "":
			done++
		case "skip":
			skipped++
		default:
			failures = append(failures, r)
		}
	}
	t.Logf("%d documents identical to LuaTeX, %d skipped (active-character aliasing), %d differ", done, skipped, len(failures))
	if len(failures) > 0 {
		first := failures[0]
		for _, f := range failures {
			if f.i < first.i {
				first = f
			}
		}
		keep := filepath.Join(os.TempDir(), fmt.Sprintf("l0lex_oracle_diff_seed%d_%d.tex", seed, first.i))
		if doc, err := os.ReadFile(first.file); err == nil {
			_ = os.WriteFile(keep, doc, 0o644)
		}
		t.Fatalf("%d of %d documents differ from LuaTeX; first: document %d (seed %d), kept as %s: %s",
			len(failures), done+len(failures), first.i, seed, keep, first.diff)
	}
	if done == 0 {
		t.Fatal("no document was compared")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}
