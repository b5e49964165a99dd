package ops

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProxyConfigsCheck(t *testing.T) {
	t.Run("nginx", func(t *testing.T) {
		nginx := needNginxStream(t)
		for _, f := range []string{"nginx-l0d.conf", "nginx-l0d-balance.conf"} {
			prefix := t.TempDir()
			if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
				t.Fatal(err)
			}
			// The shipped file as it is: its relative pid and log paths
			// resolve under the -p prefix.
			out, err := run(t, time.Minute, nil, nginx, "-e", "stderr", "-p", prefix, "-c", opsFile(t, "proxy/"+f), "-t")
			if err != nil || !strings.Contains(out, "test is successful") {
				t.Errorf("nginx -t -c %s: %v\n%s", f, err, out)
			}
		}
	})
	t.Run("haproxy", func(t *testing.T) {
		haproxy := needTool(t, "haproxy", "haproxy", "/usr/sbin/haproxy")
		for _, f := range []string{"haproxy-l0d.cfg", "haproxy-l0d-balance.cfg"} {
			out, err := run(t, time.Minute, nil, haproxy, "-c", "-f", opsFile(t, "proxy/"+f))
			if err != nil || !strings.Contains(out, "Configuration file is valid") {
				t.Errorf("haproxy -c -f %s: %v\n%s", f, err, out)
			}
		}
	})
	t.Run("balancing", func(t *testing.T) {
		n := readFile(t, opsFile(t, "proxy/nginx-l0d-balance.conf"))
		h := readFile(t, opsFile(t, "proxy/haproxy-l0d-balance.cfg"))
		if !strings.Contains(n, "least_conn;") {
			t.Errorf("nginx-l0d-balance.conf does not balance least_conn")
		}
		if !strings.Contains(h, "balance leastconn") {
			t.Errorf("haproxy-l0d-balance.cfg does not balance leastconn")
		}
	})
}

// proxyProc is a running nginx or haproxy.
type proxyProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

// startProxy runs a proxy in the foreground with its output in dir/proxy.log
// and stops it when the test ends.
func startProxy(t *testing.T, dir, listen string, name string, args ...string) *proxyProc {
	t.Helper()
	p := &proxyProc{exited: make(chan struct{}), log: filepath.Join(dir, "proxy.log")}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatalf("cannot create %s: %v", p.log, err)
	}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdout = logf
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); logf.Close(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	waitFor(t, 20*time.Second, filepath.Base(name)+" to listen on "+listen, func() error {
		select {
		case <-p.exited:
			b, _ := os.ReadFile(p.log)
			return fatalError{fmt.Errorf("%s exited:\n%s", name, b)}
		default:
		}
		return dialable("tcp", listen)()
	})
	return p
}

// startNginx renders a shipped nginx config for this test (listen address,
// the l0d sockets, the worker user) and runs it.
func startNginx(t *testing.T, shipped string, listen string, pairs ...string) {
	t.Helper()
	nginx := needNginxStream(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	user := ""
	if isRoot() {
		// Workers must reach the test's root-owned 0660 sockets.
		user = "user root;"
	}
	conf := render(t, shipped, readFile(t, opsFile(t, "proxy/"+shipped)), append(pairs, "user www-data;", user)...)
	path := filepath.Join(dir, "nginx.conf")
	writeFile(t, path, conf, 0o644)
	startProxy(t, dir, listen, nginx, "-e", "stderr", "-p", dir, "-c", path, "-g", "daemon off;")
}

// startHAProxy renders a shipped haproxy config for this test (listen
// address, the l0d sockets, no user switch, a stats socket) and runs it.
// It returns the stats socket path.
func startHAProxy(t *testing.T, shipped string, listen string, pairs ...string) string {
	t.Helper()
	haproxy := needTool(t, "haproxy", "haproxy", "/usr/sbin/haproxy")
	dir := shortTempDir(t)
	stats := filepath.Join(dir, "stats.sock")
	pairs = append(pairs,
		"    user haproxy\n    group haproxy\n", "",
		"\nglobal\n", "\nglobal\n    stats socket "+stats+" mode 600 level admin\n")
	conf := render(t, shipped, readFile(t, opsFile(t, "proxy/"+shipped)), pairs...)
	path := filepath.Join(dir, "haproxy.cfg")
	writeFile(t, path, conf, 0o644)
	startProxy(t, dir, listen, haproxy, "-db", "-f", path)
	return stats
}

// haproxyServers returns "backend/server" -> "status check_status" from the
// stats socket's `show stat`.
func haproxyServers(stats string) (map[string]string, error) {
	c, err := net.DialTimeout("unix", stats, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("show stat\n")); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(c)
	var cols []string
	out := map[string]string{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# ") {
			cols = strings.Split(strings.TrimPrefix(line, "# "), ",")
			continue
		}
		f := strings.Split(line, ",")
		if len(cols) == 0 || len(f) < len(cols) {
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = f[i]
		}
		if row["svname"] == "FRONTEND" || row["svname"] == "BACKEND" {
			continue
		}
		out[row["pxname"]+"/"+row["svname"]] = row["status"] + " " + row["check_status"]
	}
	return out, nil
}

// waitHealthy waits until haproxy's ping health check passed on every server.
func waitHealthy(t *testing.T, stats string, servers int) {
	t.Helper()
	waitFor(t, 30*time.Second, "haproxy's l0d ping checks to pass", func() error {
		st, err := haproxyServers(stats)
		if err != nil {
			return err
		}
		ok := 0
		for _, s := range st {
			if s == "UP L7OK" {
				ok++
			}
		}
		if ok != servers {
			return fmt.Errorf("servers: %v", st)
		}
		return nil
	})
}

func TestProxyEndToEnd(t *testing.T) {
	bin := needService(t)
	doc := testDoc(t)
	const n, conns = 2000, 4
	a := startL0d(t, bin, "a")
	b := startL0d(t, bin, "b")
	for _, tc := range []struct {
		name      string
		instances int
		start     func(t *testing.T, listen string)
	}{
		{"nginx", 1, func(t *testing.T, listen string) {
			startNginx(t, "nginx-l0d.conf", listen,
				"listen 127.0.0.1:7400", "listen "+listen,
				"unix:/run/l0d/l0_lex_svc.sock", "unix:"+a.sock)
		}},
		{"haproxy", 1, func(t *testing.T, listen string) {
			stats := startHAProxy(t, "haproxy-l0d.cfg", listen,
				"bind 127.0.0.1:7400", "bind "+listen,
				"/run/l0d/l0_lex_svc.sock", a.sock)
			waitHealthy(t, stats, 1)
		}},
		{"nginx-balance", 2, func(t *testing.T, listen string) {
			startNginx(t, "nginx-l0d-balance.conf", listen,
				"listen 127.0.0.1:7401", "listen "+listen,
				"unix:/run/l0d-a/l0_lex_svc.sock", "unix:"+a.sock,
				"unix:/run/l0d-b/l0_lex_svc.sock", "unix:"+b.sock)
		}},
		{"haproxy-balance", 2, func(t *testing.T, listen string) {
			stats := startHAProxy(t, "haproxy-l0d-balance.cfg", listen,
				"bind 127.0.0.1:7401", "bind "+listen,
				"/run/l0d-a/l0_lex_svc.sock", a.sock,
				"/run/l0d-b/l0_lex_svc.sock", b.sock)
			waitHealthy(t, stats, 2)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listen := freeAddr(t)
			tc.start(t, listen)
			beforeA := total(a.scrape(t), "l0_requests_total")
			beforeB := total(b.scrape(t), "l0_requests_total")
			bench(t, bin, doc, n, conns, "--tcp", listen)
			dA := total(a.scrape(t), "l0_requests_total") - beforeA
			dB := total(b.scrape(t), "l0_requests_total") - beforeB
			t.Logf("l0_requests_total grew by %.0f on a, %.0f on b", dA, dB)
			if dA+dB < n {
				t.Errorf("the instances counted %.0f requests, want at least the %d sent", dA+dB, n)
			}
			if tc.instances == 2 && (dA == 0 || dB == 0) {
				t.Errorf("least-connections balancing left an instance idle: a served %.0f, b %.0f", dA, dB)
			}
			if tc.instances == 1 && dB != 0 {
				t.Errorf("b served %.0f requests behind a single-instance proxy", dB)
			}
		})
	}
}
