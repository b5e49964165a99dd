package eventloop

import (
	"errors"
	"io"
	"net"
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

	pendStart int64     // loop only: when the first byte of a buffered partial frame was read
	stopped   bool      // loop only: a fatal frame error came; input is ignored
	asm       *assembly // loop only: a large lex payload being received

	mu       sync.Mutex
	inflight int  // lex requests whose reply is not written or dropped yet
	closed   bool // gnet closed the connection (OnClose ran)
	// The output (output.go): wfd is this server's duplicate of the socket
	// (-1 once released); out the frames the socket did not take yet, in
	// order, the first of them written up to outOff; outBytes what is left
	// of them; writing says a writer goroutine owns out, and wconn is its
	// connection once it runs.
	wfd      int
	out      []outFrame
	outOff   int
	outBytes int
	writing  bool
	wconn    net.Conn
	broken   bool // nothing more is written: a write failed, or the connection was torn down
	closing  bool // the peer may never read again: writes are bounded by ClosingWriteTimeout
	// lastWord is the error frame of a fatal frame error that came while
	// requests were in flight: it is queued after their replies, and the
	// connection is closed once it is written.
	lastWord []byte
}

// OnClose cancels the connection's requests and drops its queued output,
// or, when the peer only shut down its write side while replies are in
// flight or queued, lets them be written first (output.go). Called on the
// connection's event loop.
func (s *Server) OnClose(c gnet.Conn, err error) gnet.Action {
	st, ok := c.Context().(*connState)
	if !ok {
		return gnet.None // closed in OnOpen
	}
	s.conns.Add(-1)
	st.mu.Lock()
	st.closed = true
	n := st.inflight
	work := n > 0 || st.writing || st.lastWord != nil
	half := work && !st.broken && errors.Is(err, io.EOF) && st.wfd >= 0 && !peerGone(st.wfd)
	if half {
		st.bound()
	} else {
		st.teardown()
	}
	st.release()
	st.mu.Unlock()
	switch {
	case half:
		s.stats.HalfCloses.Add(1)
	case n > 0:
		s.pool.CancelConn(st.id)
	}
	return gnet.None
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
