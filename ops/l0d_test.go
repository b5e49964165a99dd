package ops

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binaries are the l0d and l0ctl executables a test built.
type binaries struct {
	l0d, l0ctl string
}

// goTool returns the go command the tests build with.
func goTool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		return "/usr/local/go/bin/go"
	}
	t.Fatalf("cannot find the go command to build l0d and l0ctl")
	return ""
}

// needService builds l0d and l0ctl from this tree into a temp dir (go's
// build cache makes repeats cheap; GOEXPERIMENT comes from the environment).
// It skips, naming what is missing, while the service's pieces are not
// written yet: cmd/l0d without a main package, or l0ctl without bench.
func needService(t testing.TB) binaries {
	t.Helper()
	root := repoRoot(t)
	mains, _ := filepath.Glob(filepath.Join(root, "cmd", "l0d", "*.go"))
	if len(mains) == 0 {
		t.Skip("cmd/l0d has no Go files yet: the l0d binary (event loop issue) is missing")
	}
	dir := t.TempDir()
	out, err := run(t, 10*time.Minute, nil, goTool(t), "build", "-C", root, "-o", dir+string(filepath.Separator), "./cmd/l0d", "./cmd/l0ctl")
	if err != nil && strings.Contains(out, "function main is undeclared") {
		t.Skipf("cmd/l0d has no main function yet: the l0d binary (event loop issue) is missing\n%s", out)
	}
	if err != nil {
		t.Fatalf("cannot build l0d and l0ctl: %v\n%s", err, out)
	}
	b := binaries{l0d: filepath.Join(dir, "l0d"), l0ctl: filepath.Join(dir, "l0ctl")}
	out, _ = run(t, time.Minute, nil, b.l0ctl, "bench", "--help")
	if strings.Contains(out, "not implemented") {
		t.Skip("l0ctl bench is not implemented yet (bench issue): cannot load l0d")
	}
	return b
}

// l0dProc is one running l0d with its own socket, ports and files.
type l0dProc struct {
	name    string
	dir     string
	sock    string // L0_SOCK
	tcp     string // L0_TCP
	prom    string // L0_PROM_ADDR
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// startL0d starts l0d with L0_PROM=1 on free loopback ports and a Unix
// socket in its own temp dir, waits until it answers, and stops it (SIGTERM)
// when the test ends. extra adds or overrides environment variables.
func startL0d(t testing.TB, bin binaries, name string, extra ...string) *l0dProc {
	t.Helper()
	return startL0dWrapped(t, bin, name, nil, extra...)
}

// startL0dWrapped is startL0d with l0d run under a wrapper command (wrap
// followed by l0d's path), such as strace.
func startL0dWrapped(t testing.TB, bin binaries, name string, wrap []string, extra ...string) *l0dProc {
	t.Helper()
	dir := shortTempDir(t)
	p := &l0dProc{
		name: name, dir: dir,
		sock:    filepath.Join(dir, "l0.sock"),
		tcp:     freeAddr(t),
		prom:    freeAddr(t),
		logPath: filepath.Join(dir, "l0d.log"),
		exited:  make(chan struct{}),
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "L0_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"L0_SOCK="+p.sock,
		"L0_TCP="+p.tcp,
		"L0_PROM=1",
		"L0_PROM_ADDR="+p.prom,
		"L0_TAIL_CSV="+filepath.Join(dir, "tail.csv"),
		"L0_PID_FILE="+filepath.Join(dir, "l0d.pid"),
		"L0_ALLOW_SCALAR=1",
	)
	env = append(env, extra...)
	logf, err := os.Create(p.logPath)
	if err != nil {
		t.Fatalf("cannot create %s: %v", p.logPath, err)
	}
	if len(wrap) > 0 {
		p.cmd = exec.Command(wrap[0], append(wrap[1:], bin.l0d)...)
	} else {
		p.cmd = exec.Command(bin.l0d)
	}
	p.cmd.Env = env
	p.cmd.Stdout = logf
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("cannot start l0d %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	waitFor(t, 30*time.Second, "l0d "+name+" to listen", func() error {
		select {
		case <-p.exited:
			return fatalError{fmt.Errorf("l0d %s exited: %v\n%s", name, p.waitErr, p.log())}
		default:
		}
		if err := dialable("unix", p.sock)(); err != nil {
			return err
		}
		if err := dialable("tcp", p.tcp)(); err != nil {
			return err
		}
		_, err := httpGet("http://" + p.prom + "/metrics")
		return err
	})
	return p
}

// stop sends SIGTERM and waits for the drain; SIGKILL after 20 s.
func (p *l0dProc) stop(t testing.TB) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Logf("l0d %s exit after SIGTERM: %v (wanted 0)", p.name, p.waitErr)
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("l0d %s did not stop within 20 s of SIGTERM; killed\n%s", p.name, p.log())
	}
}

// log returns the end of the process's output.
func (p *l0dProc) log() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// httpGet fetches a URL and returns its body; non-2xx is an error.
func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}

// sample is one line of a Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape fetches and parses l0d's /metrics.
func (p *l0dProc) scrape(t testing.TB) []sample {
	t.Helper()
	body, err := httpGet("http://" + p.prom + "/metrics")
	if err != nil {
		t.Fatalf("cannot scrape l0d %s: %v", p.name, err)
	}
	s, err := parseExposition(body)
	if err != nil {
		t.Fatalf("cannot parse l0d %s's /metrics: %v", p.name, err)
	}
	return s
}

// parseExposition parses the Prometheus text format (comments skipped).
func parseExposition(body string) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s := sample{labels: map[string]string{}}
		rest := line
		if i := strings.IndexAny(line, "{ "); i < 0 {
			return nil, fmt.Errorf("cannot parse %q", line)
		} else {
			s.name = line[:i]
			rest = line[i:]
		}
		if rest[0] == '{' {
			end, err := parseLabels(rest, s.labels)
			if err != nil {
				return nil, fmt.Errorf("cannot parse labels of %q: %w", line, err)
			}
			rest = rest[end:]
		}
		f := strings.Fields(rest)
		if len(f) < 1 {
			return nil, fmt.Errorf("no value in %q", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("cannot parse the value of %q: %w", line, err)
		}
		s.value = v
		out = append(out, s)
	}
	return out, sc.Err()
}

// parseLabels parses `{a="x",b="y"}` at the start of s into m and returns
// the index after the closing brace.
func parseLabels(s string, m map[string]string) (int, error) {
	i := 1
	for {
		for i < len(s) && (s[i] == ',' || s[i] == ' ') {
			i++
		}
		if i >= len(s) {
			return 0, fmt.Errorf("unterminated label set")
		}
		if s[i] == '}' {
			return i + 1, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return 0, fmt.Errorf("malformed label at %q", s[i:])
		}
		key := s[i : i+eq]
		j := i + eq + 2
		var val strings.Builder
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(s[j])
				}
				continue
			}
			val.WriteByte(s[j])
		}
		if j >= len(s) {
			return 0, fmt.Errorf("unterminated label value")
		}
		m[key] = val.String()
		i = j + 1
	}
}

// total sums the samples of one metric name.
func total(ss []sample, name string) float64 {
	var v float64
	for _, s := range ss {
		if s.name == name {
			v += s.value
		}
	}
	return v
}

// benchResult is what l0ctl bench printed ("count=N ok=N errors=N").
type benchResult struct {
	out               string
	count, ok, errors int
}

var (
	benchCountRE  = regexp.MustCompile(`\bcount=(\d+)`)
	benchOKRE     = regexp.MustCompile(`\bok=(\d+)`)
	benchErrorsRE = regexp.MustCompile(`\berrors=(\d+)`)
)

// intField returns the first number re captures in s, or -1.
func intField(re *regexp.Regexp, s string) int {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return -1
	}
	return n
}

// bench runs `l0ctl bench keepalive` against a TCP address (through a
// proxy or straight at l0d) and fails the test unless it exits 0.
func bench(t testing.TB, bin binaries, file string, n, conns int, target ...string) benchResult {
	t.Helper()
	args := append([]string{"bench", "keepalive", "--file", file, "--n", strconv.Itoa(n), "--conns", strconv.Itoa(conns)}, target...)
	out, err := run(t, 5*time.Minute, nil, bin.l0ctl, args...)
	r := benchResult{out: out, count: intField(benchCountRE, out), ok: intField(benchOKRE, out), errors: intField(benchErrorsRE, out)}
	if err != nil {
		t.Fatalf("l0ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("l0ctl %s:\n%s", strings.Join(args, " "), out)
	if r.count != n || r.ok != n || r.errors != 0 {
		t.Fatalf("l0ctl bench: count=%d ok=%d errors=%d, want count=ok=%d errors=0\n%s", r.count, r.ok, r.errors, n, out)
	}
	return r
}

// testDoc is the LaTeX document the load tests send.
func testDoc(t testing.TB) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "ops", "testdata", "doc.tex")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("cannot find the test document: %v", err)
	}
	return p
}
