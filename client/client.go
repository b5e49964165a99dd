package client

import (
	"context"
	"errors"
	"sync"

	"l0lex/proto"
)

// Client is a connection to l0d that reconnects. It holds one Conn at a
// time and dials a new one when that Conn has failed (the server restarted,
// or closed the connection after a request it refused). A Lex, LexFull or
// Ping whose connection failed under it, before its reply arrived, is sent
// once more on a fresh connection: lexing has no side effects, so a request
// the old server may have seen can be repeated. Replies of the server (an
// error frame, a non-zero status such as BUSY) and the end of the caller's
// context are returned as they are, without a retry. Fault is never
// repeated. The methods of a Client are safe for concurrent use.
type Client struct {
	network, addr string

	mu     sync.Mutex // held while dialing, so concurrent calls share one new Conn
	conn   *Conn
	closed bool
}

// New returns a Client of the l0d at addr over network ("unix": a socket
// path; "tcp": host:port). It connects on the first call.
func New(network, addr string) *Client {
	return &Client{network: network, addr: addr}
}

// current returns the open Conn, dialing one (bounded by ctx) when there is
// none or the last one failed.
func (c *Client) current(ctx context.Context) (*Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.conn != nil && c.conn.Err() == nil {
		return c.conn, nil
	}
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	cn, err := Dial(ctx, c.network, c.addr)
	if err != nil {
		return nil, err
	}
	c.conn = cn
	return cn, nil
}

// retry runs call on the current Conn and, when the connection failed
// under it (not a server reply, not ctx), once more on a new one.
func retry[T any](ctx context.Context, c *Client, call func(*Conn) (T, error)) (T, error) {
	cn, err := c.current(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := call(cn)
	var se *ServerError
	if err == nil || ctx.Err() != nil || errors.As(err, &se) || errors.Is(err, ErrClosed) || cn.Err() == nil {
		return v, err
	}
	if cn, err = c.current(ctx); err != nil {
		var zero T
		return zero, err
	}
	return call(cn)
}

// Lex is Conn.Lex on the current connection, repeated once on a new one if
// that connection failed first. Safe for concurrent use.
func (c *Client) Lex(ctx context.Context, doc []byte) (proto.Reply, error) {
	return retry(ctx, c, func(cn *Conn) (proto.Reply, error) { return cn.Lex(ctx, doc) })
}

// LexFull is Conn.LexFull on the current connection, repeated once on a new
// one if that connection failed first. Safe for concurrent use.
func (c *Client) LexFull(ctx context.Context, doc []byte) (*proto.FullResult, error) {
	return retry(ctx, c, func(cn *Conn) (*proto.FullResult, error) { return cn.LexFull(ctx, doc) })
}

// Ping is Conn.Ping on the current connection, repeated once on a new one
// if that connection failed first. Safe for concurrent use.
func (c *Client) Ping(ctx context.Context) (proto.Pong, error) {
	return retry(ctx, c, func(cn *Conn) (proto.Pong, error) { return cn.Ping(ctx) })
}

// Fault is Conn.Fault on the current connection (dialing one if needed);
// it is not repeated. Safe for concurrent use.
func (c *Client) Fault(ctx context.Context, flt proto.Fault) error {
	cn, err := c.current(ctx)
	if err != nil {
		return err
	}
	return cn.Fault(ctx, flt)
}

// Close closes the current connection (its pending calls fail with
// ErrClosed); later calls return ErrClosed. Safe to call more than once and
// concurrently with other calls.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	return nil
}
