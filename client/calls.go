package client

import (
	"context"
	"fmt"
	"net"

	"l0lex/proto"
)

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
