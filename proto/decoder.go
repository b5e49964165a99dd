package proto

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
)

// MaxPayload is the largest payload a frame header can announce.
const MaxPayload = 1<<32 - 1

// DefaultMaxRequest is the server's default maximum payload size
// (L0_MAX_REQ_BYTES): 8 MiB.
const DefaultMaxRequest = 8 << 20

// Side says which end of a connection a Decoder reads for: the frame types
// one side may send are the ones the other accepts.
type Side uint8

// Sides.
const (
	// FromClient decodes what a client sends (the server's decoder):
	// types 1, 3, 6, 7 and 9.
	FromClient Side = iota
	// FromServer decodes what a server sends (the client's decoder):
	// types 2, 4, 5, 8 and 10.
	FromServer
)

// Frame is one decoded frame. Payload aliases the decoder's input.
type Frame struct {
	Header
	Payload []byte
}

// Decoder checks and splits a byte stream into frames. It holds no
// buffer and no state between calls: the caller keeps the unread bytes (gnet's
// inbound buffer, a bufio.Reader) and hands them in, so that frames need not
// be copied. A Decoder is immutable after NewDecoder and safe for concurrent
// use.
//
// The OnTraffic loop of a gnet server:
//
//	for {
//		buf, _ := c.Peek(-1)
//		f, n, err := dec.Decode(buf)
//		if err != nil { reply with an error frame (proto.CodeOf(err), f.ReqID);
//			if fatal (see FrameError.Fatal) close, else c.Discard(n) and continue }
//		if n == 0 { need, _ := dec.Need(buf); wait until need bytes are buffered; break }
//		copy f.Payload (it aliases gnet's buffer), submit, c.Discard(n)
//	}
type Decoder struct {
	side Side
	max  uint32
}

// NewDecoder returns a decoder for frames sent by the given side, refusing
// payloads over maxPayload bytes (0 means MaxPayload).
func NewDecoder(side Side, maxPayload uint32) *Decoder {
	if maxPayload == 0 {
		maxPayload = MaxPayload
	}
	return &Decoder{side: side, max: maxPayload}
}

// MaxPayload returns the largest payload the decoder accepts.
func (d *Decoder) MaxPayload() uint32 { return d.max }

// Need returns how many bytes the first frame of buf occupies in all (header
// plus payload), or HeaderLen when buf does not yet hold a whole header. The
// error is a fatal *FrameError (code ErrTooLarge) when the header announces a
// payload over the maximum: the caller answers it and closes the connection
// without waiting for the payload.
func (d *Decoder) Need(buf []byte) (int, error) {
	if len(buf) < HeaderLen {
		return HeaderLen, nil
	}
	h := ParseHeader(buf)
	if h.Len > d.max {
		return 0, d.tooLarge(h)
	}
	return HeaderLen + int(h.Len), nil
}

// Decode examines the frame at the start of buf:
//
//   - a whole valid frame: it returns the frame (Payload aliases buf), the
//     number of bytes it occupies and nil;
//   - an incomplete frame: it returns n == 0 and a nil error (Need says how
//     many bytes to wait for);
//   - an invalid frame: it returns a *FrameError and the frame's header. If
//     the error is not Fatal, n is the frame's size: discard it and go on
//     with the next frame. A fatal error (payload too large) is reported as
//     soon as the header is in, with n == 0.
//
// It never panics and never modifies buf.
func (d *Decoder) Decode(buf []byte) (f Frame, n int, err error) {
	if len(buf) < HeaderLen {
		return Frame{}, 0, nil
	}
	h := ParseHeader(buf)
	if h.Len > d.max {
		return Frame{Header: h}, 0, d.tooLarge(h)
	}
	size := HeaderLen + int(h.Len)
	if len(buf) < size {
		return Frame{}, 0, nil
	}
	f = Frame{Header: h, Payload: buf[HeaderLen:size:size]}
	if fe := d.check(h, f.Payload); fe != nil {
		return Frame{Header: h}, size, fe
	}
	return f, size, nil
}

func (d *Decoder) tooLarge(h Header) *FrameError {
	return &FrameError{Code: ErrTooLarge, Header: h, Fatal: true,
		Reason: fmt.Sprintf("payload of %d bytes over the maximum of %d", h.Len, d.max)}
}

// check validates a whole frame of an accepted size.
func (d *Decoder) check(h Header, p []byte) *FrameError {
	bad := func(format string, args ...any) *FrameError {
		return &FrameError{Code: ErrBadFrame, Header: h, Reason: fmt.Sprintf(format, args...)}
	}
	empty := func() *FrameError {
		if len(p) != 0 {
			return bad("type %d takes no payload", uint32(h.Type))
		}
		return nil
	}
	if d.side == FromClient {
		switch h.Type {
		case TypeLex, TypeLexFull:
			return nil // any payload is a document (legacy rule)
		case TypeCancel, TypePing:
			return empty()
		case TypeFault:
			if _, err := ParseFault(p); err != nil {
				return bad("%v", err)
			}
			return nil
		}
	} else {
		switch h.Type {
		case TypeReply:
			if _, err := ParseReply(p); err != nil {
				return bad("%v", err)
			}
			return nil
		case TypeReplyFull:
			if len(p) < fullFixedMin {
				return bad("full reply of %d bytes is shorter than its fixed part", len(p))
			}
			return nil // ParseFullReply checks the rest
		case TypeError:
			if _, err := ParseError(p); err != nil {
				return bad("%v", err)
			}
			return nil
		case TypePong:
			if _, err := ParsePong(p); err != nil {
				return bad("%v", err)
			}
			return nil
		case TypeFaultAck:
			return empty()
		}
	}
	return &FrameError{Code: ErrUnknownType, Header: h,
		Reason: fmt.Sprintf("type %d is not accepted from the %s", uint32(h.Type), d.side)}
}

// String names the sender.
func (s Side) String() string {
	if s == FromClient {
		return "client"
	}
	return "server"
}

// Reader reads frames from a stream with a Decoder (for net.Conn users such
// as the client package; a gnet server uses Decoder.Decode on its inbound
// buffer). A Reader is not safe for concurrent use.
type Reader struct {
	r   *bufio.Reader
	d   *Decoder
	hdr [HeaderLen]byte
}

// NewReader returns a Reader of r with decoder d.
func NewReader(r io.Reader, d *Decoder) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), d: d}
}

// ReadFrame reads the next frame. Its payload is newly allocated and owned by
// the caller. Errors: io.EOF at a clean end between frames,
// io.ErrUnexpectedEOF inside a frame, a *FrameError for a rejected frame
// (after a non-fatal one the stream is positioned at the next frame), or the
// underlying read error.
func (r *Reader) ReadFrame() (Frame, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		return Frame{}, err
	}
	h := ParseHeader(r.hdr[:])
	if h.Len > r.d.max {
		return Frame{Header: h}, r.d.tooLarge(h)
	}
	p, err := readPayload(r.r, int(h.Len))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{Header: h}, fmt.Errorf("cannot read payload of frame type %d: %w", uint32(h.Type), err)
	}
	if fe := r.d.check(h, p); fe != nil {
		return Frame{Header: h}, fe
	}
	return Frame{Header: h, Payload: p}, nil
}

// firstChunk is the most readPayload allocates before any payload byte has
// arrived.
const firstChunk = 64 << 10

// readPayload reads n bytes, growing its buffer as they arrive (at most
// doubling), so that a header announcing a huge payload costs memory only
// once the bytes are really sent.
func readPayload(r io.Reader, n int) ([]byte, error) {
	p := make([]byte, 0, min(n, firstChunk))
	for len(p) < n {
		if len(p) == cap(p) {
			p = slices.Grow(p, min(n-len(p), len(p)))
		}
		k, err := io.ReadFull(r, p[len(p):min(n, cap(p))])
		p = p[:len(p)+k]
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}
