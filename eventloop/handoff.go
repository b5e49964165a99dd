package eventloop

import (
	"net"
	"os"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// handoff delivers the replies of a connection whose peer shut down its
// write side while requests were in flight. gnet closes a connection at
// read EOF, so OnClose keeps a duplicate of the socket and this writer,
// one goroutine per such connection, writes each remaining reply frame to
// it whole, then closes it when none is left.
type handoff struct {
	st      *connState
	fd      int
	ch      chan *pending // capacity: requests in flight at the half-close
	ready   chan struct{} // closed by start
	timeout time.Duration
}

// newHandoff duplicates c's socket for a hand-off, or returns nil when the
// peer closed it entirely (then there is nobody to answer).
func (s *Server) newHandoff(st *connState, c gnet.Conn) *handoff {
	fd, err := c.Dup()
	if err != nil {
		s.cfg.Logf("eventloop: cannot keep half-closed connection %d open: %v", st.id, err)
		return nil
	}
	if peerGone(fd) {
		closeFD(fd)
		return nil
	}
	st.mu.Lock()
	n := st.inflight
	st.mu.Unlock()
	return &handoff{st: st, fd: fd, ch: make(chan *pending, n), ready: make(chan struct{}), timeout: s.cfg.HandoffTimeout}
}

// push queues p's reply; it never blocks (the channel holds every request
// that was in flight). Safe from any goroutine.
func (h *handoff) push(p *pending) { h.ch <- p }

// discard releases the duplicate socket of a hand-off that is not needed.
func (h *handoff) discard() { closeFD(h.fd) }

// start launches the writer goroutine. Call once.
func (h *handoff) start() {
	close(h.ready)
	go h.run()
}

func (h *handoff) run() {
	st := h.st
	f := os.NewFile(uintptr(h.fd), "half-closed")
	conn, err := net.FileConn(f) // duplicates again, in Go's poller
	f.Close()
	broken := err != nil
	if broken {
		st.srv.cfg.Logf("eventloop: cannot write to half-closed connection %d: %v", st.id, err)
		st.srv.pool.CancelConn(st.id)
	}
	write := func(p *pending) {
		sent := false
		if !broken {
			_ = conn.SetWriteDeadline(time.Now().Add(h.timeout))
			if _, err := conn.Write(p.rep.Frame[p.sent:]); err != nil {
				broken = true
				st.srv.pool.CancelConn(st.id) // the peer is gone after all
			} else {
				sent = true
			}
		}
		p.finish(sent)
	}
	// A reply a direct write split goes first (its head is on the wire
	// already): replies that come before its rest are held until it is
	// written. (Once a write is split, later replies queue behind its rest
	// in gnet, so there is at most one.)
	var held []*pending
	for {
		st.mu.Lock()
		left, split := st.inflight, st.split
		st.mu.Unlock()
		if left == len(held) { // nothing more will come (split is nil then)
			break
		}
		p := <-h.ch
		switch {
		case split != nil && p != split:
			held = append(held, p)
		case p == split:
			st.mu.Lock()
			st.split = nil
			st.mu.Unlock()
			write(p)
			for _, q := range held {
				write(q)
			}
			held = held[:0]
		default:
			write(p)
		}
	}
	for _, q := range held {
		write(q)
	}
	st.mu.Lock()
	last := st.lastWord // a fatal frame error came before the half-close
	st.lastWord = nil
	st.mu.Unlock()
	if last != nil && !broken {
		_ = conn.SetWriteDeadline(time.Now().Add(h.timeout))
		_, _ = conn.Write(last)
	}
	if conn != nil {
		conn.Close()
	}
}

func closeFD(fd int) { _ = os.NewFile(uintptr(fd), "").Close() }
