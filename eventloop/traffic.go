package eventloop

import (
	"errors"
	"fmt"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"l0lex/actors"
	"l0lex/proto"
)

// maxFrameType is the largest type number that is still taken for a frame
// (unknown types get ErrUnknownType and the connection goes on); a header
// with a larger type, or type 0, is garbage and closes the connection.
const maxFrameType = 0xFFFF

// OnTraffic decodes every complete frame buffered for c, without a
// goroutine per request, and leaves a partial frame buffered for later.
// Called on the connection's event loop.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	st, ok := c.Context().(*connState)
	if !ok {
		return gnet.Close
	}
	if s.readHook != nil {
		s.readHook(c.InboundBuffered())
	}
	if st.stopped { // closing once the replies in flight are written
		_, _ = c.Discard(c.InboundBuffered())
		return gnet.None
	}
	st.mu.Lock()
	backlog := st.outBytes
	st.mu.Unlock()
	if backlog > s.cfg.MaxOutbound {
		return s.fatal(c, st, 0, proto.ErrBusy,
			fmt.Sprintf("over %d reply bytes are waiting for this client to read them; closing the connection", s.cfg.MaxOutbound))
	}
	now := s.cfg.Now()
	first := true
	for {
		if st.asm != nil { // a large document arriving: copy straight into it
			if !st.asm.fill(c, !s.cfg.NoDirectReads) {
				break
			}
			a := st.asm
			st.asm = nil
			first = false
			s.submit(st, a.reqID, a.mode, a.buf, a.pooled, a.tStart)
			continue
		}
		n := c.InboundBuffered()
		if n < proto.HeaderLen {
			break
		}
		hb, err := c.Peek(proto.HeaderLen)
		if err != nil {
			break
		}
		h := proto.ParseHeader(hb)
		if h.Type == 0 || h.Type > maxFrameType {
			return s.fatal(c, st, h.ReqID, proto.ErrBadFrame,
				fmt.Sprintf("not an l0lex frame (type %d); closing the connection", uint32(h.Type)))
		}
		need, err := s.dec.Need(hb)
		if err != nil { // too large: answered without waiting for the payload
			return s.fatal(c, st, h.ReqID, proto.CodeOf(err), err.Error()+"; closing the connection")
		}
		tStart := now
		if first && st.pendStart != 0 {
			tStart = st.pendStart
		}
		if n < need {
			if isLex(h.Type) && h.Len >= assembleMin {
				// Take the payload out of gnet's buffers as it arrives
				// rather than letting its ring buffer grow to hold it.
				_, _ = c.Discard(proto.HeaderLen)
				buf, pooled := s.docs.get(int(h.Len))
				st.asm = &assembly{reqID: h.ReqID, mode: modeOf(h.Type), tStart: tStart, buf: buf, pooled: pooled}
				first = false
				continue
			}
			break
		}
		first = false
		if act := s.frame(c, st, h, need, tStart); act != gnet.None {
			return act
		}
	}
	if c.InboundBuffered() > 0 {
		if !first || st.pendStart == 0 {
			st.pendStart = now // the partial frame began in this read
		}
	} else {
		st.pendStart = 0
	}
	return gnet.None
}

// frame handles one frame of size bytes (header h), wholly buffered, and
// consumes it.
func (s *Server) frame(c gnet.Conn, st *connState, h proto.Header, size int, tStart int64) gnet.Action {
	switch h.Type {
	case proto.TypeLex, proto.TypeLexFull:
		// Every payload is a document: copy it once, straight from gnet's
		// buffers into memory the request owns.
		_, _ = c.Discard(proto.HeaderLen)
		payload, pooled := s.docs.get(int(h.Len))
		if _, err := c.Read(payload); err != nil {
			if pooled {
				s.docs.put(payload)
			}
			return s.fatal(c, st, h.ReqID, proto.ErrInternal, "cannot read a buffered payload")
		}
		s.submit(st, h.ReqID, modeOf(h.Type), payload, pooled, tStart)
		return gnet.None
	case proto.TypeFault:
		if !s.cfg.FaultControl {
			_, _ = c.Discard(size)
			s.writeError(c, h.ReqID, proto.ErrForbidden, "fault control is disabled (start l0d with L0_FAULT_CONTROL=1)")
			return gnet.None
		}
	}
	buf, err := c.Peek(size)
	if err != nil {
		return s.fatal(c, st, h.ReqID, proto.ErrInternal, "cannot peek a buffered frame")
	}
	f, _, err := s.dec.Decode(buf)
	if err != nil {
		_, _ = c.Discard(size)
		var fe *proto.FrameError
		if errors.As(err, &fe) && fe.Fatal {
			return s.fatal(c, st, h.ReqID, fe.Code, err.Error())
		}
		s.writeError(c, h.ReqID, proto.CodeOf(err), err.Error())
		return gnet.None
	}
	switch h.Type {
	case proto.TypeCancel:
		s.pool.Cancel(st.id, h.ReqID)
	case proto.TypePing:
		s.ping(c, h.ReqID)
	case proto.TypeFault:
		s.fault(c, h.ReqID, f.Payload) // parsed before Discard: f aliases gnet's buffer
	default:
		s.writeError(c, h.ReqID, proto.ErrUnknownType,
			fmt.Sprintf("frame type %d is not a request this server accepts", uint32(h.Type)))
	}
	_, _ = c.Discard(size)
	return gnet.None
}

// assembleMin is the payload size from which a lex request that is not yet
// wholly buffered is copied into its own buffer as it arrives.
const assembleMin = 64 << 10

// assembly is a large lex payload being received.
type assembly struct {
	reqID  uint64
	mode   actors.Mode
	tStart int64
	buf    []byte // the payload, owned by the request
	pooled bool   // buf comes from the server's docPool
	filled int
}

// fill copies what c has buffered into the payload, then, when direct is
// set, reads the rest of it from the socket straight into the payload
// until the socket has no more for now; it reports whether the payload is
// complete. Reading the socket here, on the loop, is safe: gnet's level-
// triggered poller reports again whatever is left (more data, or the end of
// the stream, which gnet then reads itself and closes on). It saves gnet's
// copy of megabyte documents through its read buffer.
func (a *assembly) fill(c gnet.Conn, direct bool) bool {
	if k := min(len(a.buf)-a.filled, c.InboundBuffered()); k > 0 {
		n, _ := c.Read(a.buf[a.filled : a.filled+k])
		a.filled += n
	}
	for direct && a.filled < len(a.buf) {
		n, err := unix.Read(c.Fd(), a.buf[a.filled:])
		if err == unix.EINTR {
			continue
		}
		if n <= 0 {
			break // EAGAIN, the end of the stream or an error: gnet sees it too
		}
		a.filled += n
	}
	return a.filled == len(a.buf)
}

func isLex(t proto.Type) bool { return t == proto.TypeLex || t == proto.TypeLexFull }

func modeOf(t proto.Type) actors.Mode {
	if t == proto.TypeLexFull {
		return actors.ModeFull
	}
	return actors.ModeSummary
}

// submit posts one lex request whose payload is payload to the pool (or
// answers it at once while draining). A pooled payload goes back to the
// server's docPool when the pool releases the request.
func (s *Server) submit(st *connState, reqID uint64, mode actors.Mode, payload []byte, pooled bool, tStart int64) {
	p := &pending{st: st}
	var release func()
	if pooled {
		release = func() { s.docs.put(payload) }
	}
	p.req = actors.Request{
		ConnID:   st.id,
		ID:       reqID,
		Mode:     mode,
		Doc:      proto.LexDoc(payload),
		Release:  release,
		TInStart: tStart,
		TInDone:  s.cfg.Now(),
		Done:     p.done,
	}
	st.mu.Lock()
	st.inflight++
	st.mu.Unlock()
	s.inflight.Add(1)
	s.stats.Requests.Add(1)
	if s.cfg.Telemetry != nil {
		s.cfg.Telemetry.RequestStarted()
	}
	if s.draining.Load() {
		p.own = true
		p.done(&actors.Reply{
			Frame:  s.errorReply(s.getFrame(), mode, reqID, proto.ErrShuttingDown, "server is shutting down"),
			Status: uint32(proto.ErrShuttingDown),
			Actor:  -1,
		})
		if release != nil {
			release()
		}
		return
	}
	s.pool.Submit(&p.req)
}

// errorReply appends the answer to a failed lex request: a type-2 reply
// carrying the code as status for type-1 requests (the legacy rule), a
// type-5 error frame for full requests.
func (s *Server) errorReply(dst []byte, mode actors.Mode, reqID uint64, code proto.ErrCode, msg string) []byte {
	if mode == actors.ModeSummary {
		return proto.AppendReply(dst, reqID, proto.Reply{Status: uint32(code), Origin: proto.OriginPrimary})
	}
	return proto.AppendError(dst, reqID, code, msg)
}

// writeFrame writes a control frame synchronously on the event loop (gnet
// copies what the socket does not take at once).
func (s *Server) writeFrame(c gnet.Conn, t proto.Type, reqID uint64, payload []byte) {
	b := proto.AppendHeader(s.getFrame(), proto.Header{Type: t, ReqID: reqID, Len: uint32(len(payload))})
	b = append(b, payload...)
	s.writeOnLoop(c, b)
	s.putFrame(b)
}

// writeError writes a type-5 error frame synchronously on the event loop.
func (s *Server) writeError(c gnet.Conn, reqID uint64, code proto.ErrCode, msg string) {
	s.stats.FrameErrors.Add(1)
	b := proto.AppendError(s.getFrame(), reqID, code, msg)
	s.writeOnLoop(c, b)
	s.putFrame(b)
}

// fatal answers a frame error that leaves the stream unusable and closes
// the connection (only this one). Requests read before the bad frame are
// still answered: the connection stops reading, and the error frame is
// queued after their replies; the connection is closed once it is written
// (or could not be).
func (s *Server) fatal(c gnet.Conn, st *connState, reqID uint64, code proto.ErrCode, msg string) gnet.Action {
	if a := st.asm; a != nil { // a large payload still arriving, never submitted
		st.asm = nil
		if a.pooled {
			s.docs.put(a.buf)
		}
	}
	s.stats.FrameErrors.Add(1)
	st.stopped = true
	_, _ = c.Discard(c.InboundBuffered())
	b := proto.AppendError(nil, reqID, code, msg)
	st.mu.Lock()
	st.bound() // the client may never read what is left
	if st.inflight > 0 {
		st.lastWord = b
		st.mu.Unlock()
		return gnet.None
	}
	o := st.put(outFrame{b: b, last: true}, false)
	st.mu.Unlock()
	if o == queued {
		return gnet.None // the connection's writer closes it after the frame
	}
	return gnet.Close
}
