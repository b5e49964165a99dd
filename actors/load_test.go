package actors_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

// runLoad submits clients x each requests from concurrent goroutines, each
// client keeping up to window requests in flight, while during runs (if
// non-nil) in the background; it returns once every request was answered.
func runLoad(t *testing.T, p *actors.Pool, rc *recorder, clients, each, window int, during func(stop <-chan struct{})) {
	t.Helper()
	stop := make(chan struct{})
	var bg sync.WaitGroup
	if during != nil {
		bg.Add(1)
		go func() { defer bg.Done(); during(stop) }()
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, window)
			for k := range each {
				sem <- struct{}{}
				id := uint64(c*each + k + 1)
				r := rc.request(uint64(c+1), id, actors.ModeSummary, doc(int(id)))
				inner := r.Done
				r.Done = func(rep *actors.Reply) { inner(rep); <-sem }
				p.Submit(r)
			}
		}()
	}
	wg.Wait()
	rc.wait(t, clients*each, time.Minute)
	close(stop)
	bg.Wait()
}

// loadConfig is the pool of the load tests on cores: pinned threads, small
// arenas (replacements start fast) and 1 ms of delay in every attempt (the
// load lasts).
func loadConfig(t *testing.T, cores ...int) actors.Config {
	cfg := testConfig(t, cores...)
	cfg.NoPin = false
	cfg.MailboxLen = 64
	cfg.ArenaBaseBytes = 64 << 10
	cfg.FaultMs, cfg.FaultRatePPM = 1, 1_000_000
	return cfg
}

// closeAndCheck closes p and checks that each of the n requests got
// exactly one reply and one release, and that every reply is right or has
// status allowed; it returns how many have status allowed.
func closeAndCheck(t *testing.T, p *actors.Pool, rc *recorder, n int, allowed proto.ErrCode) int {
	t.Helper()
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc.exactlyOnce(t, n)
	rc.releasedOnce(t, n)
	count := 0
	for id := uint64(1); id <= uint64(n); id++ {
		rep, _ := rc.reply(id)
		r := summary(t, id, rep)
		switch {
		case r.Status == uint32(allowed):
			count++
		case r.Status != 0:
			t.Fatalf("request %d: status %d", id, r.Status)
		case r.NTokens != wantTokens(t, doc(int(id))):
			t.Fatalf("request %d: %d tokens, want %d", id, r.NTokens, wantTokens(t, doc(int(id))))
		}
	}
	return count
}

// TestRotationUnderLoad: with tiny rotation budgets actors are replaced
// many times while requests flow (pinned threads, hedging on): no request
// is lost or answered twice, and every answer is right.
func TestRotationUnderLoad(t *testing.T) {
	obs := newFakeObs()
	cfg := loadConfig(t, 0, 1, 1)
	cfg.RotateReqs = 7
	cfg.RotateBytes = 4 << 10
	cfg.HedgeMs, cfg.HedgeMaxPct = 3, 20
	p := mustNew(t, cfg, obs)
	const clients, each = 6, 300
	rc := newRecorder(clients * each)
	runLoad(t, p, rc, clients, each, 8, func(stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				_ = p.Fault(actors.Fault{Kind: actors.FaultRotate, Actor: actors.AllActors})
			}
		}
	})
	n := clients * each
	if busy := closeAndCheck(t, p, rc, n, proto.ErrBusy); busy != 0 {
		t.Errorf("%d requests answered BUSY with %d in flight at most", busy, clients*8)
	}
	st := p.Info().Stats
	if obs.rotations("budget") < 10 || st.Rotations < 10 {
		t.Errorf("only %d budget rotations (%d in all) for %d requests with a budget of 7", obs.rotations("budget"), st.Rotations, n)
	}
	t.Logf("%d requests, rotations: %d budget, %d manual; hedges %d (won %d)",
		n, obs.rotations("budget"), obs.rotations("manual"), st.Hedges, st.HedgeWins)
}

// TestPanicsUnderLoad: actors panic repeatedly while requests flow: every
// request is answered exactly once, right or INTERNAL (both its attempts
// panicked), and the pool survives.
func TestPanicsUnderLoad(t *testing.T) {
	obs := newFakeObs()
	cfg := loadConfig(t, 0, 1, 0)
	cfg.HedgeMs, cfg.HedgeMaxPct = 3, 10
	p := mustNew(t, cfg, obs)
	const clients, each = 6, 300
	rc := newRecorder(clients * each)
	injected := 0
	runLoad(t, p, rc, clients, each, 8, func(stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Millisecond):
				if p.Fault(actors.Fault{Kind: actors.FaultPanic, Actor: injected % 3}) == nil {
					injected++
				}
			}
		}
	})
	n := clients * each
	internal := closeAndCheck(t, p, rc, n, proto.ErrInternal)
	st := p.Info().Stats
	if st.Crashes == 0 || obs.faultCount("panic") == 0 {
		t.Fatalf("no panic fired (%d injected): %+v", injected, st)
	}
	if uint64(internal) != st.Internal || internal > int(st.Crashes)/2 {
		t.Errorf("%d INTERNAL replies for %d crashes (stats %+v)", internal, st.Crashes, st)
	}
	if obs.rotations("crash") == 0 {
		t.Error("no actor was replaced after a crash")
	}
	t.Logf("%d requests, %d panics injected, %d crashes, %d retries, %d INTERNAL, %d crash rotations",
		n, injected, st.Crashes, st.Retries, internal, obs.rotations("crash"))
}
