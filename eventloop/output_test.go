package eventloop_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"l0lex/eventloop"
	"l0lex/proto"
)

// TestRepliesStayWholeUnderBackPressure pipelines lex requests with small
// and 60 KB replies, and pings, to a client that does not read for a while:
// frames written at once by the goroutine that has them then meet a full
// socket, which takes only part of some; the rest, and every later frame
// (the pongs the event loop writes too), queue for the connection's
// writer. Every frame must still arrive whole, exactly once. The scenario
// is repeated (up to 20 connections) until a frame was split, so that the
// test proves the split is handled.
func TestRepliesStayWholeUnderBackPressure(t *testing.T) {
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{SocketBuffer: 32 << 10}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	for round := 1; ; round++ {
		pileUpReplies(t, dialUnix(t, path), false)
		st := srv.Snapshot()
		if st.DirectWrites == 0 {
			t.Fatalf("no frame was written at once: %+v", st)
		}
		if st.Backlogs > 0 {
			t.Logf("round %d: %d frames written at once, %d queued behind a full socket", round, st.DirectWrites, st.Backlogs)
			return
		}
		if round == 20 {
			t.Fatalf("no write was split by a full socket in %d rounds: %+v", round, st)
		}
	}
}

// TestHalfCloseBeforeReading is the same pipeline from a client that shuts
// down its write side right after sending it and reads only then, over
// both sockets: the replies and pongs the server could not write yet when
// the half-close came must all still arrive, whole and once, then EOF.
func TestHalfCloseBeforeReading(t *testing.T) {
	tcpAddr := freeTCPAddr(t)
	pool := newFakePool(t)
	srv := startServer(t, eventloop.Config{SocketBuffer: 32 << 10, TCPAddr: tcpAddr}, pool)
	path := srv.Addrs()[0][len("unix://"):]
	for _, network := range []string{"unix", "tcp"} {
		t.Run(network, func(t *testing.T) {
			before := srv.Snapshot().HalfCloses
			for range 3 {
				var c net.Conn
				if network == "unix" {
					c = dialUnix(t, path)
				} else {
					tc, err := net.Dial("tcp", tcpAddr)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { tc.Close() })
					c = tc
				}
				pileUpReplies(t, c, true)
				expectEOF(t, c)
			}
			if n := srv.Snapshot().HalfCloses - before; n == 0 {
				t.Fatalf("no half-close came while output was still queued: the test did not test it")
			}
		})
	}
	waitFor(t, "every reply accounted for", func() bool { return srv.InFlight() == 0 })
	if st := srv.Snapshot(); st.Dropped != 0 {
		t.Fatalf("%d replies dropped: %+v", st.Dropped, st)
	}
}

// pileUpReplies runs one round of TestRepliesStayWholeUnderBackPressure on
// c; with halfClose, c shuts down its write side once the pipeline is sent.
func pileUpReplies(t *testing.T, c net.Conn, halfClose bool) {
	t.Helper()
	type buffered interface {
		SetReadBuffer(int) error
		CloseWrite() error
	}
	bc := c.(buffered)
	// A small receive buffer makes replies pile up in the server. (Not
	// over TCP: a receive buffer far below the loopback MSS of 64 KiB
	// stalls TCP itself for seconds, whatever the server does.)
	if _, unix := c.(*net.UnixConn); unix {
		if err := bc.SetReadBuffer(4096); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	const n = 200
	want := make(map[uint64]string, n)
	var out []byte
	for i := range n {
		id := uint64(i + 1)
		switch i % 5 {
		case 2:
			want[id] = "pad"
			out = append(out, lexFrame(id, []byte(fmt.Sprintf("PAD%57d", i)))...) // a 60 KB reply
		case 4:
			want[id] = "pong"
			out = append(out, frame(proto.TypePing, id, nil)...)
		default:
			doc := fmt.Sprintf("document %d", i)
			want[id] = doc
			out = append(out, lexFrame(id, []byte(doc))...)
		}
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(out)
		if err == nil && halfClose {
			err = bc.CloseWrite()
		}
		werr <- err
	}()
	time.Sleep(100 * time.Millisecond) // replies pile up unread
	for len(want) > 0 {
		f := mustRead(t, c)
		w, ok := want[f.ReqID]
		if !ok {
			t.Fatalf("frame type %d for req_id %d: not expected, or a second answer", f.Type, f.ReqID)
		}
		delete(want, f.ReqID)
		switch w {
		case "pad":
			if code := errCode(t, f); code != proto.ErrInternal || len(f.Payload) != 4+60000 {
				t.Fatalf("req_id %d: padded frame of %d bytes, code %d", f.ReqID, len(f.Payload), code)
			}
		case "pong":
			if f.Type != proto.TypePong {
				t.Fatalf("req_id %d: want a pong, got type %d", f.ReqID, f.Type)
			}
		default:
			if r := reply(t, f); r.Status != 0 || int(r.NTokens) != len(w) {
				t.Fatalf("req_id %d: %+v for a %d-byte document", f.ReqID, r, len(w))
			}
		}
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
}
