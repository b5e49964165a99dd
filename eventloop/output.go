package eventloop

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// A connection's output never goes through gnet. gnet buffers what a
// socket does not take and, when the peer half-closes, flushes that buffer
// once without blocking and closes: whatever a client that was not reading
// yet had not taken would be lost. So every frame of a connection (replies,
// pongs, error frames) goes through the connection's own output queue,
// under st.mu:
//
//   - When nothing is queued, the goroutine that has the frame (the actor
//     that lexed a document, or the event loop) writes it with one
//     non-blocking write(2) on the server's duplicate of the socket. A
//     reply then leaves at once instead of waiting for the event-loop
//     thread to get a CPU (1-3 ms in the slowest requests of a loaded
//     2-core machine).
//   - What the socket does not take (the rest of that frame, and every
//     frame after it) is queued, and a writer goroutine, one per
//     connection that has a backlog and only while it has one, writes the
//     queue in order through Go's poller, then exits. A frame is never
//     split by another, and never written twice.
//   - A half-close does not end the output: the duplicate stays open until
//     every reply in flight and every queued frame is written (each write
//     bounded by Config.ClosingWriteTimeout, since the peer may never read
//     again), and is closed then. Any other close (the peer is gone, a
//     write failed, the server stops) drops what is queued and cancels the
//     requests in flight.
//
// The duplicate is closed under st.mu, so a write never reaches a
// descriptor number reused by another connection.

// outFrame is one frame in a connection's output queue.
type outFrame struct {
	b    []byte
	p    *pending // the lex request b answers; nil for a frame the loop built
	last bool     // the connection is closed once b is written (a fatal frame error)
}

// writeOutcome is what became of a frame handed to put.
type writeOutcome uint8

const (
	lost   writeOutcome = iota // not written: the connection is gone or broken
	broke                      // not written: this write found the peer gone (cancel its requests)
	wrote                      // written whole
	queued                     // queued (whole or its rest) for the connection's writer
)

// openOutput gives st its duplicate of c's socket. Called in OnOpen.
func (st *connState) openOutput(c gnet.Conn) error {
	st.wfd = -1
	fd, err := c.Dup()
	if err != nil {
		return err
	}
	st.wfd = fd
	return nil
}

// put writes f at once when nothing is queued and the socket takes it
// whole, else queues f (or its rest) for the connection's writer, starting
// one if none runs. When copy is set, b belongs to the caller, and a queued
// frame is copied. The caller holds st.mu; safe from any goroutine.
func (st *connState) put(f outFrame, copy bool) writeOutcome {
	if st.broken || st.wfd < 0 {
		return lost
	}
	off := 0
	if len(st.out) == 0 {
		n, err := unix.Write(st.wfd, f.b)
		for err == unix.EINTR {
			n, err = unix.Write(st.wfd, f.b)
		}
		if n == len(f.b) {
			st.srv.stats.DirectWrites.Add(1)
			return wrote
		}
		if err != nil && err != unix.EAGAIN {
			st.broken = true
			return broke
		}
		off = max(n, 0)
		st.srv.stats.Backlogs.Add(1)
	}
	if copy {
		f.b = append([]byte(nil), f.b...)
	}
	if len(st.out) == 0 {
		st.outOff = off
	}
	st.out = append(st.out, f)
	st.outBytes += len(f.b) - off
	if !st.writing {
		st.writing = true
		go st.runWriter()
	}
	return queued
}

// bound marks st's output as going to a peer that may never read again
// (it half-closed, or the connection closes after a fatal frame error):
// from now on each write of the writer is bounded by ClosingWriteTimeout. The
// caller holds st.mu.
func (st *connState) bound() {
	if st.closing {
		return
	}
	st.closing = true
	if st.wconn != nil {
		_ = st.wconn.SetWriteDeadline(time.Now().Add(st.srv.cfg.ClosingWriteTimeout))
	}
}

// teardown ends st's output: nothing more is written, and a writer blocked
// in a write returns at once and drops its queue. The caller holds st.mu.
func (st *connState) teardown() {
	st.broken = true
	st.lastWord = nil
	if st.wconn != nil {
		_ = st.wconn.SetWriteDeadline(time.Unix(1, 0))
	}
}

// release closes st's duplicate socket once gnet closed the connection and
// nothing more will be written to it. The caller holds st.mu.
func (st *connState) release() {
	if st.closed && st.wfd >= 0 && st.inflight == 0 && !st.writing && st.lastWord == nil {
		closeFD(st.wfd)
		st.wfd = -1
	}
}

// runWriter writes st's queued frames in order, blocking in Go's poller
// while the socket is full, and exits when the queue is empty (or the
// connection broke, dropping what is left). It runs on its own goroutine,
// one at most per connection (st.writing).
func (st *connState) runWriter() {
	s := st.srv
	st.mu.Lock()
	conn, err := st.writerConn()
	if err != nil && !st.broken {
		s.cfg.Logf("eventloop: cannot write to connection %d: %v", st.id, err)
	}
	st.wconn = conn
	if conn != nil && st.closing {
		_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.ClosingWriteTimeout))
	}
	st.mu.Unlock()
	for {
		st.mu.Lock()
		if err != nil || st.broken || len(st.out) == 0 {
			fresh := !st.broken && err != nil
			if err != nil {
				st.broken = true
			}
			rest := st.out
			st.out, st.outOff, st.outBytes = nil, 0, 0
			st.writing, st.wconn = false, nil
			st.release()
			st.mu.Unlock()
			if conn != nil {
				_ = conn.Close()
			}
			if fresh {
				s.pool.CancelConn(st.id) // the peer is gone: stop its other requests
			}
			for _, f := range rest {
				st.delivered(f, false)
			}
			return
		}
		f, off := st.out[0], st.outOff
		st.mu.Unlock()
		var n int
		n, err = conn.Write(f.b[off:])
		if err != nil {
			st.mu.Lock()
			st.outOff += n
			st.outBytes -= n
			st.mu.Unlock()
			continue // the head is dropped with the rest
		}
		st.mu.Lock()
		st.out[0] = outFrame{}
		st.out = st.out[1:]
		st.outOff = 0
		st.outBytes -= n
		if st.closing {
			_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.ClosingWriteTimeout))
		}
		st.mu.Unlock()
		st.delivered(f, true)
	}
}

// writerConn returns a net.Conn on a new duplicate of st's socket, which
// blocks in Go's poller rather than in the system call. The caller holds
// st.mu (so st.wfd is not closed meanwhile).
func (st *connState) writerConn() (net.Conn, error) {
	if st.wfd < 0 {
		return nil, errClosed
	}
	fd, err := unix.Dup(st.wfd)
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "l0lex-conn")
	c, err := net.FileConn(f) // duplicates again, registered with Go's poller
	f.Close()
	return c, err
}

// delivered accounts for a frame that left the queue: written whole, or
// dropped. A lex reply finishes its request; after a connection's last
// frame, the connection is closed.
func (st *connState) delivered(f outFrame, sent bool) {
	if f.p != nil {
		f.p.finish(sent)
	}
	if f.last {
		_ = st.c.Close() // safe from any goroutine; a no-op once closed
	}
}

// writeOnLoop writes frame b, which the event loop built, to c behind
// every frame queued before it. b may be recycled when it returns. Called
// on the loop.
func (s *Server) writeOnLoop(c gnet.Conn, b []byte) {
	st, ok := c.Context().(*connState)
	if !ok {
		_, _ = c.Write(b)
		return
	}
	st.mu.Lock()
	o := st.put(outFrame{b: b}, true)
	st.mu.Unlock()
	if o == broke {
		s.pool.CancelConn(st.id)
	}
}

func closeFD(fd int) { _ = unix.Close(fd) }

// errClosed: the connection's output was released before a writer started.
var errClosed = errors.New("connection already closed")
