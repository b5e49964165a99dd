package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"l0lex/proto"
)

// cancelWriteTimeout bounds the write of a cancel frame after a call's
// context ended.
const cancelWriteTimeout = time.Second

// Conn is one connection to l0d. Its methods are safe for concurrent use.
type Conn struct {
	nc net.Conn

	wmu    sync.Mutex // serializes frame writes
	dl     sync.Mutex // guards writer and deadline changes
	writer *int       // token of the write in progress (nil: none)

	mu      sync.Mutex
	pending map[uint64]chan proto.Frame
	err     error // set once the connection failed or was closed

	nextID atomic.Uint64
	done   chan struct{} // closed when the reader goroutine exits
}

// Dial connects to l0d at addr over network ("unix": a socket path; "tcp":
// host:port). ctx bounds the connection attempt only. TCP connections use
// keep-alive probes. The socket's send buffer is raised (RaiseSendBuffer).
func Dial(ctx context.Context, network, addr string) (*Conn, error) {
	d := net.Dialer{KeepAlive: 15 * time.Second}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to l0d: %w", err)
	}
	RaiseSendBuffer(nc)
	return NewConn(nc), nil
}

// SendBuffer is the SO_SNDBUF that RaiseSendBuffer asks for.
const SendBuffer = 4 << 20

// RaiseSendBuffer asks the kernel for a SendBuffer-byte send buffer on nc
// (capped at net.core.wmem_max) when nc has one, so that a megabyte-sized
// document goes out in one write rather than a sleep and a wake-up per
// default-sized buffer. A refusal is ignored: the default works, only
// slower. Safe to call from any goroutine before nc is used.
func RaiseSendBuffer(nc net.Conn) {
	if b, ok := nc.(interface{ SetWriteBuffer(int) error }); ok {
		_ = b.SetWriteBuffer(SendBuffer)
	}
}

// NewConn runs the client protocol over an established connection (it takes
// ownership of nc and starts the reader goroutine; Close stops it).
func NewConn(nc net.Conn) *Conn {
	c := &Conn{nc: nc, pending: make(map[uint64]chan proto.Frame), done: make(chan struct{})}
	go c.readLoop()
	return c
}

// readLoop delivers every reply to its caller until the connection fails.
func (c *Conn) readLoop() {
	defer close(c.done)
	r := proto.NewReader(c.nc, proto.NewDecoder(proto.FromServer, 0))
	for {
		f, err := r.ReadFrame()
		if err != nil {
			var fe *proto.FrameError
			if errors.As(err, &fe) && !fe.Fatal {
				// A malformed reply: fail its call, keep the connection.
				c.deliver(proto.Frame{Header: fe.Header}, err)
				continue
			}
			c.fail(fmt.Errorf("cannot read reply from l0d: %w", err))
			return
		}
		c.deliver(f, nil)
	}
}

// badReply marks a frame the reader could not decode (Payload holds the
// error text, Type is 0).
const badReply proto.Type = 0

// deliver hands f to the call waiting for its req_id; replies nobody waits
// for (late replies to cancelled calls) are dropped.
func (c *Conn) deliver(f proto.Frame, err error) {
	c.mu.Lock()
	ch, ok := c.pending[f.ReqID]
	delete(c.pending, f.ReqID)
	c.mu.Unlock()
	if !ok {
		return
	}
	if err != nil {
		f = proto.Frame{Header: proto.Header{Type: badReply, ReqID: f.ReqID}, Payload: []byte(err.Error())}
	}
	ch <- f // buffered: never blocks
}

// fail records err (the first one wins) and fails every pending call.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	pending := c.pending
	c.pending = make(map[uint64]chan proto.Frame)
	c.mu.Unlock()
	for _, ch := range pending {
		close(ch)
	}
	c.nc.Close()
}

// drainTimeout bounds how long the reader goes on after a failed write.
const drainTimeout = time.Second

// failWrite records err (the first one wins) so that no new call starts,
// and lets the reader deliver the replies that already arrived: it fails
// the pending calls when it reaches the end of the stream or drainTimeout.
func (c *Conn) failWrite(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.nc.SetReadDeadline(time.Now().Add(drainTimeout))
}

// Close closes the connection; pending calls fail with ErrClosed. It is safe
// to call more than once and concurrently with other calls.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.done
	return nil
}

// Err returns why the connection is no longer usable, or nil. Safe for
// concurrent use.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// register reserves a req_id and the channel its reply will come on.
func (c *Conn) register() (uint64, chan proto.Frame, error) {
	id := c.nextID.Add(1)
	ch := make(chan proto.Frame, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, nil, c.err
	}
	c.pending[id] = ch
	return id, ch, nil
}

// forget removes a call that will not wait for its reply.
func (c *Conn) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// write sends the buffers as one frame, bounded by ctx. A frame written in
// part breaks the stream: the connection is then failed.
func (c *Conn) write(ctx context.Context, bufs net.Buffers) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	tok := new(int)
	c.dl.Lock()
	c.writer = tok
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetWriteDeadline(d)
	}
	c.dl.Unlock()
	stop := context.AfterFunc(ctx, func() {
		c.dl.Lock()
		if c.writer == tok {
			c.nc.SetWriteDeadline(time.Unix(1, 0))
		}
		c.dl.Unlock()
	})
	var total int
	for _, b := range bufs {
		total += len(b)
	}
	n, err := bufs.WriteTo(c.nc)
	stop()
	c.dl.Lock()
	c.writer = nil
	c.nc.SetWriteDeadline(time.Time{})
	c.dl.Unlock()
	if err == nil {
		return nil
	}
	switch {
	case ctx.Err() == nil:
		// The peer is gone (broken pipe, reset): it may still have answered
		// before closing, so let the reader deliver what arrived.
		c.failWrite(fmt.Errorf("cannot send request to l0d: %w", err))
	case n > 0:
		// Cut by the context: the stream is broken for a live peer.
		c.fail(fmt.Errorf("cannot send request to l0d: frame cut after %d of %d bytes: %w", n, total, err))
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return fmt.Errorf("cannot send request to l0d: %w", err)
}

// roundTrip sends a request made by build (given the req_id) and waits for
// its reply frame. On ctx's end it sends a cancel frame (when sendCancel)
// and returns ctx.Err(); the late reply is dropped.
func (c *Conn) roundTrip(ctx context.Context, sendCancel bool, build func(id uint64) net.Buffers) (proto.Frame, error) {
	if err := ctx.Err(); err != nil {
		return proto.Frame{}, err
	}
	id, ch, err := c.register()
	if err != nil {
		return proto.Frame{}, err
	}
	if err := c.write(ctx, build(id)); err != nil {
		if ctx.Err() == nil {
			// The write failed the connection; the reader closes our
			// channel unless the reply came first: a server refuses a
			// request it will not read (too large) with an error frame,
			// then closes.
			if f, ok := <-ch; ok && f.Type != badReply {
				return f, nil
			}
			if cerr := c.Err(); cerr != nil {
				return proto.Frame{}, cerr
			}
			return proto.Frame{}, err
		}
		c.forget(id)
		return proto.Frame{}, err
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return proto.Frame{}, c.Err()
		}
		if f.Type == badReply {
			return proto.Frame{}, fmt.Errorf("cannot decode reply %d: %s", id, f.Payload)
		}
		return f, nil
	case <-ctx.Done():
		c.forget(id)
		if sendCancel {
			cctx, cancel := context.WithTimeout(context.Background(), cancelWriteTimeout)
			_ = c.write(cctx, net.Buffers{proto.AppendCancel(nil, id)})
			cancel()
		}
		return proto.Frame{}, ctx.Err()
	}
}
