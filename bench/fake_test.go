package bench

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"l0lex/proto"
)

// action is what the fake server does with one request.
type action int

const (
	actOK         action = iota
	actDrop              // no reply at all
	actDup               // the right reply, twice
	actCorrupt           // status 0 with a wrong token count
	actBusyFrame         // type-5 BUSY error frame
	actBusyStatus        // type-2 reply with status BUSY
	actInternal          // type-2 reply with status INTERNAL
	actWrongID           // a correct reply carrying another req_id
	actStall             // no reply until the client cancels: then CANCELLED
)

// fakeServer speaks the frame format: it answers type-1 requests with the
// token count it was given, serving each connection's requests in order,
// after delay, except where behave says otherwise (behave gets the global
// request number, from 0).
type fakeServer struct {
	tokens uint32
	delay  time.Duration
	behave func(n int64) action

	// forbidFaults answers fault frames FORBIDDEN, as l0d does without
	// L0_FAULT_CONTROL=1; otherwise they are acknowledged and counted.
	forbidFaults bool
	faults       atomic.Int64

	n        atomic.Int64
	mu       sync.Mutex
	arrivals []time.Time // arrival time of each request, in arrival order
	wg       sync.WaitGroup
}

// serve answers the requests on c until the client closes it.
func (s *fakeServer) serve(c net.Conn) {
	defer c.Close()
	var hdr [proto.HeaderLen]byte
	var out []byte
	stalled := map[uint64]bool{}
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		h := proto.ParseHeader(hdr[:])
		payload := make([]byte, h.Len)
		if _, err := io.ReadFull(c, payload); err != nil {
			return
		}
		out = out[:0]
		switch h.Type {
		case proto.TypePing:
			out = proto.AppendPong(out, h.ReqID, proto.Pong{Version: "fake", Actors: 3})
		case proto.TypeFault:
			if _, err := proto.ParseFault(payload); err != nil {
				out = proto.AppendError(out, h.ReqID, proto.ErrBadFrame, err.Error())
			} else if s.forbidFaults {
				out = proto.AppendError(out, h.ReqID, proto.ErrForbidden, "fault control off")
			} else {
				s.faults.Add(1)
				out = proto.AppendFaultAck(out, h.ReqID)
			}
		case proto.TypeCancel:
			if stalled[h.ReqID] {
				delete(stalled, h.ReqID)
				out = proto.AppendReply(out, h.ReqID, proto.Reply{Status: uint32(proto.ErrCancelled)})
			}
		}
		if h.Type != proto.TypeLex && len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
			continue
		}
		if h.Type == proto.TypeCancel {
			continue
		}
		s.mu.Lock()
		s.arrivals = append(s.arrivals, time.Now())
		s.mu.Unlock()
		n := s.n.Add(1) - 1
		act := actOK
		if s.behave != nil {
			act = s.behave(n)
		}
		if h.Type != proto.TypeLex || len(payload) < 4 ||
			int(binary.BigEndian.Uint32(payload)) != len(payload)-4 {
			act = -1
		}
		if s.delay > 0 {
			time.Sleep(s.delay)
		}
		ok := proto.Reply{NTokens: s.tokens, Origin: proto.OriginPrimary}
		switch act {
		case actStall:
			stalled[h.ReqID] = true
		case -1:
			out = proto.AppendError(out, h.ReqID, proto.ErrBadFrame, "bad request")
		case actOK:
			out = proto.AppendReply(out, h.ReqID, ok)
		case actDrop:
		case actDup:
			out = proto.AppendReply(out, h.ReqID, ok)
			out = proto.AppendReply(out, h.ReqID, ok)
		case actCorrupt:
			bad := ok
			bad.NTokens++
			out = proto.AppendReply(out, h.ReqID, bad)
		case actBusyFrame:
			out = proto.AppendError(out, h.ReqID, proto.ErrBusy, "busy")
		case actBusyStatus:
			out = proto.AppendReply(out, h.ReqID, proto.Reply{Status: uint32(proto.ErrBusy)})
		case actInternal:
			out = proto.AppendReply(out, h.ReqID, proto.Reply{Status: uint32(proto.ErrInternal)})
		case actWrongID:
			out = proto.AppendReply(out, h.ReqID^0xdead0000, ok)
			out = proto.AppendReply(out, h.ReqID, ok)
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

// listenUnix starts s on a Unix socket in a temporary directory and
// returns a Dialer for it; the listener closes when the test ends.
func (s *fakeServer) listenUnix(t *testing.T) Dialer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatalf("cannot listen on %s: %v", path, err)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return NetDialer("unix", path)
}

// pipeDialer returns a Dialer whose connections are in-memory pipes served
// by s (usable inside a synctest bubble).
func (s *fakeServer) pipeDialer() Dialer {
	return func(context.Context) (net.Conn, error) {
		cli, srv := net.Pipe()
		go s.serve(srv)
		return cli, nil
	}
}

// testDoc loads testdata/doc.tex.
func testDoc(t *testing.T) *Document {
	t.Helper()
	d, err := LoadDocument(filepath.Join("testdata", "doc.tex"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
