package proto

import (
	"encoding/binary"
	"fmt"
)

// FaultKind is what a runtime fault does to the actors it targets.
type FaultKind uint8

// Fault kinds.
const (
	FaultDelay  FaultKind = 1 // sleep Ms milliseconds before the next request
	FaultStall  FaultKind = 2 // block on the next request until it is cancelled
	FaultPanic  FaultKind = 3 // panic inside the next request
	FaultRotate FaultKind = 4 // retire the actor and start a fresh one
	FaultClear  FaultKind = 5 // disarm the delay, stall and panic faults still pending
)

// String returns the kind's name as l0ctl spells it.
func (k FaultKind) String() string {
	switch k {
	case FaultDelay:
		return "delay"
	case FaultStall:
		return "stall"
	case FaultPanic:
		return "panic"
	case FaultRotate:
		return "rotate"
	case FaultClear:
		return "clear"
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// ParseFaultKind returns the kind named s (delay, stall, panic, rotate,
// clear).
func ParseFaultKind(s string) (FaultKind, error) {
	for k := FaultDelay; k <= FaultClear; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("cannot parse fault kind %q: want delay, stall, panic, rotate or clear", s)
}

// AllActors is the Fault.Actor value that targets every actor.
const AllActors int32 = -1

// MaxFaultMs bounds a delay fault (one minute).
const MaxFaultMs = 60_000

// FaultLen is the payload size of a type-9 fault frame.
const FaultLen = 13

// Fault is the payload of a type-9 fault-injection control frame.
type Fault struct {
	Kind  FaultKind
	Actor int32  // actor index, or AllActors
	Ms    uint32 // delay in ms (FaultDelay only; 0 for the other kinds)
	// Count is how many requests a delay, stall or panic fault fires on per
	// targeted actor: 0 means 1, a negative count every request until a
	// FaultClear. 0 for rotate and clear.
	Count int32
}

// Validate reports whether f is a fault the server can carry out.
func (f Fault) Validate() error {
	if f.Kind < FaultDelay || f.Kind > FaultClear {
		return fmt.Errorf("invalid fault: unknown kind %d", uint8(f.Kind))
	}
	if f.Actor < AllActors {
		return fmt.Errorf("invalid fault: actor %d (want an index >= 0 or -1 for all)", f.Actor)
	}
	if f.Kind == FaultDelay && (f.Ms == 0 || f.Ms > MaxFaultMs) {
		return fmt.Errorf("invalid fault: delay of %d ms (want 1..%d)", f.Ms, MaxFaultMs)
	}
	if f.Kind != FaultDelay && f.Ms != 0 {
		return fmt.Errorf("invalid fault: %s takes no ms (got %d)", f.Kind, f.Ms)
	}
	if (f.Kind == FaultRotate || f.Kind == FaultClear) && f.Count != 0 {
		return fmt.Errorf("invalid fault: %s takes no count (got %d)", f.Kind, f.Count)
	}
	return nil
}

// AppendFault appends a complete type-9 frame carrying f:
// u8 kind | i32 actor (-1 = all) | u32 ms | i32 count.
func AppendFault(dst []byte, reqID uint64, f Fault) []byte {
	dst = AppendHeader(dst, Header{Type: TypeFault, ReqID: reqID, Len: FaultLen})
	dst = append(dst, byte(f.Kind))
	dst = binary.BigEndian.AppendUint32(dst, uint32(f.Actor))
	dst = binary.BigEndian.AppendUint32(dst, f.Ms)
	return binary.BigEndian.AppendUint32(dst, uint32(f.Count))
}

// ParseFault decodes and validates a type-9 payload.
func ParseFault(payload []byte) (Fault, error) {
	if len(payload) != FaultLen {
		return Fault{}, fmt.Errorf("cannot parse fault: payload is %d bytes, want %d", len(payload), FaultLen)
	}
	f := Fault{Kind: FaultKind(payload[0]), Actor: int32(be32(payload[1:])), Ms: be32(payload[5:]),
		Count: int32(be32(payload[9:]))}
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("cannot parse fault: %w", err)
	}
	return f, nil
}
