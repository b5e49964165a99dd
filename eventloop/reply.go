package eventloop

import (
	"sync/atomic"

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
}

// done is the request's Done: it writes the reply, or queues it behind the
// connection's output (output.go). Called exactly once by the pool from
// any goroutine (possibly synchronously inside Submit, on the event loop);
// later calls are counted and ignored.
func (p *pending) done(rep *actors.Reply) {
	s := p.st.srv
	if !p.fired.CompareAndSwap(false, true) {
		s.stats.DupReplies.Add(1)
		return
	}
	p.rep = rep
	st := p.st
	st.mu.Lock()
	o := st.put(outFrame{b: rep.Frame, p: p}, false)
	st.mu.Unlock()
	switch o {
	case broke:
		s.pool.CancelConn(st.id)
		p.finish(false)
	case lost:
		p.finish(false)
	case wrote:
		p.finish(true)
	}
	// queued: the connection's writer finishes it.
}

// finish accounts for the reply (written to the socket or dropped), reports
// it and recycles its frame. Called once per request. The last reply of a
// connection that had a fatal frame error queues the error frame.
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
	closeNow := false
	if st.inflight == 0 && st.lastWord != nil {
		last := st.lastWord
		st.lastWord = nil
		closeNow = st.put(outFrame{b: last, last: true}, false) != queued
	}
	st.release()
	st.mu.Unlock()
	s.inflight.Add(-1)
	if closeNow {
		_ = st.c.Close() // safe from any goroutine; a no-op once closed
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
