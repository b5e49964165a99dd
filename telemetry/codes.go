package telemetry

import "strconv"

// codeNames are the label values of the proto error codes (proto.ErrCode;
// the package test checks they stay in step). Index is the code.
var codeNames = [...]string{
	0: "ok",
	1: "bad_frame",
	2: "unknown_type",
	3: "too_large",
	4: "busy",
	5: "cancelled",
	6: "internal",
	7: "shutting_down",
	8: "forbidden",
}

// Codes the pool rejects with (proto.ErrBusy, proto.ErrShuttingDown).
const (
	codeBusy         = 4
	codeShuttingDown = 7
)

// CodeName returns the metric label value of a proto error code: its
// snake_case name, or the decimal number for a code this build does not know.
func CodeName(code uint32) string {
	if int64(code) < int64(len(codeNames)) {
		return codeNames[code]
	}
	return strconv.FormatUint(uint64(code), 10)
}

// Label values created up front so that dashboards see zero series.
var (
	rotationReasons = []string{"budget", "arena", "crash", "manual"}
	faultKinds      = []string{"delay", "stall", "panic", "rotate", "env"}
)
