package ops

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// inCI reports whether the tests run in CI, where a missing system program
// is a failure instead of a reason to skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// needTool returns the path of a system program: the first of names found on
// PATH or as an absolute path. When none is found the test skips with a
// message, or fails under CI=true.
func needTool(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if fi, err := os.Stat(n); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not installed (Debian package %s; `make test-deps` installs it)", strings.Join(names, " or "), pkg)
	if inCI() {
		t.Fatalf("CI=true: %s", msg)
	}
	t.Skip(msg)
	return ""
}

// needNginxStream skips (fails in CI) unless nginx can load the stream module.
func needNginxStream(t testing.TB) string {
	t.Helper()
	nginx := needTool(t, "nginx", "nginx", "/usr/sbin/nginx")
	if _, err := os.Stat(nginxStreamModule); err != nil {
		msg := fmt.Sprintf("nginx stream module %s missing (Debian package libnginx-mod-stream)", nginxStreamModule)
		if inCI() {
			t.Fatalf("CI=true: %s", msg)
		}
		t.Skip(msg)
	}
	return nginx
}

// nginxStreamModule is where Debian installs nginx's stream module, the path
// the shipped configs load.
const nginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"

// repoRoot is the module root (the tests run in ops/).
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("cannot find the working directory: %v", err)
	}
	return filepath.Dir(wd)
}

// opsFile is the path of a shipped file under ops/.
func opsFile(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "ops", filepath.FromSlash(rel))
}

// readFile returns a file's content or fails the test.
func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read %s: %v", path, err)
	}
	return string(b)
}

// writeFile writes content to path (creating its directory) or fails.
func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("cannot create %s: %v", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatalf("cannot write %s: %v", path, err)
	}
}

// render returns src with each old string replaced by its new one, failing
// when an old string is absent: the tests' variants of the shipped configs
// then break loudly when the shipped file changes under them.
func render(t testing.TB, name, src string, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("render %s: odd number of replacement strings", name)
	}
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("render %s: %q not found in the shipped file", name, pairs[i])
		}
		src = strings.ReplaceAll(src, pairs[i], pairs[i+1])
	}
	return src
}

// run runs a program to completion and returns its combined output.
func run(t testing.TB, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	return out.String(), err
}

// freeAddr returns a loopback TCP address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cannot find a free loopback port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// fatalError marks a waitFor condition error that no retry can fix.
type fatalError struct{ error }

// waitFor polls cond every 50 ms until it returns nil or timeout passes,
// then fails with cond's last error; a fatalError fails at once.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if fe, ok := err.(fatalError); ok {
			t.Fatalf("while waiting for %s: %v", what, fe.error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialable returns nil once something accepts connections on a network
// address ("tcp" host:port or "unix" path).
func dialable(network, addr string) func() error {
	return func() error {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// shortTempDir returns a temporary directory with a short path: Unix socket
// paths are limited to 107 bytes and t.TempDir's can be longer.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "l0ops")
	if err != nil {
		t.Fatalf("cannot create a temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// isRoot reports whether the tests run as root (nginx then drops its workers
// to an unprivileged user unless told otherwise).
func isRoot() bool { return runtime.GOOS == "linux" && os.Geteuid() == 0 }
