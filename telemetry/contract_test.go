package telemetry_test

import (
	"context"
	"os"
	"regexp"
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

// TestMetricsDocumented: docs/metrics.md has a row for every l0_ family the
// service exports, and no row for a family it does not export.
func TestMetricsDocumented(t *testing.T) {
	tel, err := telemetry.New(telemetry.Config{Actors: 2, KernelPath: "avx2", TailKeep: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Close(context.Background())
	names, err := tel.Families()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(l0_[a-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	exported := map[string]bool{}
	for _, n := range names {
		exported[n] = true
		if !documented[n] {
			t.Errorf("%s is exported but has no row in docs/metrics.md", n)
		}
	}
	for n := range documented {
		if !exported[n] {
			t.Errorf("docs/metrics.md documents %s, which is not exported", n)
		}
	}
	if len(exported) < 15 {
		t.Errorf("only %d l0_ families exported: %v", len(exported), names)
	}
}
