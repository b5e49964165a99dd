package eventloop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	"l0lex/actors"
	"l0lex/eventloop"
	"l0lex/proto"
)

func TestPipelinedRequestsOneConnection(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])

	const n = 300
	var batch []byte
	for i := 1; i <= n; i++ {
		batch = append(batch, lexFrame(uint64(i), bytes.Repeat([]byte("x"), i))...)
	}
	if _, err := c.Write(batch); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for range n {
		f := mustRead(t, c)
		r := reply(t, f)
		if seen[f.ReqID] {
			t.Fatalf("second reply for req %d", f.ReqID)
		}
		seen[f.ReqID] = true
		if r.Status != 0 || r.NTokens != uint32(f.ReqID) {
			t.Fatalf("req %d: status %d, n_tokens %d", f.ReqID, r.Status, r.NTokens)
		}
	}
	if len(seen) != n {
		t.Fatalf("got %d distinct replies, want %d", len(seen), n)
	}
}

func TestByteAtATimeTracksFirstByte(t *testing.T) {
	c, rec, reads := startCounting(t)

	f := lexFrame(7, []byte(`\section{A}`))
	for i := range f {
		before := reads.Load()
		if _, err := c.Write(f[i : i+1]); err != nil {
			t.Fatal(err)
		}
		// Wait until the server has read this byte, so that every byte
		// arrives in a read of its own.
		waitFor(t, "the server to read one byte", func() bool { return reads.Load() > before })
	}
	r := reply(t, mustRead(t, c))
	if r.Status != 0 || r.NTokens != 11 {
		t.Fatalf("reply %+v, want status 0 and 11 tokens", r)
	}
	waitFor(t, "the recorder", func() bool { return len(rec.all()) == 1 })
	req := rec.all()[0]
	// The clock ticks at least once per read: a frame read in len(f) reads
	// started at least len(f)-1 ticks before it was complete.
	if span := req.TInDone - req.TInStart; span < int64(len(f)-1) {
		t.Fatalf("TInDone-TInStart = %d ticks over %d reads; TInStart is not the first byte's read", span, len(f))
	}
}

// TestLargeFramesInChunks pipelines documents around and above the size
// from which payloads are assembled as they arrive, written in uneven
// chunks, and checks each arrived intact (crc32 in n_issues).
func TestLargeFramesInChunks(t *testing.T) {
	for _, noDirect := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoDirectReads=%v", noDirect), func(t *testing.T) {
			largeFramesInChunks(t, eventloop.Config{NoDirectReads: noDirect})
		})
	}
}

func largeFramesInChunks(t *testing.T, cfg eventloop.Config) {
	pool := newFakePool(t)
	srv := startServer(t, cfg, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{10, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200 << 10, 5, 1<<20 + 3, 3 << 20}
	docs := map[uint64][]byte{}
	var stream []byte
	for i, n := range sizes {
		doc := make([]byte, n)
		for j := range doc {
			doc[j] = byte(rng.IntN(256))
		}
		id := uint64(i + 1)
		docs[id] = doc
		if i%3 == 2 { // legacy: the whole payload is the document
			stream = append(stream, frame(proto.TypeLex, id, doc)...)
		} else {
			stream = append(stream, lexFrame(id, doc)...)
		}
	}
	go func() {
		for len(stream) > 0 {
			k := min(len(stream), 1+rng.IntN(300<<10))
			if _, err := c.Write(stream[:k]); err != nil {
				return
			}
			stream = stream[k:]
		}
	}()
	for range sizes {
		f := mustRead(t, c)
		r, doc := reply(t, f), docs[f.ReqID]
		if doc == nil || r.Status != 0 || int(r.NTokens) != len(doc) || r.NIssues != crc32.ChecksumIEEE(doc) {
			t.Fatalf("req %d: %+v, want %d bytes with crc %x", f.ReqID, r, len(doc), crc32.ChecksumIEEE(doc))
		}
		delete(docs, f.ReqID)
	}
}

// TestLargeFrameTracksFirstByte: a large payload assembled over several
// reads is stamped with the read of its header.
func TestLargeFrameTracksFirstByte(t *testing.T) {
	c, rec, reads := startCounting(t)
	f := lexFrame(3, bytes.Repeat([]byte("%"), 100<<10))
	parts := [][]byte{f[:10], f[10:1000], f[1000:50000], f[50000:]}
	for _, p := range parts {
		before := reads.Load()
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
		// A new read of the event loop, or (the server reads the rest of
		// a large payload straight from the socket, maybe in the read
		// before) nothing of it left in the socket.
		waitFor(t, "the server to read", func() bool { return reads.Load() > before || unread(t, c) == 0 })
	}
	if r := reply(t, mustRead(t, c)); r.NTokens != 100<<10 {
		t.Fatalf("reply %+v", r)
	}
	waitFor(t, "the recorder", func() bool { return len(rec.all()) == 1 })
	rc := rec.all()[0]
	// The clock ticks at least once per read: stamped at the last read,
	// the span would be 1. (Two parts may be taken in one read.)
	if span := rc.TInDone - rc.TInStart; span < 2 {
		t.Fatalf("TInDone-TInStart = %d ticks over %d reads; TInStart is not the first byte's read", span, len(parts))
	}
	if rc.TReplyReady < rc.TInDone || rc.Bytes != 100<<10 || rc.BytesOut != proto.HeaderLen+proto.ReplyLen {
		t.Fatalf("record %+v", rc)
	}
}

func TestHalfCloseAnswersInFlight(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])

	const n = 5
	for i := 1; i <= n; i++ {
		if _, err := c.Write(lexFrame(uint64(i), []byte("HOLD doc"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "requests in flight", func() bool { return pool.heldCount() == n })
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the half-close", func() bool { return srv.Snapshot().HalfCloses == 1 })
	pool.release()
	seen := map[uint64]bool{}
	for range n {
		f := mustRead(t, c)
		if r := reply(t, f); r.Status != 0 || seen[f.ReqID] {
			t.Fatalf("req %d: status %d, duplicate %v", f.ReqID, r.Status, seen[f.ReqID])
		}
		seen[f.ReqID] = true
	}
	expectEOF(t, c)
	if got := pool.cancelConnCount(); got != 0 {
		t.Fatalf("CancelConn called %d times on a half-close", got)
	}
	waitFor(t, "in-flight to drain", func() bool { return srv.InFlight() == 0 })
}

func TestDisconnectCancelsConnection(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	if _, err := c.Write(lexFrame(1, []byte("HOLD"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "request in flight", func() bool { return pool.heldCount() == 1 })
	c.Close()
	waitFor(t, "CancelConn", func() bool { return pool.cancelConnCount() == 1 })
	waitFor(t, "in-flight to drain", func() bool { return srv.InFlight() == 0 })
	if s := srv.Snapshot(); s.Dropped != 1 || s.HalfCloses != 0 {
		t.Fatalf("stats %+v: want 1 dropped reply and no half-close", s)
	}
}

// TestFrameErrors sends one malformed input per case on its own connection
// while a second connection keeps working.
func TestFrameErrors(t *testing.T) {
	cases := []struct {
		name  string
		input []byte
		code  proto.ErrCode
		close bool
	}{
		{"garbage http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), proto.ErrBadFrame, true},
		{"type zero", frame(0, 1, nil), proto.ErrBadFrame, true},
		{"oversize", proto.AppendHeader(nil, proto.Header{Type: proto.TypeLex, ReqID: 3, Len: 1025}), proto.ErrTooLarge, true},
		{"unknown type", frame(42, 4, []byte("abc")), proto.ErrUnknownType, false},
		{"reply type from client", frame(proto.TypeReply, 5, make([]byte, 13)), proto.ErrUnknownType, false},
		{"fault without control", proto.AppendFault(nil, 6, proto.Fault{Kind: proto.FaultPanic, Actor: 0}), proto.ErrForbidden, false},
		{"ping with payload", frame(proto.TypePing, 7, []byte("x")), proto.ErrBadFrame, false},
		{"cancel with payload", frame(proto.TypeCancel, 8, []byte("x")), proto.ErrBadFrame, false},
	}
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{MaxReqBytes: 1024}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	good := dialUnix(t, path)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialUnix(t, path)
			if _, err := c.Write(tc.input); err != nil {
				t.Fatal(err)
			}
			if got := errCode(t, mustRead(t, c)); got != tc.code {
				t.Fatalf("error code %d, want %d", got, tc.code)
			}
			if tc.close {
				expectEOF(t, c)
			} else {
				// The connection goes on.
				if _, err := c.Write(lexFrame(99, []byte("ok"))); err != nil {
					t.Fatal(err)
				}
				if r := reply(t, mustRead(t, c)); r.NTokens != 2 {
					t.Fatalf("after the error: %+v", r)
				}
			}
			// Another connection is unaffected.
			if _, err := good.Write(lexFrame(uint64(i+1), []byte("abc"))); err != nil {
				t.Fatal(err)
			}
			if f := mustRead(t, good); f.ReqID != uint64(i+1) || reply(t, f).NTokens != 3 {
				t.Fatalf("other connection: %+v", f)
			}
		})
	}
}

// TestFatalErrorAfterRequests: requests read before a frame error that
// closes the connection are still answered, each once, before the error
// frame; then the server closes. Bytes after the bad header are ignored.
func TestFatalErrorAfterRequests(t *testing.T) {
	cases := []struct {
		name string
		bad  []byte
		code proto.ErrCode
	}{
		{"oversize", proto.AppendHeader(nil, proto.Header{Type: proto.TypeLex, ReqID: 9, Len: 1025}), proto.ErrTooLarge},
		{"type zero", frame(0, 9, nil), proto.ErrBadFrame},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), proto.ErrBadFrame},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pool := newFakePool(t)
			srv := startServer(t, eventloop.Config{MaxReqBytes: 1024}, pool)
			c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
			// Two held requests, one answered at once, the bad header and
			// a request after it, all in one write.
			var b []byte
			b = append(b, lexFrame(1, []byte("HOLD 1"))...)
			b = append(b, lexFrame(2, []byte("abc"))...)
			b = append(b, proto.AppendHeader(nil, proto.Header{Type: proto.TypeLexFull, ReqID: 3, Len: 4})...)
			b = append(b, "HOLD"...)
			b = append(b, tc.bad...)
			b = append(b, lexFrame(4, []byte("after"))...)
			if _, err := c.Write(b); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "held requests", func() bool { return pool.heldCount() == 2 })
			if f := mustRead(t, c); f.ReqID != 2 || reply(t, f).NTokens != 3 {
				t.Fatalf("first frame: %+v, want the reply to request 2", f)
			}
			pool.release()
			seen := map[uint64]bool{}
			for range 2 {
				f := mustRead(t, c)
				if seen[f.ReqID] || (f.ReqID != 1 && f.ReqID != 3) {
					t.Fatalf("unexpected frame %+v", f)
				}
				seen[f.ReqID] = true
			}
			f := mustRead(t, c)
			if f.ReqID != 9 && tc.name != "garbage" {
				t.Fatalf("error frame for req %d, want 9", f.ReqID)
			}
			if got := errCode(t, f); got != tc.code {
				t.Fatalf("error code %d, want %d", got, tc.code)
			}
			expectEOF(t, c)
			waitFor(t, "in-flight to drain", func() bool { return srv.InFlight() == 0 })
			if s := srv.Snapshot(); s.Requests != 3 || s.Replies != 3 || s.Dropped != 0 {
				t.Fatalf("stats %+v: want 3 requests, 3 replies, none dropped", s)
			}
		})
	}
}

func TestSlowReaderDisconnected(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{MaxOutbound: 64 << 10}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	c := dialUnix(t, path)
	for i := range 8 { // 8 MiB of replies this client never reads
		if _, err := c.Write(lexFrame(uint64(i), []byte("BIG"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the slow reader to be disconnected", func() bool {
		_, err := c.Write(frame(proto.TypePing, 1, nil))
		return err != nil || srv.Snapshot().FrameErrors > 0
	})
	// Others are unaffected.
	other := dialUnix(t, path)
	if _, err := other.Write(lexFrame(2, []byte("ab"))); err != nil {
		t.Fatal(err)
	}
	if r := reply(t, mustRead(t, other)); r.NTokens != 2 {
		t.Fatalf("other connection: %+v", r)
	}
}

func TestMaxSizeIsInclusive(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{MaxReqBytes: 1024}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	if _, err := c.Write(frame(proto.TypeLex, 1, bytes.Repeat([]byte("a"), 1024))); err != nil {
		t.Fatal(err)
	}
	if r := reply(t, mustRead(t, c)); r.Status != 0 || r.NTokens != 1024 {
		t.Fatalf("reply %+v", r)
	}
}

func TestCancelFrame(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	if _, err := c.Write(lexFrame(11, []byte("HOLD me"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "request in flight", func() bool { return pool.heldCount() == 1 })
	if _, err := c.Write(frame(proto.TypeCancel, 11, nil)); err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, c)
	if r := reply(t, f); f.ReqID != 11 || r.Status != uint32(proto.ErrCancelled) {
		t.Fatalf("reply %d %+v, want req 11 cancelled", f.ReqID, r)
	}
	// Exactly one reply: the next frame is the answer to a new request.
	if _, err := c.Write(lexFrame(12, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	if f := mustRead(t, c); f.ReqID != 12 {
		t.Fatalf("got a frame for req %d, want 12", f.ReqID)
	}
}

func TestExactlyOneReplyWhenPoolAnswersTwice(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	if _, err := c.Write(append(lexFrame(1, []byte("TWICE")), lexFrame(2, []byte("z"))...)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []uint64{1, 2} {
		if f := mustRead(t, c); f.ReqID != want {
			t.Fatalf("got req %d, want %d", f.ReqID, want)
		}
	}
	waitFor(t, "both replies accounted", func() bool { return srv.InFlight() == 0 })
	if s := srv.Snapshot(); s.DupReplies != 1 || s.Replies != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestPing(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{Version: "v-test"}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	if _, err := c.Write(frame(proto.TypePing, 77, nil)); err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, c)
	if f.Type != proto.TypePong || f.ReqID != 77 {
		t.Fatalf("got %+v", f)
	}
	p, err := proto.ParsePong(f.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != "v-test" || p.Kernel != "fake" || p.Actors != 2 || p.Queued != 3 {
		t.Fatalf("pong %+v", p)
	}
}

func TestFaultControl(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{FaultControl: true}, pool)
	c := dialUnix(t, srv.Addrs()[0][len("unix://"):])
	var in []byte
	in = proto.AppendFault(in, 1, proto.Fault{Kind: proto.FaultDelay, Actor: proto.AllActors, Ms: 15})
	in = proto.AppendFault(in, 2, proto.Fault{Kind: proto.FaultStall, Actor: 5}) // the pool has 2 actors
	in = append(in, frame(proto.TypeFault, 3, []byte{1, 2})...)                  // short payload
	if _, err := c.Write(in); err != nil {
		t.Fatal(err)
	}
	if f := mustRead(t, c); f.Type != proto.TypeFaultAck || f.ReqID != 1 {
		t.Fatalf("got %+v", f)
	}
	for _, id := range []uint64{2, 3} {
		if f := mustRead(t, c); errCode(t, f) != proto.ErrBadFrame || f.ReqID != id {
			t.Fatalf("got %+v", f)
		}
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	want := actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors, Ms: 15}
	if len(pool.faults) != 1 || pool.faults[0] != want {
		t.Fatalf("faults delivered %+v, want [%+v]", pool.faults, want)
	}
}

func TestTCPLoopback(t *testing.T) {
	addr := freeTCPAddr(t)
	pool := newFakePool(t)
	startServer(t, eventloop.Config{TCPAddr: addr}, pool)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(lexFrame(5, []byte("hello"))); err != nil {
		t.Fatal(err)
	}
	if r := reply(t, mustRead(t, c)); r.NTokens != 5 {
		t.Fatalf("reply %+v", r)
	}
}

func TestTCPListenAddr(t *testing.T) {
	cases := []struct {
		in    string
		allow bool
		want  string // "" = error
	}{
		{"127.0.0.1:7410", false, "tcp4://127.0.0.1:7410"},
		{"localhost:7410", false, "tcp4://127.0.0.1:7410"},
		{"[::1]:7410", false, "tcp6://[::1]:7410"},
		{"127.0.0.2:1", false, "tcp4://127.0.0.2:1"},
		{"0.0.0.0:7410", false, ""},
		{"10.1.2.3:7410", false, ""},
		{"10.1.2.3:7410", true, "tcp4://10.1.2.3:7410"},
		{"example.com:7410", false, ""},
		{"127.0.0.1", false, ""},
		{"127.0.0.1:port", false, ""},
	}
	for _, tc := range cases {
		got, err := eventloop.TCPListenAddr(tc.in, tc.allow)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: want an error, got %s", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSocketPath(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode().Perm())
	}

	t.Run("live server refused", func(t *testing.T) {
		second, err := eventloop.New(eventloop.Config{UnixPath: path}, pool)
		if err != nil {
			t.Fatal(err)
		}
		if err := second.Start(); !errors.Is(err, eventloop.ErrLiveServer) {
			t.Fatalf("second server on a live socket: %v", err)
		}
		// The first still answers.
		c := dialUnix(t, path)
		if _, err := c.Write(lexFrame(1, []byte("a"))); err != nil {
			t.Fatal(err)
		}
		mustRead(t, c)
	})

	t.Run("stale socket replaced", func(t *testing.T) {
		stale := sockPath(t)
		l, err := net.Listen("unix", stale)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		l.Close()
		startServer(t, eventloop.Config{UnixPath: stale}, pool)
		c := dialUnix(t, stale)
		if _, err := c.Write(lexFrame(1, []byte("a"))); err != nil {
			t.Fatal(err)
		}
		mustRead(t, c)
	})

	t.Run("not a socket refused", func(t *testing.T) {
		file := sockPath(t)
		if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := eventloop.New(eventloop.Config{UnixPath: file}, pool)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err == nil {
			t.Fatal("started over a regular file")
		}
		if b, _ := os.ReadFile(file); string(b) != "keep me" {
			t.Fatal("the file was replaced")
		}
	})
}

func TestShutdownDrainsInFlight(t *testing.T) {
	pool := newFakePool(t)
	path := sockPath(t)
	srv, err := eventloop.New(eventloop.Config{UnixPath: path, Logf: t.Logf}, pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c := dialUnix(t, path)
	for i := 1; i <= 3; i++ {
		if _, err := c.Write(lexFrame(uint64(i), []byte("HOLD"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "requests in flight", func() bool { return pool.heldCount() == 3 })
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	// A request arriving while draining is answered SHUTTING_DOWN.
	waitFor(t, "draining", func() bool {
		if _, err := c.Write(lexFrame(100, []byte("late"))); err != nil {
			t.Fatal(err)
		}
		f := mustRead(t, c)
		if f.ReqID != 100 {
			t.Fatalf("got req %d before the held ones were released", f.ReqID)
		}
		return reply(t, f).Status == uint32(proto.ErrShuttingDown)
	})
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with requests in flight", err)
	default:
	}
	pool.release()
	for range 3 {
		if r := reply(t, mustRead(t, c)); r.Status != 0 {
			t.Fatalf("held reply %+v", r)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	expectEOF(t, c)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

// TestLargeFrameCutShort: a client sends a request, then part of a large
// one, and half-closes. The first is answered, the cut-short frame dropped
// without an error frame, the connection closed; another client is served
// meanwhile. Both ways of receiving large payloads.
func TestLargeFrameCutShort(t *testing.T) {
	for _, noDirect := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoDirectReads=%v", noDirect), func(t *testing.T) {
			pool := newFakePool(t)
			srv := startServer(t, eventloop.Config{NoDirectReads: noDirect}, pool)
			path := srv.Addrs()[0][len("unix://"):]
			c := dialUnix(t, path)
			big := lexFrame(2, bytes.Repeat([]byte("x"), 2<<20))
			out := append(lexFrame(1, []byte("first")), big[:len(big)/2]...)
			if _, err := c.Write(out); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the server to read half of the large frame", func() bool { return srv.Snapshot().Requests == 1 })
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if r := reply(t, mustRead(t, c)); r.NTokens != 5 {
				t.Fatalf("first request: %+v", r)
			}
			expectEOF(t, c)
			other := dialUnix(t, path)
			if _, err := other.Write(lexFrame(3, []byte("abc"))); err != nil {
				t.Fatal(err)
			}
			if r := reply(t, mustRead(t, other)); r.NTokens != 3 {
				t.Fatalf("other connection: %+v", r)
			}
			if st := srv.Snapshot(); st.Requests != 2 || st.FrameErrors != 0 {
				t.Fatalf("want the cut-short frame dropped silently: %+v", st)
			}
		})
	}
}

// TestFatalErrorThenHalfClose: a request, a bad header and the client's
// half-close in one go. The reply, then the error frame, then EOF, every
// time: the half-close must not make the server drop the error frame it
// queued after the reply.
func TestFatalErrorThenHalfClose(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{MaxReqBytes: 1024}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	for i := range 100 {
		c := dialUnix(t, path)
		b := append(lexFrame(1, []byte("abc")), frame(0, 9, nil)...)
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		if f := mustRead(t, c); f.ReqID != 1 || reply(t, f).NTokens != 3 {
			t.Fatalf("try %d: first frame %+v, want the reply to request 1", i, f)
		}
		f, err := readFrame(c)
		if err != nil {
			t.Fatalf("try %d: want the error frame after the reply: %v", i, err)
		}
		if code := errCode(t, f); code != proto.ErrBadFrame || f.ReqID != 9 {
			t.Fatalf("try %d: error frame code %d for req %d, want %d for 9", i, code, f.ReqID, proto.ErrBadFrame)
		}
		expectEOF(t, c)
		c.Close()
	}
}
