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
// replies written directly by the replying goroutine then meet a full
// socket, which takes only part of some, and the rest goes on through gnet,
// with every later frame (the pongs the event loop writes too) queued
// behind it. Every frame must still arrive whole, exactly once. The
// scenario is repeated (up to 20 connections) until a direct write was
// split, so that the test proves the split is handled.
func TestRepliesStayWholeUnderBackPressure(t *testing.T) {
	for _, noDirect := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoDirectWrites=%v", noDirect), func(t *testing.T) {
			pool := newFakePool(t)
			srv := startServer(t, eventloop.Config{SocketBuffer: 32 << 10, NoDirectWrites: noDirect}, pool)
			path := srv.Addrs()[0][len("unix://"):]
			for round := 1; ; round++ {
				pileUpReplies(t, dialUnix(t, path))
				st := srv.Snapshot()
				if noDirect {
					if st.DirectWrites+st.DirectRests != 0 {
						t.Fatalf("direct writes are off, yet %+v", st)
					}
					return
				}
				if st.DirectWrites == 0 {
					t.Fatalf("no reply was written directly: %+v", st)
				}
				if st.DirectRests > 0 {
					t.Logf("round %d: %d direct writes, %d of them split", round, st.DirectWrites, st.DirectRests)
					return
				}
				if round == 20 {
					t.Fatalf("no direct write was split by a full socket in %d rounds: %+v", round, st)
				}
			}
		})
	}
}

// pileUpReplies runs one round of TestRepliesStayWholeUnderBackPressure on c.
func pileUpReplies(t *testing.T, c *net.UnixConn) {
	t.Helper()
	if err := c.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
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
	go func() { _, err := c.Write(out); werr <- err }()
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
