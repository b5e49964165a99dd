package actors_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/kernel"
	"l0lex/proto"
)

// fakeObs is an Observer that counts every event.
type fakeObs struct {
	lexed, hedgeFired, hedgeWon, stolen atomic.Int64

	mu       sync.Mutex
	rotated  map[string]int
	faults   map[string]int
	rejected map[uint32]int
	depthMax int
}

func newFakeObs() *fakeObs {
	return &fakeObs{rotated: map[string]int{}, faults: map[string]int{}, rejected: map[uint32]int{}}
}

func (o *fakeObs) Lexed(actor int, path string, busyNs int64, bytes int) { o.lexed.Add(1) }
func (o *fakeObs) QueueDepth(actor int, depth int) {
	o.mu.Lock()
	o.depthMax = max(o.depthMax, depth)
	o.mu.Unlock()
}
func (o *fakeObs) HedgeFired() { o.hedgeFired.Add(1) }
func (o *fakeObs) HedgeWon()   { o.hedgeWon.Add(1) }
func (o *fakeObs) Stolen(from, to int) {
	if from != to {
		o.stolen.Add(1)
	}
}
func (o *fakeObs) Rotated(actor int, reason string) {
	o.mu.Lock()
	o.rotated[reason]++
	o.mu.Unlock()
}
func (o *fakeObs) FaultInjected(kind string) {
	o.mu.Lock()
	o.faults[kind]++
	o.mu.Unlock()
}
func (o *fakeObs) Rejected(code uint32) {
	o.mu.Lock()
	o.rejected[code]++
	o.mu.Unlock()
}

func (o *fakeObs) rotations(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rotated[reason]
}

func (o *fakeObs) faultCount(kind string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.faults[kind]
}

func (o *fakeObs) rejects(code proto.ErrCode) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rejected[uint32(code)]
}

// recorder collects the replies of requests and counts Done calls per
// request, so that tests can prove "exactly once".
type recorder struct {
	mu      sync.Mutex
	calls   map[uint64]int
	rels    map[uint64]int // Release calls
	early   int            // Release calls before Done
	replies map[uint64]*actors.Reply
	notify  chan uint64
}

func newRecorder(capacity int) *recorder {
	return &recorder{
		calls: map[uint64]int{}, rels: map[uint64]int{}, replies: map[uint64]*actors.Reply{},
		notify: make(chan uint64, capacity),
	}
}

// request builds a request whose Done is recorded.
func (rc *recorder) request(conn, id uint64, mode actors.Mode, doc []byte) *actors.Request {
	return &actors.Request{
		ConnID: conn, ID: id, Mode: mode, Doc: doc,
		Done: func(rep *actors.Reply) {
			rc.mu.Lock()
			rc.calls[id]++
			rc.replies[id] = rep
			rc.mu.Unlock()
			select {
			case rc.notify <- id:
			default:
			}
		},
		Release: func() {
			rc.mu.Lock()
			rc.rels[id]++
			if rc.calls[id] == 0 {
				rc.early++
			}
			rc.mu.Unlock()
		},
	}
}

// releasedOnce fails unless ids 1..n each got exactly one Release, after
// their Done.
func (rc *recorder) releasedOnce(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rc.mu.Lock()
		missing, dup := 0, 0
		for id := uint64(1); id <= uint64(n); id++ {
			switch c := rc.rels[id]; {
			case c == 0:
				missing++
			case c > 1:
				dup++
			}
		}
		early := rc.early
		rc.mu.Unlock()
		if dup != 0 || early != 0 {
			t.Fatalf("releases: %d duplicated, %d before Done", dup, early)
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("releases: %d of %d requests never released", missing, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (rc *recorder) reply(id uint64) (*actors.Reply, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.replies[id], rc.calls[id]
}

// wait blocks until n replies arrived or the timeout passed.
func (rc *recorder) wait(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		rc.mu.Lock()
		got := len(rc.replies)
		rc.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-rc.notify:
		case <-deadline:
			t.Fatalf("got %d replies of %d after %v", got, n, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exactlyOnce fails unless ids 1..n each got exactly one Done.
func (rc *recorder) exactlyOnce(t *testing.T, n int) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	lost, dup := 0, 0
	for id := uint64(1); id <= uint64(n); id++ {
		switch c := rc.calls[id]; {
		case c == 0:
			lost++
		case c > 1:
			dup++
		}
	}
	if lost != 0 || dup != 0 || len(rc.calls) != n {
		t.Fatalf("replies: %d lost, %d duplicated, %d distinct of %d", lost, dup, len(rc.calls), n)
	}
}

// doc returns a small LaTeX document that differs with i.
func doc(i int) []byte {
	return fmt.Appendf(nil, "\\section{Part %d}\nSome text with $x^%d$ and {groups}.%% comment\n\\end{document}\n", i, i%10)
}

// wantTokens lexes d locally and returns its token count.
func wantTokens(t *testing.T, d []byte) uint32 {
	t.Helper()
	a := kernel.NewArena(kernel.SizeFor(d))
	if err := kernel.Lex(a, d, new(atomic.Bool)); err != nil {
		t.Fatalf("cannot lex the test document: %v", err)
	}
	return uint32(a.N)
}

// summary decodes a type-2 reply frame and checks that it matches rep.
func summary(t *testing.T, id uint64, rep *actors.Reply) proto.Reply {
	t.Helper()
	if len(rep.Frame) < proto.HeaderLen {
		t.Fatalf("request %d: frame of %d bytes", id, len(rep.Frame))
	}
	h := proto.ParseHeader(rep.Frame)
	if h.Type != proto.TypeReply || h.ReqID != id || int(h.Len) != len(rep.Frame)-proto.HeaderLen {
		t.Fatalf("request %d: header %+v for a frame of %d bytes", id, h, len(rep.Frame))
	}
	r, err := proto.ParseReply(rep.Frame[proto.HeaderLen:])
	if err != nil {
		t.Fatalf("request %d: %v", id, err)
	}
	if r.Status != rep.Status || r.Origin != rep.Origin || r.NTokens != rep.NTokens || r.NIssues != rep.NIssues {
		t.Fatalf("request %d: frame %+v disagrees with Reply %+v", id, r, rep)
	}
	return r
}

// testConfig is a pool configuration for tests: no pinning (synctest
// bubbles), quiet logs.
func testConfig(t *testing.T, cores ...int) actors.Config {
	c := actors.Config{
		Cores: cores, NoPin: true, MailboxLen: 16,
		Logf: func(format string, args ...any) {},
	}
	return c
}

func mustNew(t *testing.T, cfg actors.Config, obs actors.Observer) *actors.Pool {
	t.Helper()
	p, err := actors.New(cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// submitSettle submits requests from..to (inclusive) of d on connection 1
// and, inside a testing/synctest bubble, lets 100 ms of fake time pass so
// that every one is answered.
func submitSettle(p *actors.Pool, rc *recorder, from, to uint64, d []byte) {
	for id := from; id <= to; id++ {
		p.Submit(rc.request(1, id, actors.ModeSummary, d))
	}
	time.Sleep(100 * time.Millisecond)
	synctest.Wait()
}

// submitWait submits request id of d (summary mode) on connection conn and
// waits, in real time, up to timeout for its reply; it reports whether the
// reply came.
func submitWait(p *actors.Pool, rc *recorder, conn, id uint64, d []byte, timeout time.Duration) bool {
	done := make(chan struct{})
	r := rc.request(conn, id, actors.ModeSummary, d)
	inner := r.Done
	r.Done = func(rep *actors.Reply) { inner(rep); close(done) }
	p.Submit(r)
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
