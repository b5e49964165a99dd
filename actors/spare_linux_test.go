//go:build linux

package actors_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"l0lex/actors"
)

// TestSpareFIFO: with SpareFIFO the spare's thread runs under SCHED_FIFO
// where the process may set it (root here, typically), and the core actors'
// threads do not; where it may not, the spare runs at normal priority and
// the pool says why. Either way the spare answers the hedge of a stalled
// request, and every actor's thread has the configured niceness, the
// spare's too once its hedge is done.
func TestSpareFIFO(t *testing.T) {
	permitted := fifoPermitted()
	var mu sync.Mutex
	var logs []string
	cfg := testConfig(t, 0)
	cfg.NoPin = false
	cfg.HedgeMs, cfg.HedgeMaxPct, cfg.HedgeSpares, cfg.SpareFIFO, cfg.Nice = 5, 100, 1, true, 7
	cfg.Logf = func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	p := mustNew(t, cfg, newFakeObs())
	in := p.Info()
	if in.FIFO[0] || in.FIFO[1] != permitted {
		t.Fatalf("FIFO %v, want [false %v] (SCHED_FIFO permitted here: %v)", in.FIFO, permitted, permitted)
	}
	mu.Lock()
	said := strings.Contains(strings.Join(logs, "\n"), "spare 1 runs at normal priority")
	mu.Unlock()
	if said == permitted {
		t.Fatalf("logs %q: want a warning exactly when SCHED_FIFO is not permitted (permitted: %v)", logs, permitted)
	}
	if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0, Count: 1, PrimaryOnly: true}); err != nil {
		t.Fatal(err)
	}
	rc := newRecorder(1)
	if !submitWait(p, rc, 1, 1, doc(1), 5*time.Second) {
		t.Fatal("the stalled request was not answered by its hedge within 5s")
	}
	if rep, _ := rc.reply(1); rep.Actor != 1 || !rep.Hedged {
		t.Fatalf("reply from actor %d (hedged %v), want the spare's hedge", rep.Actor, rep.Hedged)
	}
	for slot, tid := range p.ThreadIDs() {
		if n, err := threadNice(tid); err != nil || n != 7 {
			t.Errorf("actor %d (thread %d): niceness %d (%v), want 7", slot, tid, n, err)
		}
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// threadNice returns the niceness of thread tid of this process (field 19
// of its /proc stat line).
func threadNice(tid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return strconv.Atoi(f[16]) // fields from the state (3rd) on
}

// fifoPermitted reports whether this process may put a thread under
// SCHED_FIFO, trying it on a thread that then ends.
func fifoPermitted() bool {
	ok := make(chan bool)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		ok <- actors.SetFIFO(true, 0) == nil
	}()
	return <-ok
}
