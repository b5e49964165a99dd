package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"l0lex/client"
	"l0lex/kernel"
	"l0lex/proto"
)

func dial(t *testing.T, s *fakeServer) *client.Conn {
	t.Helper()
	c, err := client.Dial(context.Background(), "unix", s.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// localCount lexes doc locally.
func localArena(t *testing.T, doc []byte) *kernel.Arena {
	t.Helper()
	a := kernel.NewArena(kernel.SizeFor(doc))
	if err := kernel.Lex(a, doc, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestLexAndFull(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := dial(t, s)
	ctx := context.Background()
	doc := []byte("\\documentclass{article}\n\\begin{document}\nHi $x^2$.\n\\end{document}\n")
	a := localArena(t, doc)
	rep, err := c.Lex(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != 0 || rep.NTokens != uint32(a.N) || rep.Origin != proto.OriginPrimary {
		t.Errorf("reply %+v, want %d tokens", rep, a.N)
	}
	res, err := c.LexFull(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tokens) != a.N || res.DocLen != uint32(len(doc)) {
		t.Fatalf("%d tokens for %d bytes, want %d", len(res.Tokens), res.DocLen, a.N)
	}
	for i, tok := range res.Tokens {
		if want := a.Token(i); tok.Off != want.Off || tok.Len != want.Len || tok.Kind != want.Kind || tok.Name != string(a.Name(i)) {
			t.Fatalf("token %d: %+v, want %+v", i, tok, want)
		}
	}
	// A large document crosses in many reads.
	big := bytes.Repeat([]byte("\\alpha{x} "), 300000)
	rep, err = c.Lex(ctx, big)
	if err != nil || rep.NTokens != uint32(localArena(t, big).N) {
		t.Errorf("3 MB document: %+v, %v", rep, err)
	}
}

// TestPipelined runs many concurrent calls on one connection; the fake
// server answers them out of order (random delays) and each call must get
// its own reply.
func TestPipelined(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := dial(t, s)
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc := fmt.Sprintf("delay %d\n%s", (n-i)%7, strings.Repeat("x", i))
			want := uint32(localArena(t, []byte(doc)).N)
			var got uint32
			if i%2 == 0 {
				rep, err := c.Lex(context.Background(), []byte(doc))
				if err != nil {
					errs <- err
					return
				}
				got = rep.NTokens
			} else {
				res, err := c.LexFull(context.Background(), []byte(doc))
				if err != nil {
					errs <- err
					return
				}
				got = uint32(len(res.Tokens))
			}
			if got != want {
				errs <- fmt.Errorf("request %d: %d tokens, want %d", i, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDeadlineSendsCancel(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Lex(ctx, []byte("stall\nabc"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lex = %v, want DeadlineExceeded", err)
	}
	// The server got a cancel for request 1 and answered it; that late reply
	// is dropped and the connection keeps working.
	if _, err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.cancelled(); !slices.Equal(got, []uint64{1}) {
		t.Errorf("server saw cancels %v, want [1]", got)
	}
	if rep, err := c.Lex(context.Background(), []byte("a\n")); err != nil || rep.NTokens == 0 {
		t.Errorf("after a cancel: %+v, %v", rep, err)
	}
	// An explicit cancel works the same way, for full requests too.
	<-s.stalled // request 1
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		<-s.stalled
		cancel2()
	}()
	if _, err := c.LexFull(ctx2, []byte("stall\n")); !errors.Is(err, context.Canceled) {
		t.Errorf("LexFull = %v, want Canceled", err)
	}
	if _, err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.cancelled(); !slices.Equal(got, []uint64{1, 4}) {
		t.Errorf("server saw cancels %v, want [1 4]", got)
	}
	// A context that is already done sends nothing.
	if _, err := c.Lex(ctx2, []byte("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Lex with a done context = %v", err)
	}
}

func TestServerErrors(t *testing.T) {
	s := newFakeServer(t, 1000)
	c := dial(t, s)
	ctx := context.Background()
	var se *client.ServerError
	rep, err := c.Lex(ctx, []byte("busy\n"))
	if !errors.As(err, &se) || se.Code != proto.ErrBusy || rep.Status != uint32(proto.ErrBusy) {
		t.Errorf("busy type-1: %+v, %v", rep, err)
	}
	_, err = c.LexFull(ctx, []byte("busy\n"))
	if !errors.As(err, &se) || se.Code != proto.ErrBusy || se.Message == "" {
		t.Errorf("busy type-3: %v", err)
	}
	if err := c.Fault(ctx, proto.Fault{Kind: proto.FaultPanic, Actor: proto.AllActors}); !errors.As(err, &se) || se.Code != proto.ErrForbidden {
		t.Errorf("forbidden fault: %v", err)
	}
	if err := c.Fault(ctx, proto.Fault{Kind: proto.FaultDelay, Actor: 1, Ms: 5}); err != nil {
		t.Errorf("fault: %v", err)
	}
	if err := c.Fault(ctx, proto.Fault{Kind: proto.FaultDelay}); err == nil {
		t.Error("invalid fault sent")
	}
	if _, err := c.Lex(ctx, []byte("badreply\n")); err == nil || errors.As(err, &se) {
		t.Errorf("malformed reply: %v", err)
	}
	p, err := c.Ping(ctx)
	if err != nil || p.Version != "fake" || p.Actors != 2 {
		t.Errorf("ping after errors: %+v, %v", p, err)
	}
	// Too large: an error frame, then the server closes the connection.
	_, err = c.Lex(ctx, make([]byte, 2000))
	if !errors.As(err, &se) || se.Code != proto.ErrTooLarge {
		t.Errorf("too large: %v", err)
	}
	if _, err := c.Ping(ctx); err == nil {
		t.Error("ping on a connection the server closed")
	}
}

func TestConnectionLossFailsPending(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := dial(t, s)
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := c.Lex(context.Background(), []byte("stall\n"))
			errs <- err
		}()
	}
	if _, err := c.Lex(context.Background(), []byte("hangup\n")); err == nil {
		t.Fatal("hangup answered")
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err == nil || errors.Is(err, client.ErrClosed) {
			t.Errorf("pending call: %v, want a connection error", err)
		}
	}
	if c.Err() == nil {
		t.Error("Err() is nil after the connection was lost")
	}
	if _, err := c.Ping(context.Background()); err == nil {
		t.Error("call on a lost connection succeeded")
	}
}

func TestClose(t *testing.T) {
	s := newFakeServer(t, proto.DefaultMaxRequest)
	c := dial(t, s)
	done := make(chan error, 1)
	go func() {
		_, err := c.Lex(context.Background(), []byte("stall\n"))
		done <- err
	}()
	<-s.stalled
	c.Close()
	if err := <-done; !errors.Is(err, client.ErrClosed) {
		t.Errorf("pending call after Close: %v", err)
	}
	if _, err := c.Ping(context.Background()); !errors.Is(err, client.ErrClosed) {
		t.Errorf("call after Close: %v", err)
	}
	c.Close() // twice is fine
}

func TestDialError(t *testing.T) {
	if _, err := client.Dial(context.Background(), "unix", "/nonexistent/l0.sock"); err == nil {
		t.Error("Dial to a missing socket succeeded")
	}
}

// TestWriteBlockedCancelled: a server that stops reading makes a large
// request's write block; cancelling the context ends the call, and the
// frame cut in the middle fails the connection (its stream is broken).
func TestWriteBlockedCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mute.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		one := make([]byte, 1)
		nc.Read(one) // the write has started
		cancel()
		<-t.Context().Done() // read nothing more
	}()
	c, err := client.Dial(context.Background(), "unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Lex(ctx, make([]byte, 64<<20))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Lex = %v, want Canceled", err)
	}
	if c.Err() == nil {
		t.Error("connection still usable after a frame was cut")
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer pcancel()
	if _, err := c.Ping(pctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ping on a broken connection: %v, want the connection's error", err)
	}
}

// TestTooLargeRefusedMidWrite: the server refuses a request it will not
// read (over its maximum) and closes while the client is still writing it;
// the caller still gets the server's error frame, and later calls fail.
func TestTooLargeRefusedMidWrite(t *testing.T) {
	s := newFakeServer(t, 1000)
	c := dial(t, s)
	_, err := c.Lex(context.Background(), make([]byte, 9<<20))
	var se *client.ServerError
	if !errors.As(err, &se) || se.Code != proto.ErrTooLarge {
		t.Fatalf("Lex = %v, want a too-large ServerError", err)
	}
	if _, err := c.Ping(context.Background()); err == nil {
		t.Error("ping after the server closed the connection succeeded")
	}
}
