package eventloop

import (
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Replies are written by the goroutine that produced them, straight to the
// socket, whenever that cannot reorder bytes: the actor that lexed a
// document writes its reply frame with one write(2) on a duplicate of the
// connection's socket. The reply then leaves at once, instead of waiting
// for the event-loop thread to be scheduled on a CPU the actors keep busy
// (a wait of 1-3 ms on a loaded 2-core machine, in the slowest requests).
//
// gnet owns the socket's output otherwise, and a frame must never be
// split by another: so a direct write is made only while gnet holds none
// of the connection's output (st.direct, under st.mu):
//
//   - every AsyncWrite (large full replies, the rest of a direct write the
//     socket did not take whole, frames queued behind those) counts in
//     st.async and clears st.direct until its callback;
//   - a frame the event loop writes itself (pongs, error frames) goes
//     through gnet's Write while nothing is queued, or is queued behind
//     what is (writeOnLoop), under st.mu so no direct write runs meanwhile;
//   - st.direct comes back on the loop once nothing is queued and gnet's
//     outbound buffer is empty (at write callbacks and in OnTraffic);
//   - a reply whose direct write the socket took only part of is st.split
//     until its rest is in gnet's hands: should the peer half-close first,
//     the hand-off writes that rest before any other reply.
//
// The duplicate keeps the socket open until OnClose closes it (under st.mu,
// so never during a write), which also means a descriptor number reused by
// another connection can never receive a stale reply.

// directMax bounds the frames written directly: larger ones (full
// replies) go through gnet, which buffers what the socket does not take.
const directMax = 64 << 10

// openDirect gives st its duplicate of c's socket. Called in OnOpen; on
// failure every reply of the connection goes through AsyncWrite.
func (s *Server) openDirect(st *connState, c gnet.Conn) {
	st.wfd = -1
	if s.cfg.NoDirectWrites {
		return
	}
	fd, err := c.Dup()
	if err != nil {
		s.cfg.Logf("eventloop: cannot duplicate connection %d's socket, replies go through the event loop: %v", st.id, err)
		return
	}
	st.wfd, st.direct = fd, true
}

// closeDirect closes st's duplicate socket. Called in OnClose, on the loop.
func closeDirect(st *connState) {
	st.mu.Lock()
	fd := st.wfd
	st.wfd, st.direct = -1, false
	st.mu.Unlock()
	if fd >= 0 {
		closeFD(fd)
	}
}

// writeOutcome is what became of a reply frame handed to writeReply.
type writeOutcome uint8

const (
	lost   writeOutcome = iota // neither written nor queued: the connection is gone
	wrote                      // written whole to the socket
	queued                     // (the rest) queued with AsyncWrite, whose callback is p.written
)

// writeReply writes p's reply frame to its open connection: directly when
// st.direct allows, else (or for what the socket did not take) through
// AsyncWrite. The caller holds st.mu. Safe from any goroutine.
func (st *connState) writeReply(p *pending) writeOutcome {
	frame := p.rep.Frame
	if st.direct && len(frame) <= directMax {
		n, err := unix.Write(st.wfd, frame)
		for err == unix.EINTR {
			n, err = unix.Write(st.wfd, frame)
		}
		if n == len(frame) {
			st.srv.stats.DirectWrites.Add(1)
			return wrote
		}
		st.direct = false
		if n > 0 {
			st.srv.stats.DirectRests.Add(1)
			st.split = p
			p.sent = n
			frame = frame[n:]
		}
	}
	st.direct = false
	st.async++
	if err := st.c.AsyncWrite(frame, p.written); err != nil {
		st.async--
		if st.split == p {
			st.split = nil
		}
		return lost
	}
	return queued
}

// asyncDone accounts for one AsyncWrite callback of st (on the loop), for
// p's frame (nil: a frame of the loop's own) written with error err, and
// lets direct writes resume when gnet holds nothing more of its output.
func (st *connState) asyncDone(p *pending, err error) {
	st.mu.Lock()
	st.async--
	if p != nil && p == st.split && err == nil {
		st.split = nil // the rest is gnet's now
	}
	st.resumeDirect()
	st.mu.Unlock()
}

// resumeDirect sets st.direct when nothing of st's output is queued or
// buffered in gnet. The caller holds st.mu and runs on the loop.
func (st *connState) resumeDirect() {
	if !st.direct && st.async == 0 && st.wfd >= 0 && !st.closed && st.c.OutboundBuffered() == 0 {
		st.direct = true
	}
}

// writeOnLoop writes frame b, which the event loop built, to c without
// splitting or overtaking any frame of the connection: with gnet's Write
// when nothing is queued (gnet buffers what the socket does not take), else
// queued behind the queued frames (a copy, so b can be recycled). Called
// on the loop.
func (s *Server) writeOnLoop(c gnet.Conn, b []byte) {
	st, ok := c.Context().(*connState)
	if !ok {
		_, _ = c.Write(b)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.async == 0 {
		_, _ = c.Write(b)
		if c.OutboundBuffered() > 0 {
			st.direct = false
		}
		return
	}
	st.async++
	if err := c.AsyncWrite(append([]byte(nil), b...), func(_ gnet.Conn, err error) error {
		st.asyncDone(nil, err)
		return nil
	}); err != nil {
		st.async--
	}
}
