package telemetry_test

import (
	"testing"

	"l0lex/actors"
	"l0lex/eventloop"
	"l0lex/proto"
	"l0lex/telemetry"
)

// Telemetry is the pool's observer and the event loop's request recorder.
var (
	_ actors.Observer        = (*telemetry.Telemetry)(nil)
	_ eventloop.Telemetry    = (*telemetry.Telemetry)(nil)
	_ eventloop.DropRecorder = (*telemetry.Telemetry)(nil)
)

// TestCodeNames keeps the label values in step with the proto error codes.
func TestCodeNames(t *testing.T) {
	cases := []struct {
		code proto.ErrCode
		want string
	}{
		{proto.ErrBadFrame, "bad_frame"},
		{proto.ErrUnknownType, "unknown_type"},
		{proto.ErrTooLarge, "too_large"},
		{proto.ErrBusy, "busy"},
		{proto.ErrCancelled, "cancelled"},
		{proto.ErrInternal, "internal"},
		{proto.ErrShuttingDown, "shutting_down"},
		{proto.ErrForbidden, "forbidden"},
		{proto.ErrCode(99), "99"},
	}
	for _, c := range cases {
		if got := telemetry.CodeName(uint32(c.code)); got != c.want {
			t.Errorf("CodeName(%d) = %q, want %q", c.code, got, c.want)
		}
	}
}
