package eventloop_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"l0lex/eventloop"
	"l0lex/proto"
	"l0lex/telemetry"
)

// recorder collects the Telemetry calls.
type recorder struct {
	mu      sync.Mutex
	started int
	recs    []telemetry.Record
	dropped []telemetry.Record
}

func (r *recorder) RequestStarted() {
	r.mu.Lock()
	r.started++
	r.mu.Unlock()
}

func (r *recorder) RequestDone(rec telemetry.Record) {
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
}

func (r *recorder) RequestDropped(rec telemetry.Record) {
	r.mu.Lock()
	r.dropped = append(r.dropped, rec)
	r.mu.Unlock()
}

func (r *recorder) all() []telemetry.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]telemetry.Record(nil), r.recs...)
}

// sockPath returns a short Unix socket path (sun_path is 108 bytes).
func sockPath(t *testing.T) string {
	dir, err := os.MkdirTemp("", "l0ev")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// startServer starts a server with cfg (UnixPath filled in when empty) and
// shuts it down at the end of the test.
func startServer(t *testing.T, cfg eventloop.Config, pool eventloop.Pool) *eventloop.Server {
	t.Helper()
	return startServerHook(t, cfg, pool, nil)
}

// startServerHook is startServer with a read hook (nil: none) installed
// before the server starts.
func startServerHook(t *testing.T, cfg eventloop.Config, pool eventloop.Pool, hook func(buffered int)) *eventloop.Server {
	t.Helper()
	if cfg.UnixPath == "" {
		cfg.UnixPath = sockPath(t)
	}
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := eventloop.New(cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		srv.SetReadHook(hook)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

// startCounting starts a server on a fake pool whose clock ticks at every
// reading and that counts the reads of its event loop; it returns a
// connection to it, its telemetry recorder and the read count.
func startCounting(t *testing.T) (*net.UnixConn, *recorder, *atomic.Int64) {
	t.Helper()
	rec := &recorder{}
	var clock, reads atomic.Int64
	srv := startServerHook(t, eventloop.Config{
		Telemetry: rec,
		Now:       func() int64 { return clock.Add(1) },
	}, newFakePool(t), func(int) { reads.Add(1) })
	return dialUnix(t, srv.Addrs()[0][len("unix://"):]), rec, &reads
}

func dialUnix(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*net.UnixConn)
}

func frame(typ proto.Type, id uint64, payload []byte) []byte {
	b := proto.AppendHeader(nil, proto.Header{Type: typ, ReqID: id, Len: uint32(len(payload))})
	return append(b, payload...)
}

// lexFrame is a type-1 request with the u32 doc_len prefix.
func lexFrame(id uint64, doc []byte) []byte {
	p := binary.BigEndian.AppendUint32(nil, uint32(len(doc)))
	return frame(proto.TypeLex, id, append(p, doc...))
}

type rxFrame struct {
	proto.Header
	Payload []byte
}

func readFrame(r io.Reader) (rxFrame, error) {
	var hb [proto.HeaderLen]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return rxFrame{}, err
	}
	h := proto.ParseHeader(hb[:])
	p := make([]byte, h.Len)
	if _, err := io.ReadFull(r, p); err != nil {
		return rxFrame{}, fmt.Errorf("short payload: %w", err)
	}
	return rxFrame{h, p}, nil
}

func mustRead(t *testing.T, r io.Reader) rxFrame {
	t.Helper()
	f, err := readFrame(r)
	if err != nil {
		t.Fatalf("reading a frame: %v", err)
	}
	return f
}

// reply decodes a type-2 payload.
func reply(t *testing.T, f rxFrame) proto.Reply {
	t.Helper()
	if f.Type != proto.TypeReply || len(f.Payload) != proto.ReplyLen {
		t.Fatalf("want a type-2 reply, got type %d with %d bytes", f.Type, len(f.Payload))
	}
	p := f.Payload
	return proto.Reply{
		Status:  binary.BigEndian.Uint32(p[0:]),
		NTokens: binary.BigEndian.Uint32(p[4:]),
		NIssues: binary.BigEndian.Uint32(p[8:]),
		Origin:  p[12],
	}
}

// errCode decodes a type-5 payload's code.
func errCode(t *testing.T, f rxFrame) proto.ErrCode {
	t.Helper()
	if f.Type != proto.TypeError || len(f.Payload) < 4 {
		t.Fatalf("want a type-5 error frame, got type %d with %d bytes", f.Type, len(f.Payload))
	}
	return proto.ErrCode(binary.BigEndian.Uint32(f.Payload))
}

// expectEOF asserts the server closes the connection after what was read.
func expectEOF(t *testing.T, r io.Reader) {
	t.Helper()
	var b [1]byte
	n, err := r.Read(b[:])
	if n != 0 || err == nil {
		t.Fatalf("want the connection closed, read %d bytes, err %v", n, err)
	}
}

// freeTCPAddr returns a loopback TCP address that was free a moment ago.
func freeTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
