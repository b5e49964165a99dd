package bench

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"testing"

	"l0lex/proto"
)

// echoServer answers every type-1 request on one connection with a correct
// reply, reading and writing through fixed buffers (it allocates nothing
// per request, so that the client's allocations can be measured).
func echoServer(t *testing.T, tokens uint32) Dialer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "echo.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		hdr := make([]byte, proto.HeaderLen)
		payload := make([]byte, 1<<16)
		reply := proto.AppendReply(nil, 0, proto.Reply{NTokens: tokens, Origin: 1})
		for {
			if _, err := io.ReadFull(c, hdr); err != nil {
				return
			}
			h := proto.ParseHeader(hdr)
			if _, err := io.ReadFull(c, payload[:h.Len]); err != nil {
				return
			}
			setReqID(reply, h.ReqID)
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return NetDialer("unix", path)
}

// The keep-alive request loop allocates nothing per request.
func TestKeepaliveRequestAllocs(t *testing.T) {
	doc := testDoc(t)
	dial := echoServer(t, doc.Tokens)
	c, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ClosedConfig{Dial: dial, Doc: doc, Timeout: DefaultTimeout}
	w := &closedWorker{cfg: cfg, id: 1 << 40, frame: doc.requestFrame(), hist: NewHistogram()}
	w.setConn(c)
	defer w.closeConn()
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		if _, ok := w.one(ctx); !ok {
			t.Fatalf("request failed: %s", w.errs.String())
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per request, want 0", allocs)
	}
}
