package eventloop

import (
	"errors"

	"l0lex/proto"
)

// Control answers the control frames: ping and fault injection. Its methods
// are called on an event-loop goroutine, must be safe for concurrent use
// (several loops) and must not block.
type Control interface {
	// PongPayload returns the payload of the pong answering a ping
	// (version, kernel path, actors).
	PongPayload() []byte
	// Fault decodes and applies the payload of a fault control frame and
	// returns the payload of its acknowledgement. A *CodeError selects the
	// error frame's code (else ErrInternal).
	Fault(payload []byte) ([]byte, error)
}

// CodeError is an error with the wire error code it should be answered with.
type CodeError struct {
	Code proto.ErrCode
	Err  error
}

// Error returns the wrapped error's message.
func (e *CodeError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *CodeError) Unwrap() error { return e.Err }

func codeOf(err error) proto.ErrCode {
	var ce *CodeError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return proto.ErrInternal
}
