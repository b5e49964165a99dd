package proto

import (
	"errors"
	"fmt"
)

// String returns the code's stable name as used in docs/protocol.md.
func (c ErrCode) String() string {
	switch c {
	case 0:
		return "ok"
	case ErrBadFrame:
		return "bad frame"
	case ErrUnknownType:
		return "unknown type"
	case ErrTooLarge:
		return "too large"
	case ErrBusy:
		return "busy"
	case ErrCancelled:
		return "cancelled"
	case ErrInternal:
		return "internal"
	case ErrShuttingDown:
		return "shutting down"
	case ErrForbidden:
		return "forbidden"
	}
	return fmt.Sprintf("error %d", uint32(c))
}

// FrameError is what the Decoder and the payload parsers return for input
// that breaks the protocol. Code is the error code the server answers with
// (in a type-5 frame carrying Header.ReqID). Fatal reports that the stream
// cannot be resynchronised and the connection must be closed after the error
// frame; otherwise the offending frame has been skipped and the next one can
// be decoded.
type FrameError struct {
	Code   ErrCode
	Header Header // the offending frame's header (zero if it was never read)
	Fatal  bool
	Reason string
}

// Error describes the rejected frame.
func (e *FrameError) Error() string {
	return fmt.Sprintf("cannot accept frame type %d req_id %d (%d payload bytes): %s: %s",
		uint32(e.Header.Type), e.Header.ReqID, e.Header.Len, e.Code, e.Reason)
}

// Is makes errors.Is(err, ErrXxx-sentinel) work for the sentinels below.
func (e *FrameError) Is(target error) bool {
	var s *codeSentinel
	if errors.As(target, &s) {
		return s.code == e.Code
	}
	return false
}

// codeSentinel is a comparable error value standing for one ErrCode.
type codeSentinel struct {
	code ErrCode
}

func (s *codeSentinel) Error() string { return "proto: " + s.code.String() }

// Sentinels for errors.Is on a *FrameError.
var (
	ErrIsBadFrame    error = &codeSentinel{ErrBadFrame}
	ErrIsUnknownType error = &codeSentinel{ErrUnknownType}
	ErrIsTooLarge    error = &codeSentinel{ErrTooLarge}
)

// CodeOf returns the error code a server should answer err with: the Code of
// a *FrameError found in err's chain, else ErrInternal (and 0 for nil).
func CodeOf(err error) ErrCode {
	if err == nil {
		return 0
	}
	var fe *FrameError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ErrInternal
}

// ErrorFrame is the decoded payload of a type-5 error frame.
type ErrorFrame struct {
	Code    ErrCode
	Message string
}

// ParseError decodes the payload of a type-5 error frame:
// u32 code | UTF-8 message. The code must not be 0.
func ParseError(payload []byte) (ErrorFrame, error) {
	if len(payload) < 4 {
		return ErrorFrame{}, fmt.Errorf("cannot parse error frame: payload is %d bytes, need at least 4", len(payload))
	}
	c := ErrCode(be32(payload))
	if c == 0 {
		return ErrorFrame{}, errors.New("cannot parse error frame: code is 0")
	}
	return ErrorFrame{Code: c, Message: string(payload[4:])}, nil
}
