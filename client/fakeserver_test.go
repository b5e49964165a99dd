package client_test

import (
	"bytes"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"l0lex/kernel"
	"l0lex/proto"
)

// fakeServer is an in-process l0d stand-in built on net.Listen and the
// proto Decoder. It lexes with the kernel, and documents starting with a
// command line change its behaviour:
//
//	"delay N\n..."  reply after N ms
//	"stall\n..."    reply only when cancelled (with ErrCancelled)
//	"busy\n..."     refuse with ErrBusy
//	"hangup\n..."   close the connection without replying
//	"badreply\n"    answer with a malformed reply frame
type fakeServer struct {
	t    *testing.T
	ln   net.Listener
	path string
	max  uint32

	mu      sync.Mutex
	cancels []uint64    // req_ids of the cancel frames received
	stalled chan uint64 // req_ids of stalled requests, as they arrive
	faults  []proto.Fault
	conns   []net.Conn
	wg      sync.WaitGroup
}

func newFakeServer(t *testing.T, maxPayload uint32) *fakeServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l0.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatalf("cannot listen: %v", err)
	}
	s := &fakeServer{t: t, ln: ln, path: path, max: maxPayload, stalled: make(chan uint64, 100)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *fakeServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *fakeServer) cancelled() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.cancels...)
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// fakeConn is one served connection.
type fakeConn struct {
	c      net.Conn
	wmu    sync.Mutex
	mu     sync.Mutex
	stalls map[uint64]chan struct{}
}

func (fc *fakeConn) send(frame []byte) {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	fc.c.Write(frame)
}

func (s *fakeServer) serve(c net.Conn) {
	defer s.wg.Done()
	fc := &fakeConn{c: c, stalls: make(map[uint64]chan struct{})}
	var reqs sync.WaitGroup
	defer func() {
		c.Close()
		fc.mu.Lock()
		for id, ch := range fc.stalls {
			close(ch)
			delete(fc.stalls, id)
		}
		fc.mu.Unlock()
		reqs.Wait()
	}()
	r := proto.NewReader(c, proto.NewDecoder(proto.FromClient, s.max))
	for {
		f, err := r.ReadFrame()
		if err != nil {
			var fe *proto.FrameError
			if errors.As(err, &fe) {
				fc.send(proto.AppendError(nil, fe.Header.ReqID, fe.Code, fe.Reason))
				if !fe.Fatal {
					continue
				}
			}
			return
		}
		switch f.Type {
		case proto.TypePing:
			fc.send(proto.AppendPong(nil, f.ReqID, proto.Pong{Version: "fake", Kernel: "purego", Actors: 2, UptimeMs: 1}))
		case proto.TypeFault:
			flt, _ := proto.ParseFault(f.Payload)
			s.mu.Lock()
			s.faults = append(s.faults, flt)
			s.mu.Unlock()
			if flt.Kind == proto.FaultPanic {
				fc.send(proto.AppendError(nil, f.ReqID, proto.ErrForbidden, "fault control disabled"))
			} else {
				fc.send(proto.AppendFaultAck(nil, f.ReqID))
			}
		case proto.TypeCancel:
			s.mu.Lock()
			s.cancels = append(s.cancels, f.ReqID)
			s.mu.Unlock()
			fc.mu.Lock()
			if ch, ok := fc.stalls[f.ReqID]; ok {
				close(ch)
				delete(fc.stalls, f.ReqID)
			}
			fc.mu.Unlock()
		case proto.TypeLex, proto.TypeLexFull:
			doc := proto.LexDoc(f.Payload)
			if bytes.HasPrefix(doc, []byte("hangup\n")) {
				return
			}
			var stall chan struct{}
			if bytes.HasPrefix(doc, []byte("stall\n")) {
				stall = make(chan struct{})
				fc.mu.Lock()
				fc.stalls[f.ReqID] = stall
				fc.mu.Unlock()
				s.stalled <- f.ReqID
			}
			reqs.Add(1)
			go func() {
				defer reqs.Done()
				fc.send(s.answer(f.Header, doc, stall))
			}()
		}
	}
}

// answer computes the reply frame of a lex request.
func (s *fakeServer) answer(h proto.Header, doc []byte, stall chan struct{}) []byte {
	full := h.Type == proto.TypeLexFull
	fail := func(code proto.ErrCode, msg string) []byte {
		if full {
			return proto.AppendError(nil, h.ReqID, code, msg)
		}
		return proto.AppendReply(nil, h.ReqID, proto.Reply{Status: uint32(code)})
	}
	switch {
	case stall != nil:
		<-stall
		return fail(proto.ErrCancelled, "cancelled by the client")
	case bytes.HasPrefix(doc, []byte("busy\n")):
		return fail(proto.ErrBusy, "every mailbox is full")
	case bytes.HasPrefix(doc, []byte("badreply\n")):
		return proto.AppendFrame(nil, proto.TypeReply, h.ReqID, []byte{1, 2, 3})
	case bytes.HasPrefix(doc, []byte("delay ")):
		line, _, _ := bytes.Cut(doc[6:], []byte("\n"))
		ms, _ := strconv.Atoi(string(line))
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	a := kernel.NewArena(kernel.SizeFor(doc))
	if err := kernel.Lex(a, doc, nil); err != nil {
		return fail(proto.ErrInternal, err.Error())
	}
	if full {
		return proto.AppendFullReply(nil, h.ReqID, proto.OriginPrimary, a)
	}
	return proto.AppendReply(nil, h.ReqID, proto.Reply{
		NTokens: uint32(a.N), NIssues: uint32(len(a.Issues()) + a.DroppedIssues()), Origin: proto.OriginPrimary})
}

// dropConns closes every connection served so far (as a restarting server
// would) and returns how many there were.
func (s *fakeServer) dropConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	return len(s.conns)
}

// accepted returns how many connections the server accepted.
func (s *fakeServer) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
