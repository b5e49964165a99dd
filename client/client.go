// Package client is the Go client of l0d: persistent connections that
// pipeline requests, match replies by req_id and honour context deadlines.
//
// A Conn is safe for concurrent use: any number of goroutines may call its
// methods at once. Requests are written one at a time (whole frames) and one
// reader goroutine hands each reply to the call waiting for its req_id, so
// replies may arrive in any order.
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

// ErrClosed is returned by calls on a connection closed with Close.
var ErrClosed = errors.New("client: connection closed")

// ServerError is a request refused or failed by the server: an error frame
// (type 5) or a type-2 reply with a non-zero status.
type ServerError struct {
	Code    proto.ErrCode
	Message string // empty for a type-2 status
}

// Error returns "l0d: CODE: MESSAGE".
func (e *ServerError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("l0d: %s (code %d)", e.Code, uint32(e.Code))
	}
	return fmt.Sprintf("l0d: %s (code %d): %s", e.Code, uint32(e.Code), e.Message)
}

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
// keep-alive probes.
func Dial(ctx context.Context, network, addr string) (*Conn, error) {
	d := net.Dialer{KeepAlive: 15 * time.Second}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to l0d: %w", err)
	}
	return NewConn(nc), nil
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
	if n > 0 && int(n) < total {
		c.fail(fmt.Errorf("cannot send request to l0d: frame cut after %d of %d bytes: %w", n, total, err))
	} else if ctx.Err() == nil {
		c.fail(fmt.Errorf("cannot send request to l0d: %w", err))
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
		c.forget(id)
		if cerr := c.Err(); cerr != nil && ctx.Err() == nil {
			return proto.Frame{}, cerr
		}
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

// serverError converts an error frame into a *ServerError.
func serverError(f proto.Frame) error {
	e, err := proto.ParseError(f.Payload)
	if err != nil {
		return fmt.Errorf("cannot decode l0d's error reply: %w", err)
	}
	return &ServerError{Code: e.Code, Message: e.Message}
}

// unexpected reports a reply of the wrong type.
func unexpected(f proto.Frame, want proto.Type) error {
	return fmt.Errorf("l0d answered request %d with frame type %d, want %d", f.ReqID, uint32(f.Type), uint32(want))
}

// lexRequest builds the frame of a lex request without copying doc.
func lexRequest(typ proto.Type, doc []byte) (func(id uint64) net.Buffers, error) {
	if _, err := proto.AppendLexHead(nil, typ, 0, len(doc)); err != nil {
		return nil, err
	}
	return func(id uint64) net.Buffers {
		head, _ := proto.AppendLexHead(make([]byte, 0, proto.HeaderLen+proto.LexPrefixLen), typ, id, len(doc))
		return net.Buffers{head, doc}
	}, nil
}

// Lex sends doc as a type-1 request and returns the type-2 reply. A reply
// with a non-zero status is returned together with a *ServerError of that
// code; an error frame gives a *ServerError alone. On ctx's end the request
// is cancelled and ctx.Err() returned. Safe for concurrent use.
func (c *Conn) Lex(ctx context.Context, doc []byte) (proto.Reply, error) {
	build, err := lexRequest(proto.TypeLex, doc)
	if err != nil {
		return proto.Reply{}, err
	}
	f, err := c.roundTrip(ctx, true, build)
	if err != nil {
		return proto.Reply{}, err
	}
	switch f.Type {
	case proto.TypeReply:
		r, err := proto.ParseReply(f.Payload)
		if err != nil {
			return r, err
		}
		if r.Status != 0 {
			return r, &ServerError{Code: proto.ErrCode(r.Status)}
		}
		return r, nil
	case proto.TypeError:
		return proto.Reply{}, serverError(f)
	}
	return proto.Reply{}, unexpected(f, proto.TypeReply)
}

// LexFull sends doc as a type-3 request and returns the decoded full result
// (tokens with spans and names, issues). Errors and cancellation as for Lex.
// Safe for concurrent use.
func (c *Conn) LexFull(ctx context.Context, doc []byte) (*proto.FullResult, error) {
	build, err := lexRequest(proto.TypeLexFull, doc)
	if err != nil {
		return nil, err
	}
	f, err := c.roundTrip(ctx, true, build)
	if err != nil {
		return nil, err
	}
	switch f.Type {
	case proto.TypeReplyFull:
		return proto.ParseFullReply(f.Payload)
	case proto.TypeError:
		return nil, serverError(f)
	}
	return nil, unexpected(f, proto.TypeReplyFull)
}

// Ping asks for the server's health. Safe for concurrent use.
func (c *Conn) Ping(ctx context.Context) (proto.Pong, error) {
	f, err := c.roundTrip(ctx, false, func(id uint64) net.Buffers {
		return net.Buffers{proto.AppendPing(nil, id)}
	})
	if err != nil {
		return proto.Pong{}, err
	}
	switch f.Type {
	case proto.TypePong:
		return proto.ParsePong(f.Payload)
	case proto.TypeError:
		return proto.Pong{}, serverError(f)
	}
	return proto.Pong{}, unexpected(f, proto.TypePong)
}

// Fault sends a fault-injection control frame and waits for its
// acknowledgement. The server refuses it (ErrForbidden) unless it runs with
// L0_FAULT_CONTROL=1. Safe for concurrent use.
func (c *Conn) Fault(ctx context.Context, flt proto.Fault) error {
	if err := flt.Validate(); err != nil {
		return fmt.Errorf("cannot send fault: %w", err)
	}
	f, err := c.roundTrip(ctx, false, func(id uint64) net.Buffers {
		return net.Buffers{proto.AppendFault(nil, id, flt)}
	})
	if err != nil {
		return err
	}
	switch f.Type {
	case proto.TypeFaultAck:
		return nil
	case proto.TypeError:
		return serverError(f)
	}
	return unexpected(f, proto.TypeFaultAck)
}
