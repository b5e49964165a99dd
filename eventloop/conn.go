package eventloop

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// connState is one connection's state. Fields above mu are used only on the
// connection's event-loop goroutine (or are immutable); fields below mu are
// shared with the goroutines that deliver replies.
type connState struct {
	id  uint64    // immutable
	c   gnet.Conn // immutable; only its concurrency-safe methods off the loop
	srv *Server   // immutable

	pendStart  int64     // loop only: when the first byte of a buffered partial frame was read
	closedByUs bool      // loop only: we answered a fatal frame error and closed
	stopped    bool      // loop only: a fatal frame error came; input is ignored
	asm        *assembly // loop only: a large lex payload being received

	mu       sync.Mutex
	inflight int  // lex requests whose reply is not written or dropped yet
	closed   bool // gnet closed the connection
	// Direct writes (write.go): wfd is this server's duplicate of the
	// socket (-1: none); direct says a reply may be written to it now;
	// async counts the AsyncWrites whose callback has not run.
	wfd    int
	direct bool
	async  int
	// split is the reply whose direct write the socket took only part of,
	// while its rest is queued in gnet (write.go); a hand-off writes that
	// rest before any other frame.
	split *pending
	ho    *handoff // set when the peer half-closed with requests in flight
	// lastWord is the error frame of a fatal frame error that came while
	// requests were in flight: it is written after their replies, and then
	// the connection is closed. lastQueued: it is queued in gnet
	// (closeAfterReplies); it stays in lastWord until written, so that a
	// half-close that comes first hands it to the hand-off writer.
	lastWord   []byte
	lastQueued bool
}

// OnClose cancels the connection's requests, or, when the peer only shut
// down its write side while requests are in flight, hands the socket to a
// writer that delivers those replies and then closes it. Called on the
// connection's event loop.
func (s *Server) OnClose(c gnet.Conn, err error) gnet.Action {
	st, ok := c.Context().(*connState)
	if !ok {
		return gnet.None // closed in OnOpen while draining
	}
	s.conns.Add(-1)

	// Decide on a hand-off before taking the lock: it needs a dup of the
	// socket, taken now while gnet still holds it open.
	var ho *handoff
	if !st.closedByUs && errors.Is(err, io.EOF) && c.OutboundBuffered() == 0 {
		st.mu.Lock()
		work := st.handoffWork()
		st.mu.Unlock()
		if work {
			ho = s.newHandoff(st, c)
		}
	}

	closeDirect(st)
	st.mu.Lock()
	st.closed = true
	n, work := st.inflight, st.handoffWork()
	if ho != nil && work {
		st.ho = ho
	}
	st.mu.Unlock()

	switch {
	case ho != nil && work:
		s.stats.HalfCloses.Add(1)
		// Start writing only after gnet has flushed what it still buffers
		// for this socket and closed its descriptor: a task queued on the
		// loop now runs after this close completes.
		run := gnet.RunnableFunc(func(context.Context) error { ho.start(); return nil })
		if c.EventLoop().Execute(context.Background(), run) != nil {
			ho.start()
		}
	case ho != nil:
		ho.discard() // every reply arrived meanwhile
		fallthrough
	default:
		if n > 0 {
			s.pool.CancelConn(st.id)
		}
	}
	return gnet.None
}

// handoffWork reports whether a hand-off would have something to write:
// replies in flight, or the error frame of a fatal frame error, queued
// after the last of them but not written before the peer's half-close
// closed the connection. The caller holds st.mu.
func (st *connState) handoffWork() bool {
	return st.inflight > 0 || st.lastQueued && st.lastWord != nil
}

// peerGone reports whether the peer of socket fd has closed it entirely
// (both directions shut down), as opposed to a half-close. It does not
// block. A TCP peer's close looks like a half-close until a write fails.
func peerGone(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(pfd, 0)
	if err != nil {
		return true
	}
	return n > 0 && pfd[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
}
