package actors

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"l0lex/proto"
)

// FaultKind is a runtime fault the supervisor delivers to actors: the wire
// protocol's kinds, so a fault frame needs no translation. Its String is the
// name reported to Observer.FaultInjected.
type FaultKind = proto.FaultKind

// Runtime fault kinds.
const (
	// FaultDelay sleeps Fault.Ms before lexing (cut short if the attempt is
	// cancelled, e.g. because its hedge won).
	FaultDelay = proto.FaultDelay
	// FaultStall blocks the attempt until it is cancelled: by a winning
	// hedge, a client cancel or the end of a drain. Without any of these
	// the request never completes: that is the fault's point.
	FaultStall = proto.FaultStall
	// FaultPanic panics inside the actor while it handles the request; the
	// supervisor replaces the actor and retries the request once elsewhere.
	FaultPanic = proto.FaultPanic
	// FaultRotate retires the actor now and replaces it (reason "manual").
	FaultRotate = proto.FaultRotate
	// FaultClear disarms the delay, stall and panic faults still pending.
	FaultClear = proto.FaultClear
)

// AllActors as Fault.Actor targets every actor.
const AllActors = -1

// Fault is a runtime fault (Pool.Fault). Delay, stall and panic faults are
// armed on the targeted actor slots and fire on the next requests those
// slots handle; they survive the rotation of the actor. A slot fires its
// armed faults in the order they were armed, one per request, so a fault
// with a negative Count shadows the ones armed after it until FaultClear.
type Fault struct {
	Kind  FaultKind
	Actor int // actor index, or AllActors
	Ms    int // FaultDelay: sleep length in ms
	// Count is how many requests the fault fires on, per targeted actor:
	// 0 means 1, a negative count means every request until FaultClear.
	Count int
	// PrimaryOnly fires the fault only on first attempts, never on hedges
	// or retries: with Count < 0 it proves that hedging rescues every slow
	// first attempt.
	PrimaryOnly bool
}

// validate reports whether f can be delivered to a pool of n actors.
func (f Fault) validate(n int) error {
	if f.Kind < FaultDelay || f.Kind > FaultClear {
		return fmt.Errorf("cannot inject fault kind %d: unknown", uint8(f.Kind))
	}
	if f.Actor != AllActors && (f.Actor < 0 || f.Actor >= n) {
		return fmt.Errorf("cannot inject a fault into actor %d: the pool has actors 0..%d", f.Actor, n-1)
	}
	if f.Kind == FaultDelay && f.Ms <= 0 {
		return fmt.Errorf("cannot inject a delay of %d ms: it must be positive", f.Ms)
	}
	return nil
}

// armed is one pending fault of a slot.
type armed struct {
	kind        FaultKind
	delay       time.Duration
	left        int // requests left; < 0: unlimited
	primaryOnly bool
}

// slotFaults holds the runtime faults armed on one actor slot. Its methods
// are safe for concurrent use (the supervisor arms, actors take).
type slotFaults struct {
	mu   sync.Mutex
	n    atomic.Int32 // len(list), read without the lock as a fast path
	list []armed
}

// pending reports whether any fault is armed (without locking).
func (s *slotFaults) pending() bool { return s.n.Load() != 0 }

// arm adds f.
func (s *slotFaults) arm(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == FaultClear {
		s.list = s.list[:0]
		s.n.Store(0)
		return
	}
	left := f.Count
	if left == 0 {
		left = 1
	}
	s.list = append(s.list, armed{
		kind: f.Kind, delay: time.Duration(f.Ms) * time.Millisecond,
		left: left, primaryOnly: f.PrimaryOnly,
	})
	s.n.Store(int32(len(s.list)))
}

// take returns the first armed fault that applies to an attempt of kind k,
// consuming one use of it.
func (s *slotFaults) take(k attemptKind) (armed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.list {
		f := &s.list[i]
		if f.primaryOnly && k != kindPrimary {
			continue
		}
		out := *f
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.list = append(s.list[:i], s.list[i+1:]...)
				s.n.Store(int32(len(s.list)))
			}
		}
		return out, true
	}
	return armed{}, false
}

// rng is a xorshift64* generator: each actor owns one (no global state).
type rng uint64

// newRNG seeds a generator; seed 0 is replaced.
func newRNG(seed uint64) rng {
	if seed == 0 {
		seed = 0x9e3779b97f4a7c15
	}
	return rng(seed)
}

// ppm returns a number in [0, 1e6).
func (r *rng) ppm() int {
	x := uint64(*r)
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*r = rng(x)
	return int((x * 0x2545f4914f6cdd1d >> 32) % 1_000_000)
}
