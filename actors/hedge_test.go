package actors_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

// TestTimerRace is the hedge timer race, in a synctest bubble so that time
// is exact: a first attempt delayed past the 10 ms deadline gets a hedge,
// which wins; one that replies before the deadline gets none.
func TestTimerRace(t *testing.T) {
	for _, tc := range []struct {
		name       string
		delayMs    int
		wantOrigin uint8
		wantHedges int64
	}{
		{"deadline before reply", 15, proto.OriginHedge, 1},
		{"reply before deadline", 5, proto.OriginPrimary, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := newFakeObs()
				cfg := testConfig(t, 0, 0)
				cfg.HedgeMs, cfg.HedgeMaxPct = 10, 100
				p := mustNew(t, cfg, obs)
				if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors,
					Ms: tc.delayMs, PrimaryOnly: true}); err != nil {
					t.Fatal(err)
				}
				rc := newRecorder(1)
				d := doc(1)
				p.Submit(rc.request(1, 1, actors.ModeSummary, d))
				time.Sleep(100 * time.Millisecond)
				synctest.Wait()

				rep, calls := rc.reply(1)
				if calls != 1 {
					t.Fatalf("Done called %d times", calls)
				}
				r := summary(t, 1, rep)
				if r.Status != 0 || r.NTokens != wantTokens(t, d) {
					t.Fatalf("reply %+v, want status 0 and %d tokens", r, wantTokens(t, d))
				}
				if r.Origin != tc.wantOrigin {
					t.Errorf("origin %d, want %d", r.Origin, tc.wantOrigin)
				}
				if got := obs.hedgeFired.Load(); got != tc.wantHedges {
					t.Errorf("%d hedges fired, want %d", got, tc.wantHedges)
				}
				if got := obs.hedgeWon.Load(); got != tc.wantHedges {
					t.Errorf("%d hedges won, want %d", got, tc.wantHedges)
				}
				if rep.Hedged != (tc.wantHedges > 0) {
					t.Errorf("Reply.Hedged = %v", rep.Hedged)
				}
				// The pool's clock started at the bubble's fake time when no
				// time had passed before Submit: its stamps are exact.
				elapsed := time.Duration(rep.TFirstReply)
				if tc.wantHedges > 0 {
					if rep.THedgeFire < int64(10*time.Millisecond) || rep.THedgeFire > int64(11*time.Millisecond) {
						t.Errorf("hedge fired at %v, want within one tick after 10ms", time.Duration(rep.THedgeFire))
					}
					if elapsed >= 15*time.Millisecond {
						t.Errorf("hedged reply at %v, not before the 15ms delay ended", elapsed)
					}
					if st := p.Info().Stats; st.LosersCancelled != 1 {
						t.Errorf("%d losers cancelled, want 1", st.LosersCancelled)
					}
				} else if elapsed != 5*time.Millisecond {
					t.Errorf("reply at %v, want 5ms", elapsed)
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestHedgeFromArrival: the deadline counts from the request's arrival,
// not from when an actor took it. Request 3 waits 6 ms in a mailbox behind
// two delayed requests, then its first attempt is held for 15 ms: the hedge
// goes out at 10 ms (not at 16 ms) and answers it.
func TestHedgeFromArrival(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0, 0)
		cfg.HedgeMs, cfg.HedgeMaxPct = 10, 100
		p := mustNew(t, cfg, obs)
		for _, ms := range []int{6, 15} {
			if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors,
				Ms: ms, PrimaryOnly: true}); err != nil {
				t.Fatal(err)
			}
		}
		rc := newRecorder(3)
		submitSettle(p, rc, 1, 3, doc(1))
		for id := uint64(1); id <= 2; id++ {
			if rep, calls := rc.reply(id); calls != 1 || rep.Hedged || time.Duration(rep.TFirstReply) != 6*time.Millisecond {
				t.Errorf("request %d: %d replies, hedged %v, at %v; want one unhedged reply at 6ms",
					id, calls, rep.Hedged, time.Duration(rep.TFirstReply))
			}
		}
		rep, calls := rc.reply(3)
		if calls != 1 {
			t.Fatalf("request 3: Done called %d times", calls)
		}
		if r := summary(t, 3, rep); r.Status != 0 || r.Origin != proto.OriginHedge {
			t.Errorf("request 3: reply %+v, want status 0 from the hedge", r)
		}
		if rep.THedgeFire < int64(10*time.Millisecond) || rep.THedgeFire > int64(11*time.Millisecond) {
			t.Errorf("hedge fired at %v, want within one tick after 10ms", time.Duration(rep.THedgeFire))
		}
		if got := obs.hedgeFired.Load(); got != 1 {
			t.Errorf("%d hedges fired, want 1", got)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHedgeProof delays every first attempt (for ten seconds, real time,
// pinned actors): every reply must still arrive, from the hedge, and every
// loser must be cancelled.
func TestHedgeProof(t *testing.T) {
	obs := newFakeObs()
	cfg := testConfig(t, 0, 1, 0, 1)
	cfg.NoPin = false
	cfg.HedgeMs, cfg.HedgeMaxPct = 2, 100
	p := mustNew(t, cfg, obs)
	if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors,
		Ms: 10_000, Count: -1, PrimaryOnly: true}); err != nil {
		t.Fatal(err)
	}
	const clients, each = 2, 25
	rc := newRecorder(clients * each)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				id := uint64(c*each + k + 1)
				if !submitWait(p, rc, uint64(c), id, doc(int(id)), 5*time.Second) {
					t.Errorf("request %d: no reply within 5s (the primary is delayed 10s)", id)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := clients * each
	rc.exactlyOnce(t, n)
	rc.releasedOnce(t, n) // each once its delayed loser gave up
	for id := uint64(1); id <= uint64(n); id++ {
		rep, _ := rc.reply(id)
		r := summary(t, id, rep)
		if r.Status != 0 || r.Origin != proto.OriginHedge || !rep.Hedged || rep.THedgeFire == 0 {
			t.Fatalf("request %d: %+v hedged=%v, want status 0 from the hedge", id, r, rep.Hedged)
		}
	}
	st := p.Info().Stats
	if st.Hedges != uint64(n) || st.HedgeWins != uint64(n) || obs.hedgeWon.Load() != int64(n) {
		t.Errorf("stats %+v, want %d hedges and wins", st, n)
	}
	if st.LosersCancelled != uint64(n) {
		t.Errorf("%d losers cancelled, want %d", st.LosersCancelled, n)
	}
}

// TestHedgeBudget: with a 2 % budget, 100 stalled-then-rescued requests get
// at most 2 hedges.
func TestHedgeBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0, 0)
		cfg.MailboxLen = 128
		cfg.HedgeMs, cfg.HedgeMaxPct = 1, 2
		p := mustNew(t, cfg, obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors,
			Ms: 5, Count: -1, PrimaryOnly: true}); err != nil {
			t.Fatal(err)
		}
		const n = 100
		rc := newRecorder(n)
		for id := uint64(1); id <= n; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		rc.exactlyOnce(t, n)
		if h := obs.hedgeFired.Load(); h != 2 {
			t.Errorf("%d hedges fired for %d requests at a 2%% budget, want 2", h, n)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHedgeDisabled: HedgeMs 0 sends no hedge however late the reply.
func TestHedgeDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0, 0), obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors, Ms: 500}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(1)
		p.Submit(rc.request(1, 1, actors.ModeSummary, doc(1)))
		time.Sleep(time.Second)
		synctest.Wait()
		rep, calls := rc.reply(1)
		if calls != 1 || rep.Origin != proto.OriginPrimary || obs.hedgeFired.Load() != 0 {
			t.Fatalf("calls %d, reply %+v, hedges %d", calls, rep, obs.hedgeFired.Load())
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHedgeAuto: the auto deadline follows the p95 of recent service times,
// floored at 1 ms.
func TestHedgeAuto(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0, 0)
		cfg.HedgeAuto, cfg.HedgeMaxPct = true, 100
		p := mustNew(t, cfg, obs)
		if got := p.Info().HedgeNs; got != int64(10*time.Millisecond) {
			t.Fatalf("initial auto deadline %v, want 10ms", time.Duration(got))
		}
		// Every request is delayed 3 ms: service time 3 ms. 60 requests
		// 20 ms apart keep the wheel ticking past the 1 s recompute.
		if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors, Ms: 3, Count: -1}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(60)
		for id := uint64(1); id <= 60; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
			time.Sleep(20 * time.Millisecond)
		}
		synctest.Wait()
		got := time.Duration(p.Info().HedgeNs)
		if got < time.Millisecond || got > 4*time.Millisecond {
			t.Errorf("auto deadline %v, want the p95 (3ms) within histogram resolution, at least 1ms", got)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
