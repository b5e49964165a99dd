package client

import (
	"errors"
	"fmt"

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
