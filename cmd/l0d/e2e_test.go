package main

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"l0lex/kernel/corpus"
	"l0lex/proto"
)

// testDoc is a LaTeX document with some of everything the lexer handles.
var testDoc = []byte(`\documentclass{article}
\usepackage{amsmath}
\begin{document}
\section{Intro} % a comment
Text with $x^2 + y_1$ and \emph{emphasis}~here.\\
\[ \int_0^1 f(x)\,dx \]
Unbalanced } brace and ^^M and \par
\end{document}
`)

func TestE2EBothSockets(t *testing.T) {
	bin := l0dBinary(t, "")
	tcp := freeTCP(t)
	d := startDaemon(t, bin, tempSock(t), "L0_TCP="+tcp, "L0_POOL_CORES=0,0")
	wantTok, wantIss := localLex(t, testDoc)
	big := corpusDoc(t)
	bigTok, _ := localLex(t, big)

	for _, ep := range []struct{ network, addr string }{{"unix", d.sock}, {"tcp", tcp}} {
		t.Run(ep.network, func(t *testing.T) {
			c := dial(t, ep.network, ep.addr)
			// Pipelined: a summary, a legacy whole-payload document, a full
			// result, a large document, a ping.
			send(t, c,
				lexReq(t, proto.TypeLex, 1, testDoc),
				proto.AppendFrame(nil, proto.TypeLex, 2, testDoc),
				lexReq(t, proto.TypeLexFull, 3, testDoc),
				lexReq(t, proto.TypeLex, 4, big),
				proto.AppendPing(nil, 5))
			got := map[uint64]proto.Frame{}
			for range 5 {
				f := recv(t, c)
				if _, dup := got[f.ReqID]; dup {
					t.Fatalf("two replies for req %d", f.ReqID)
				}
				got[f.ReqID] = f
			}
			for _, id := range []uint64{1, 2} {
				rep, err := proto.ParseReply(got[id].Payload)
				if err != nil || got[id].Type != proto.TypeReply {
					t.Fatalf("req %d: type %d, %v", id, got[id].Type, err)
				}
				if rep.Status != 0 || int(rep.NTokens) != wantTok || int(rep.NIssues) != wantIss {
					t.Fatalf("req %d: %+v, want %d tokens and %d issues", id, rep, wantTok, wantIss)
				}
			}
			if got[3].Type != proto.TypeReplyFull {
				t.Fatalf("req 3: type %d payload %q", got[3].Type, got[3].Payload)
			}
			full, err := proto.ParseFullReply(got[3].Payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Tokens) != wantTok || int(full.DocLen) != len(testDoc) {
				t.Fatalf("full result: %d tokens, doc %d bytes; want %d, %d", len(full.Tokens), full.DocLen, wantTok, len(testDoc))
			}
			if rep, _ := proto.ParseReply(got[4].Payload); rep.Status != 0 || int(rep.NTokens) != bigTok {
				t.Fatalf("large document: %+v, want %d tokens", rep, bigTok)
			}
			pong, err := proto.ParsePong(got[5].Payload)
			if err != nil || got[5].Type != proto.TypePong {
				t.Fatalf("ping: type %d, %v", got[5].Type, err)
			}
			if pong.Actors != 2+1 || pong.Kernel == "" || pong.Version == "" { // cores 0,1 and the default spare
				t.Fatalf("pong %+v", pong)
			}
		})
	}

	t.Run("oversize closes only that connection", func(t *testing.T) {
		other := dial(t, "unix", d.sock)
		c := dial(t, "unix", d.sock)
		send(t, c, proto.AppendHeader(nil, proto.Header{Type: proto.TypeLex, ReqID: 9, Len: 8<<20 + 1}))
		f := recv(t, c)
		if e, err := proto.ParseError(f.Payload); err != nil || f.Type != proto.TypeError || e.Code != proto.ErrTooLarge {
			t.Fatalf("got type %d %q", f.Type, f.Payload)
		}
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Fatalf("connection still open after oversize: %d, %v", n, err)
		}
		send(t, other, lexReq(t, proto.TypeLex, 10, testDoc))
		if rep := recvReply(t, other, 10); int(rep.NTokens) != wantTok {
			t.Fatalf("other connection: %+v", rep)
		}
	})

	t.Run("fault control off", func(t *testing.T) {
		c := dial(t, "tcp", tcp)
		send(t, c, proto.AppendFault(nil, 1, proto.Fault{Kind: proto.FaultPanic, Actor: proto.AllActors}))
		f := recv(t, c)
		if e, err := proto.ParseError(f.Payload); err != nil || e.Code != proto.ErrForbidden {
			t.Fatalf("got type %d %q", f.Type, f.Payload)
		}
	})

	t.Run("second instance refused", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "L0_SOCK="+d.sock, "L0_ALLOW_SCALAR=1", "L0_PROM=0", "L0_TAIL_KEEP=-1")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFail {
			t.Fatalf("second l0d: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "already answering") {
			t.Fatalf("second l0d's message does not say why:\n%s", out)
		}
		c := dial(t, "unix", d.sock) // the first still serves
		send(t, c, proto.AppendPing(nil, 1))
		if f := recv(t, c); f.Type != proto.TypePong {
			t.Fatalf("first l0d after the second's attempt: type %d", f.Type)
		}
	})

	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, d.out.String())
	}
	for _, p := range []string{d.sock, d.pidFile} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind after exit (%v)", p, err)
		}
	}
	if !strings.Contains(d.out.String(), "effective configuration") {
		t.Errorf("no configuration printed:\n%s", d.out.String())
	}
}

// TestE2EDrainOnSIGTERM: requests in flight when SIGTERM arrives are
// answered, then l0d exits 0.
func TestE2EDrainOnSIGTERM(t *testing.T) {
	bin := l0dBinary(t, "")
	// Every request sleeps 300 ms in its actor; no hedging.
	tcp := freeTCP(t)
	d := startDaemon(t, bin, tempSock(t), "L0_FAULT_MS=300", "L0_FAULT_RATE_PPM=1000000", "L0_HEDGE_MS=0", "L0_POOL_CORES=0,1", "L0_TCP="+tcp)
	want, _ := localLex(t, testDoc)

	// Half-close: a client that shuts down its write side with requests in
	// flight still gets every reply, then the server closes.
	for _, ep := range []struct{ network, addr string }{{"unix", d.sock}, {"tcp", tcp}} {
		t.Run("half-close "+ep.network, func(t *testing.T) {
			c := dial(t, ep.network, ep.addr)
			send(t, c, lexReq(t, proto.TypeLex, 1, testDoc), lexReq(t, proto.TypeLex, 2, testDoc), proto.AppendPing(nil, 3))
			if f := recv(t, c); f.Type != proto.TypePong {
				t.Fatalf("want the pong first, got type %d", f.Type)
			}
			if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]bool{}
			for range 2 {
				f := recv(t, c)
				rep, err := proto.ParseReply(f.Payload)
				if err != nil || rep.Status != 0 || int(rep.NTokens) != want || seen[f.ReqID] {
					t.Fatalf("req %d after half-close: %+v %v", f.ReqID, rep, err)
				}
				seen[f.ReqID] = true
			}
			if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("after the replies: %d bytes, %v; want EOF", n, err)
			}
		})
	}

	c := dial(t, "unix", d.sock)
	// The pong proves the server decoded the requests before it.
	send(t, c, lexReq(t, proto.TypeLex, 1, testDoc), lexReq(t, proto.TypeLex, 2, testDoc), proto.AppendPing(nil, 3))
	if f := recv(t, c); f.Type != proto.TypePong {
		t.Fatalf("want the pong first, got type %d req %d", f.Type, f.ReqID)
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f := recv(t, c)
		rep, err := proto.ParseReply(f.Payload)
		if err != nil || rep.Status != 0 || int(rep.NTokens) != want {
			t.Fatalf("in-flight req %d after SIGTERM: %+v %v", f.ReqID, rep, err)
		}
	}
	if code := d.wait(); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, d.out.String())
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("connection after exit: %v", err)
	}
	// A new server can take the socket over at once.
	d2 := startDaemon(t, bin, d.sock)
	if code := d2.stop(syscall.SIGINT); code != 0 {
		t.Fatalf("second daemon exit %d", code)
	}
}

// TestE2EScalarGuard: a pure-Go build refuses to start unless
// L0_ALLOW_SCALAR=1, and says why and how to fix it.
func TestE2EScalarGuard(t *testing.T) {
	bin := l0dBinary(t, "purego")
	sock := tempSock(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "L0_SOCK="+sock, "L0_ALLOW_SCALAR=0", "L0_PROM=0", "L0_TAIL_KEEP=-1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitNoSIMD {
		t.Fatalf("pure-Go l0d without L0_ALLOW_SCALAR: %v\n%s", err, out)
	}
	for _, want := range []string{"SIMD kernel is not available", "make build", "L0_ALLOW_SCALAR=1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("refused l0d created its socket")
	}
	d := startDaemon(t, bin, sock, "L0_ALLOW_SCALAR=1")
	c := dial(t, "unix", d.sock)
	send(t, c, proto.AppendPing(nil, 1))
	f := recv(t, c)
	if p, err := proto.ParsePong(f.Payload); err != nil || p.Kernel != "purego" {
		t.Fatalf("pong %+v %v", p, err)
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && errors.Is(err, syscall.ECONNRESET)
}

// corpusDoc is a generated thesis-like document of about 256 KiB.
func corpusDoc(t *testing.T) []byte {
	t.Helper()
	return corpus.Generate(256<<10, 1)
}

// TestE2EFaultControl drives runtime faults through control frames: a
// stalled request is answered CANCELLED on a client cancel, a panicking
// actor does not take the server down, and the drain still ends with exit 0.
func TestE2EFaultControl(t *testing.T) {
	bin := l0dBinary(t, "")
	// One actor, so that every armed fault is consumed by the next request.
	d := startDaemon(t, bin, tempSock(t), "L0_FAULT_CONTROL=1", "L0_HEDGE_MS=0", "L0_POOL_CORES=0", "L0_DRAIN_MS=3000")
	c := dial(t, "unix", d.sock)
	ack := func(id uint64, f proto.Fault) {
		t.Helper()
		send(t, c, proto.AppendFault(nil, id, f))
		if r := recv(t, c); r.Type != proto.TypeFaultAck || r.ReqID != id {
			t.Fatalf("fault %+v: got type %d req %d payload %q", f, r.Type, r.ReqID, r.Payload)
		}
	}

	ack(100, proto.Fault{Kind: proto.FaultStall, Actor: proto.AllActors})
	send(t, c, lexReq(t, proto.TypeLex, 1, testDoc), proto.AppendPing(nil, 2))
	if f := recv(t, c); f.Type != proto.TypePong { // req 1 is stalled, the loop is not
		t.Fatalf("want the pong while req 1 stalls, got type %d req %d", f.Type, f.ReqID)
	}
	send(t, c, proto.AppendCancel(nil, 1))
	if rep := recvReply(t, c, 1); rep.Status != uint32(proto.ErrCancelled) {
		t.Fatalf("stalled req 1 after cancel: %+v", rep)
	}
	// The cancel may have reached req 1 before the actor took the stall
	// fault: then the next request stalls. Cancel requests that do not
	// answer until one does.
	for id := uint64(2); ; id++ {
		if id == 20 {
			t.Fatal("no request answered after the stall fault")
		}
		send(t, c, lexReq(t, proto.TypeLex, id, testDoc))
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		var hb [proto.HeaderLen]byte
		_, err := io.ReadFull(c, hb[:])
		_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
		if err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				t.Fatal(err)
			}
			send(t, c, proto.AppendCancel(nil, id))
			if rep := recvReply(t, c, id); rep.Status != uint32(proto.ErrCancelled) && rep.Status != 0 {
				t.Fatalf("req %d after cancel: %+v", id, rep)
			}
			continue
		}
		p := make([]byte, proto.ParseHeader(hb[:]).Len)
		if _, err := io.ReadFull(c, p); err != nil {
			t.Fatal(err)
		}
		if rep, err := proto.ParseReply(p); err == nil && rep.Status == 0 {
			break
		}
	}

	ack(101, proto.Fault{Kind: proto.FaultPanic, Actor: proto.AllActors})
	want, _ := localLex(t, testDoc)
	for id := uint64(10); id < 14; id++ {
		send(t, c, lexReq(t, proto.TypeLex, id, testDoc))
		rep := recvReply(t, c, id)
		if rep.Status != 0 && rep.Status != uint32(proto.ErrInternal) {
			t.Fatalf("req %d around a panic: %+v", id, rep)
		}
		if rep.Status == 0 && int(rep.NTokens) != want {
			t.Fatalf("req %d: %d tokens, want %d", id, rep.NTokens, want)
		}
	}
	send(t, c, proto.AppendFault(nil, 102, proto.Fault{Kind: proto.FaultRotate, Actor: 7}))
	if f := recv(t, c); f.Type != proto.TypeError {
		t.Fatalf("fault for a missing actor: type %d", f.Type)
	}
	send(t, c, proto.AppendPing(nil, 103))
	if f := recv(t, c); f.Type != proto.TypePong {
		t.Fatalf("ping after the faults: type %d", f.Type)
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d:\n%s", code, d.out.String())
	}
}
