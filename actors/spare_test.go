package actors_test

import (
	"bytes"
	"context"
	"reflect"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/kernel"
	"l0lex/proto"
)

// TestSpareRunsHedges: with two core actors stalled on their first
// attempts, the hedges answer both requests at the deadline, the first on
// the spare (slot 2). The second runs on the spare too, or on the core
// actor freed when the first hedge won (its stalled attempt cancelled), if
// the spare's hedge finished before the supervisor placed the second one:
// both are right, and which comes first is the machine's. Once the faults
// are cleared, requests of their own never go to the spare.
func TestSpareRunsHedges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0, 0)
		cfg.HedgeMs, cfg.HedgeMaxPct, cfg.HedgeSpares = 10, 100, 1
		p := mustNew(t, cfg, obs)
		if in := p.Info(); in.Actors != 3 || in.Spares != 1 || !reflect.DeepEqual(in.Cores, []int{0, 0, -1}) {
			t.Fatalf("Info: %d actors, %d spares, cores %v; want 3, 1, [0 0 -1]", in.Actors, in.Spares, in.Cores)
		}
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: actors.AllActors, Count: -1, PrimaryOnly: true}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(64)
		submitSettle(p, rc, 1, 2, doc(1))
		onSpare := 0
		for id := uint64(1); id <= 2; id++ {
			rep, calls := rc.reply(id)
			if calls != 1 {
				t.Fatalf("request %d: Done called %d times", id, calls)
			}
			if r := summary(t, id, rep); r.Status != 0 || r.Origin != proto.OriginHedge {
				t.Errorf("request %d: reply %+v from actor %d, want a hedge's", id, r, rep.Actor)
			}
			if rep.Actor == 2 {
				onSpare++
			}
			if at := time.Duration(rep.TFirstReply); at < 10*time.Millisecond || at > 11*time.Millisecond {
				t.Errorf("request %d answered at %v, want within one tick after the 10ms deadline", id, at)
			}
		}
		if onSpare == 0 || obs.faultCount("stall") != 2 {
			t.Errorf("%d hedges ran on the spare, %d attempts stalled; want 1 or 2, and 2", onSpare, obs.faultCount("stall"))
		}

		if err := p.Fault(actors.Fault{Kind: actors.FaultClear, Actor: actors.AllActors}); err != nil {
			t.Fatal(err)
		}
		submitSettle(p, rc, 3, 29, doc(1)) // fewer than the two mailboxes hold
		for id := uint64(3); id < 30; id++ {
			rep, calls := rc.reply(id)
			if calls != 1 || rep.Actor < 0 || rep.Actor > 1 || rep.Hedged {
				t.Errorf("request %d: %d replies, last from actor %d (hedged %v); want one from a core actor", id, calls, rep.Actor, rep.Hedged)
			}
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNoSpareWithoutHedging: spares exist only to run hedges.
func TestNoSpareWithoutHedging(t *testing.T) {
	cfg := testConfig(t, 0)
	cfg.HedgeSpares = 2
	p := mustNew(t, cfg, newFakeObs())
	defer p.Close(context.Background())
	if in := p.Info(); in.Actors != 1 || in.Spares != 0 {
		t.Errorf("hedging off: %d actors, %d spares; want 1 and 0", in.Actors, in.Spares)
	}
}

// TestStragglerHedged: an attempt lexing far longer than the pool's recent
// speed predicts is duplicated once the deadline passed, on an idle core
// actor; on a spare only when its thread was starved of CPU (here: a CPU
// clock that does not move), since a spare would otherwise share the
// straggler's busy core; and not at all when it lexes as slowly as
// predicted (a large document). The speed is set by hand: absurdly high, so
// that any real lexing is slow, or absurdly low. Real time: the document is
// made large enough to take at least 20 ms to lex here, and the deadline is
// 5 ms, long enough that the attempt is lexing rather than still on its way
// from the mailbox to the kernel (held, which would be hedged on the
// spare), even on a loaded machine under the race detector. Either way the
// request gets exactly one correct reply.
func TestStragglerHedged(t *testing.T) {
	var big []byte
	for n := 20000; ; n *= 2 {
		big = bytes.Repeat(doc(1), n)
		a := kernel.NewArena(kernel.SizeFor(big))
		start := time.Now()
		if err := kernel.Lex(a, big, nil); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) >= 20*time.Millisecond || n >= 640000 {
			break
		}
	}
	for _, tc := range []struct {
		name       string
		cores      []int
		nsPerKiB   int64
		starved    bool
		wantHedges int64
	}{
		{"slower than predicted", []int{0, 0}, 1, false, 1},
		{"as slow as predicted", []int{0, 0}, 1 << 30, false, 0},
		{"only the spare idle", []int{0}, 1, false, 0},
		{"only the spare idle, starved", []int{0}, 1, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := newFakeObs()
			cfg := testConfig(t, tc.cores...)
			cfg.HedgeMs, cfg.HedgeMaxPct, cfg.HedgeSpares = 5, 100, 1
			p := mustNew(t, cfg, obs)
			defer p.Close(context.Background())
			actors.SetLexRate(p, tc.nsPerKiB)
			// The thread's CPU clock: stopped (starved), or following
			// the wall clock (it got its CPU).
			start := time.Now()
			actors.SetThreadCPU(p, func(int32, bool) (int64, bool) {
				if tc.starved {
					return 0, true
				}
				return int64(time.Since(start)), true
			})
			rc := newRecorder(1)
			p.Submit(rc.request(1, 1, actors.ModeSummary, big))
			select {
			case <-rc.notify:
			case <-time.After(30 * time.Second):
				t.Fatal("no reply in 30 s")
			}
			rep, calls := rc.reply(1)
			if r := summary(t, 1, rep); calls != 1 || r.Status != 0 || r.NTokens != wantTokens(t, big) {
				t.Fatalf("%d replies, last %+v; want one with %d tokens", calls, r, wantTokens(t, big))
			}
			if got := obs.hedgeFired.Load(); got != tc.wantHedges {
				t.Errorf("%d hedges fired, want %d", got, tc.wantHedges)
			}
			if rep.Hedged && rep.Actor == len(tc.cores) && !tc.starved {
				t.Errorf("the hedge of a straggler that got its CPU ran on the spare")
			}
		})
	}
}

// TestThreadCPU: the CPU clock of a thread moves while it spins and stands
// still while it sleeps, read by the thread itself or by another.
func TestThreadCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread CPU times are read on Linux only")
	}
	measure := func(work func()) (self, other int64) {
		tids := make(chan int32)
		res := make(chan int64)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tid := actors.Gettid()
			c0, ok := actors.ThreadCPU(tid, true)
			if !ok {
				t.Error("cannot read the thread's own CPU time")
			}
			tids <- tid
			work()
			c1, _ := actors.ThreadCPU(tid, true)
			res <- c1 - c0
			<-res // stay alive until the other reader is done
		}()
		tid := <-tids
		o0, ok := actors.ThreadCPU(tid, false)
		if !ok {
			t.Fatalf("cannot read thread %d's CPU time from /proc", tid)
		}
		self = <-res
		o1, _ := actors.ThreadCPU(tid, false)
		res <- 0
		return self, o1 - o0
	}
	spin := func() {
		for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		}
	}
	if self, other := measure(spin); self < 10e6 || other < 10e6 {
		t.Errorf("spinning 50 ms: CPU time %v (own clock), %v (/proc); want at least 10ms", time.Duration(self), time.Duration(other))
	}
	if self, other := measure(func() { time.Sleep(50 * time.Millisecond) }); self > 10e6 || other > 10e6 {
		t.Errorf("sleeping 50 ms: CPU time %v (own clock), %v (/proc); want almost none", time.Duration(self), time.Duration(other))
	}
	if _, ok := actors.ThreadCPU(0, false); ok {
		t.Error("thread 0 has a CPU time")
	}
}
