package eventloop_test

import (
	"bytes"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

// fakePool answers every request from one worker goroutine with
// n_tokens = len(doc). Documents starting with "HOLD" are kept until the
// test releases them or they are cancelled (reply status ErrCancelled);
// documents starting with "TWICE" get Done called twice; documents starting
// with "BIG" get a 1 MiB reply that is not a well-formed frame, and those
// starting with "PAD" a well-formed error frame of 1000 bytes per byte of
// the document.
type fakePool struct {
	work chan *actors.Request

	mu          sync.Mutex
	held        []*actors.Request
	cancels     int
	cancelConns []uint64
	submitted   int
	faults      []actors.Fault
	noHold      bool // answer HOLD documents like any other
}

func newFakePool(t *testing.T) *fakePool {
	p := &fakePool{work: make(chan *actors.Request, 1024)}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case r := <-p.work:
				p.serve(r)
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return p
}

func (p *fakePool) Submit(r *actors.Request) {
	p.mu.Lock()
	p.submitted++
	if !p.noHold && bytes.HasPrefix(r.Doc, []byte("HOLD")) {
		// Held at once, so that a cancel right behind it finds it.
		p.held = append(p.held, r)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.work <- r
}

func (p *fakePool) serve(r *actors.Request) {
	switch {
	case bytes.HasPrefix(r.Doc, []byte("BIG")):
		rep := okReply(r)
		rep.Frame = append(rep.Frame, make([]byte, 1<<20)...) // a large (bogus) frame
		r.Done(rep)
	case bytes.HasPrefix(r.Doc, []byte("PAD")):
		// A well-formed frame of 1000 bytes per document byte: an error
		// frame whose message is that long.
		rep := okReply(r)
		rep.Frame = proto.AppendError(nil, r.ID, proto.ErrInternal, strings.Repeat("p", 1000*len(r.Doc)))
		r.Done(rep)
	case bytes.HasPrefix(r.Doc, []byte("TWICE")):
		r.Done(okReply(r))
		r.Done(okReply(r))
	default:
		r.Done(okReply(r))
	}
}

// okReply answers n_tokens = len(doc) and n_issues = crc32(doc), so that
// tests can check the document arrived intact.
func okReply(r *actors.Request) *actors.Reply {
	n, sum := uint32(len(r.Doc)), crc32.ChecksumIEEE(r.Doc)
	return &actors.Reply{
		Frame:   proto.AppendReply(nil, r.ID, proto.Reply{NTokens: n, NIssues: sum, Origin: proto.OriginPrimary}),
		NTokens: n, NIssues: sum, Origin: proto.OriginPrimary,
	}
}

func cancelledReply(r *actors.Request) *actors.Reply {
	return &actors.Reply{
		Frame:  proto.AppendReply(nil, r.ID, proto.Reply{Status: uint32(proto.ErrCancelled), Origin: proto.OriginPrimary}),
		Status: uint32(proto.ErrCancelled), Actor: -1,
	}
}

func (p *fakePool) Cancel(connID, reqID uint64) {
	p.mu.Lock()
	p.cancels++
	p.cancelHeld(func(r *actors.Request) bool { return r.ConnID == connID && r.ID == reqID })
}

func (p *fakePool) CancelConn(connID uint64) {
	p.mu.Lock()
	p.cancelConns = append(p.cancelConns, connID)
	p.cancelHeld(func(r *actors.Request) bool { return r.ConnID == connID })
}

// cancelHeld answers CANCELLED to the held requests that match; it is
// called with p.mu held and unlocks it before answering.
func (p *fakePool) cancelHeld(match func(*actors.Request) bool) {
	var hit []*actors.Request
	kept := p.held[:0]
	for _, r := range p.held {
		if match(r) {
			hit = append(hit, r)
		} else {
			kept = append(kept, r)
		}
	}
	p.held = kept
	p.mu.Unlock()
	for _, r := range hit {
		r.Done(cancelledReply(r))
	}
}

// release answers every held request.
func (p *fakePool) release() {
	p.mu.Lock()
	held := p.held
	p.held = nil
	p.mu.Unlock()
	for _, r := range held {
		r.Done(okReply(r))
	}
}

func (p *fakePool) heldCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.held)
}

func (p *fakePool) cancelConnCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.cancelConns)
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (p *fakePool) Fault(f actors.Fault) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f)
	return nil
}

func (p *fakePool) Info() actors.Info {
	return actors.Info{Actors: 2, KernelPath: "fake", QueueDepths: []int{1, 2}}
}
