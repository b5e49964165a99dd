package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"l0lex/client"
	"l0lex/proto"
)

// Dialer opens a connection to the server.
type Dialer func(ctx context.Context) (net.Conn, error)

// NetDialer returns a Dialer for network ("unix" or "tcp") and addr.
func NetDialer(network, addr string) Dialer {
	var d net.Dialer
	return func(ctx context.Context) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("cannot connect to l0d: %w", err)
		}
		client.RaiseSendBuffer(c)
		return c, nil
	}
}

// maxReplyPayload bounds the payload of a reply frame the generators accept;
// a larger length means the stream is out of step.
const maxReplyPayload = 1 << 20

// errBadStream reports a frame header the generators cannot follow.
var errBadStream = errors.New("reply frame length out of range")

// frameReader reads whole frames from a connection into buffers it owns.
// It is not safe for concurrent use.
type frameReader struct {
	r       io.Reader
	hdr     [proto.HeaderLen]byte
	payload []byte
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: r, payload: make([]byte, 0, 4096)}
}

// next reads one frame. The payload is valid until the next call.
func (fr *frameReader) next() (proto.Header, []byte, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return proto.Header{}, nil, err
	}
	h := proto.ParseHeader(fr.hdr[:])
	if h.Len > maxReplyPayload {
		return h, nil, fmt.Errorf("cannot read a reply of %d bytes: %w", h.Len, errBadStream)
	}
	n := int(h.Len)
	if cap(fr.payload) < n {
		fr.payload = make([]byte, n)
	}
	p := fr.payload[:n]
	if _, err := io.ReadFull(fr.r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return h, nil, err
	}
	return h, p, nil
}

// Outcome is the verdict on one reply.
type Outcome uint8

// Outcomes of checking a reply.
const (
	OutcomeOK         Outcome = iota // status 0 and the expected token count
	OutcomeMismatch                  // status 0 but a different token count
	OutcomeStatus                    // type-2 reply with a nonzero status other than BUSY
	OutcomeBusy                      // BUSY, as a reply status or an error frame
	OutcomeErrorFrame                // type-5 error frame other than BUSY
	OutcomeProtocol                  // a frame that is no valid answer to a lex request
)

// Check judges one reply frame to a type-1 request whose document has
// tokens tokens. code is the status or error code when there is one.
func Check(tokens uint32, h proto.Header, payload []byte) (o Outcome, code uint32) {
	switch h.Type {
	case proto.TypeReply:
		if len(payload) != proto.ReplyLen {
			return OutcomeProtocol, 0
		}
		status := binary.BigEndian.Uint32(payload[0:4])
		switch {
		case status == 0 && binary.BigEndian.Uint32(payload[4:8]) == tokens:
			return OutcomeOK, 0
		case status == 0:
			return OutcomeMismatch, 0
		case status == uint32(proto.ErrBusy):
			return OutcomeBusy, status
		default:
			return OutcomeStatus, status
		}
	case proto.TypeError:
		if len(payload) < 4 {
			return OutcomeProtocol, 0
		}
		code := binary.BigEndian.Uint32(payload[0:4])
		if code == uint32(proto.ErrBusy) {
			return OutcomeBusy, code
		}
		return OutcomeErrorFrame, code
	}
	return OutcomeProtocol, 0
}

// replyTokens returns the token count of a type-2 reply payload (0 if it is
// none).
func replyTokens(h proto.Header, payload []byte) uint32 {
	if h.Type != proto.TypeReply || len(payload) != proto.ReplyLen {
		return 0
	}
	return binary.BigEndian.Uint32(payload[4:8])
}
