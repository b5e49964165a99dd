package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"l0lex/kernel"
	"l0lex/proto"
)

// binDir holds the l0d binaries the end-to-end tests build (TestMain).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "l0d-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var builds sync.Map // tags -> *buildResult

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// l0dBinary builds l0d (with the environment's GOEXPERIMENT, and the given
// build tags) once per test process.
func l0dBinary(t *testing.T, tags string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds l0d; skipped in -short mode")
	}
	v, _ := builds.LoadOrStore(tags, &buildResult{})
	b := v.(*buildResult)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, "l0d"+strings.ReplaceAll(tags, ",", "_"))
		args := []string{"build", "-o", b.path}
		if tags != "" {
			args = append(args, "-tags", tags)
		}
		cmd := exec.Command("go", append(args, ".")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build l0d: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// daemon is a running l0d.
type daemon struct {
	t       *testing.T
	cmd     *exec.Cmd
	sock    string
	tcp     string
	pidFile string
	out     *syncBuffer
	exited  chan struct{}
	err     error // Wait's result, set before exited closes
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tempSock returns a short socket path (sun_path holds 108 bytes).
func tempSock(t *testing.T) string {
	dir, err := os.MkdirTemp("", "l0d")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "l0.sock")
}

// freeTCP returns a loopback address with a port that was free just now.
func freeTCP(t *testing.T) string {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// needScalar reports whether this build's kernel is the pure-Go path, in
// which case the daemon must be allowed to start without SIMD.
func needScalar() bool {
	p, _ := kernel.Active()
	return p == kernel.PathPureGo
}

// startDaemon starts bin with a fresh socket, PID file, tail CSV and extra
// environment; it returns once the socket answers.
func startDaemon(t *testing.T, bin string, sock string, extraEnv ...string) *daemon {
	t.Helper()
	dir := filepath.Dir(sock)
	d := &daemon{t: t, sock: sock, pidFile: filepath.Join(dir, "l0d.pid"), out: &syncBuffer{}, exited: make(chan struct{})}
	env := append(os.Environ(),
		"L0_SOCK="+sock,
		"L0_PID_FILE="+d.pidFile,
		"L0_TAIL_CSV="+filepath.Join(dir, "tail.csv"),
		"L0_PROM=0",
		"L0_DRAIN_MS=10000",
	)
	if needScalar() {
		env = append(env, "L0_ALLOW_SCALAR=1")
	}
	env = append(env, extraEnv...)
	for _, e := range extraEnv {
		if v, ok := strings.CutPrefix(e, "L0_TCP="); ok {
			d.tcp = v
		}
	}
	d.cmd = exec.Command(bin)
	d.cmd.Env = env
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			if t.Failed() { // the final counters for the post-mortem
				_ = d.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-d.exited:
				case <-time.After(15 * time.Second):
				}
			}
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("l0d output:\n%s", d.out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-d.exited:
			t.Fatalf("l0d exited at start (%v):\n%s", d.err, d.out.String())
		default:
		}
		if _, err := os.Stat(d.pidFile); err == nil {
			if c, err := net.Dial("unix", sock); err == nil {
				c.Close()
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("l0d did not start listening:\n%s", d.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits for the exit; it returns the exit code.
func (d *daemon) stop(sig syscall.Signal) int {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
	return d.wait()
}

func (d *daemon) wait() int {
	d.t.Helper()
	select {
	case <-d.exited:
	case <-time.After(60 * time.Second):
		d.t.Fatalf("l0d did not exit:\n%s", d.out.String())
	}
	return d.cmd.ProcessState.ExitCode()
}

func dial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}

func send(t *testing.T, c net.Conn, frames ...[]byte) {
	t.Helper()
	for _, f := range frames {
		if _, err := c.Write(f); err != nil {
			t.Fatal(err)
		}
	}
}

func lexReq(t *testing.T, typ proto.Type, id uint64, doc []byte) []byte {
	t.Helper()
	b, err := proto.AppendLexRequest(nil, typ, id, doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recv reads one frame.
func recv(t *testing.T, r io.Reader) proto.Frame {
	t.Helper()
	var hb [proto.HeaderLen]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		t.Fatalf("reading a frame header: %v", err)
	}
	h := proto.ParseHeader(hb[:])
	p := make([]byte, h.Len)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatalf("reading a payload of %d bytes: %v", h.Len, err)
	}
	return proto.Frame{Header: h, Payload: p}
}

func recvReply(t *testing.T, r io.Reader, id uint64) proto.Reply {
	t.Helper()
	f := recv(t, r)
	if f.Type != proto.TypeReply || f.ReqID != id {
		t.Fatalf("got frame type %d req %d, want a type-2 reply to %d (payload %q)", f.Type, f.ReqID, id, f.Payload)
	}
	rep, err := proto.ParseReply(f.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// localLex lexes doc in the test process: the reference counts.
func localLex(t *testing.T, doc []byte) (tokens, issues int) {
	t.Helper()
	a := kernel.NewArena(kernel.SizeFor(doc))
	if err := kernel.Lex(a, doc, nil); err != nil {
		t.Fatal(err)
	}
	return a.N, len(a.Issues())
}
