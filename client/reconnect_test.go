package client_test

import (
	"context"
	"errors"
	"testing"

	"l0lex/client"
	"l0lex/proto"
)

// TestClientReconnects: after the server dropped the connection, the next
// call goes out on a new one and succeeds; a connection lost during a call
// repeats it once on a new connection.
func TestClientReconnects(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := client.New("unix", s.path)
	defer c.Close()
	ctx := context.Background()
	doc := []byte("\\section{A} text $x$\n")
	want := uint32(localArena(t, doc).N)
	for round := 1; round <= 3; round++ {
		r, err := c.Lex(ctx, doc)
		if err != nil || r.NTokens != want {
			t.Fatalf("round %d: %+v, %v; want %d tokens", round, r, err, want)
		}
		if got := s.accepted(); got != round {
			t.Fatalf("round %d: the server accepted %d connections, want %d", round, got, round)
		}
		s.dropConns()
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("ping after a drop: %v", err)
	}
	// "hangup" loses the connection during the call, every time: one
	// retry on a new connection, then the error.
	before := s.accepted()
	if _, err := c.Lex(ctx, []byte("hangup\n")); err == nil {
		t.Fatal("a request the server hangs up on was answered")
	}
	if got := s.accepted() - before; got != 1 {
		t.Errorf("%d new connections for a call whose connection was lost, want 1 (one retry)", got)
	}
}

// TestClientNoRetry: a server's refusal and the caller's deadline are not
// repeated; after Close every call returns ErrClosed.
func TestClientNoRetry(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := client.New("unix", s.path)
	ctx := context.Background()
	var se *client.ServerError
	if _, err := c.Lex(ctx, []byte("busy\n")); !errors.As(err, &se) || se.Code != proto.ErrBusy {
		t.Fatalf("busy: %v, want a BUSY ServerError", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Lex(cctx, []byte("x\n")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	if got := s.accepted(); got != 1 {
		t.Errorf("the server accepted %d connections, want 1", got)
	}
	c.Close()
	if _, err := c.Lex(ctx, []byte("x\n")); !errors.Is(err, client.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	c.Close() // twice is fine
}
