package eventloop

import (
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"l0lex/actors"
	"l0lex/telemetry"
)

// pending is one lex request between OnTraffic and the write of its reply.
type pending struct {
	req   actors.Request
	st    *connState
	rep   *actors.Reply
	fired atomic.Bool
	own   bool // rep.Frame came from the server's frame pool
	// sent is how much of the frame a direct write got into the socket
	// before the rest was queued (a hand-off writes only the rest).
	sent int
}

// done is the request's Done: it hands the reply to the connection's
// writer. Called exactly once by the pool from any goroutine (possibly
// synchronously inside Submit, on the event loop); later calls are counted
// and ignored.
func (p *pending) done(rep *actors.Reply) {
	s := p.st.srv
	if !p.fired.CompareAndSwap(false, true) {
		s.stats.DupReplies.Add(1)
		return
	}
	p.rep = rep
	st := p.st
	st.mu.Lock()
	closed, ho := st.closed, st.ho
	w := lost
	if ho == nil && !closed {
		w = st.writeReply(p)
	}
	st.mu.Unlock()
	switch {
	case ho != nil:
		ho.push(p)
	case w == lost:
		p.finish(false)
	case w == wrote:
		p.finish(true)
	}
	// queued: p.written finishes it.
}

// written is the AsyncWrite callback, on the event loop: from here on
// gnet holds its own copy of whatever it could not send yet.
func (p *pending) written(_ gnet.Conn, err error) error {
	p.st.asyncDone(p, err)
	if err != nil {
		st := p.st
		st.mu.Lock()
		ho := st.ho
		st.mu.Unlock()
		if ho != nil { // the peer half-closed after this write was queued
			ho.push(p)
			return nil
		}
	}
	p.finish(err == nil)
	return nil
}

// finish accounts for the reply (sent to the socket or dropped), reports it
// and recycles its frame. Called once per request.
func (p *pending) finish(sent bool) {
	st := p.st
	s := st.srv
	if sent {
		s.stats.Replies.Add(1)
		if s.cfg.Telemetry != nil {
			s.cfg.Telemetry.RequestDone(p.record(len(p.rep.Frame), s.cfg.Now()))
		}
	} else {
		s.stats.Dropped.Add(1)
		if d, ok := s.cfg.Telemetry.(DropRecorder); ok {
			d.RequestDropped(p.record(0, s.cfg.Now()))
		}
	}
	frame := p.rep.Frame
	p.rep.Frame = nil
	if p.own {
		s.putFrame(frame)
	} else if r, ok := s.pool.(FrameRecycler); ok {
		r.RecycleFrame(frame)
	}
	st.mu.Lock()
	st.inflight--
	var last []byte
	if st.inflight == 0 && !st.closed && !st.lastQueued && st.lastWord != nil {
		last, st.lastQueued = st.lastWord, true
	}
	st.mu.Unlock()
	s.inflight.Add(-1)
	if last != nil {
		s.closeAfterReplies(st, last)
	}
}

// record is the telemetry record of p's request and reply.
func (p *pending) record(bytesOut int, tReplyReady int64) telemetry.Record {
	r, rep := &p.req, p.rep
	return telemetry.Record{
		ReqID:       r.ID,
		Actor:       rep.Actor,
		Bytes:       len(r.Doc),
		BytesOut:    bytesOut,
		Status:      rep.Status,
		Origin:      rep.Origin,
		Hedged:      rep.Hedged,
		TInStart:    r.TInStart,
		TInDone:     r.TInDone,
		TProcStart:  rep.TProcStart,
		THedgeFire:  rep.THedgeFire,
		TFirstReply: rep.TFirstReply,
		TReplyReady: tReplyReady,
	}
}

// getFrame returns an empty buffer for a frame the server builds.
func (s *Server) getFrame() []byte {
	if b, ok := s.framePool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 64)
}

// putFrame recycles a buffer from getFrame (small ones only).
func (s *Server) putFrame(b []byte) {
	if cap(b) == 0 || cap(b) > 64<<10 {
		return
	}
	s.framePool.Put(&b)
}
