package actors_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

// TestCrashRetry: a panic is recovered, the actor replaced (reason crash)
// and the request retried once elsewhere; a second panic answers INTERNAL.
func TestCrashRetry(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       actors.Fault
		wantStatus  uint32
		wantCrashes uint64
	}{
		{"first attempt panics", actors.Fault{Kind: actors.FaultPanic, Actor: actors.AllActors, PrimaryOnly: true}, 0, 1},
		{"retry panics too", actors.Fault{Kind: actors.FaultPanic, Actor: actors.AllActors, Count: -1}, uint32(proto.ErrInternal), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := newFakeObs()
				p := mustNew(t, testConfig(t, 0, 0), obs)
				if err := p.Fault(tc.fault); err != nil {
					t.Fatal(err)
				}
				rc := newRecorder(2)
				d := doc(1)
				p.Submit(rc.request(1, 1, actors.ModeSummary, d))
				synctest.Wait()
				rep, calls := rc.reply(1)
				if calls != 1 {
					t.Fatalf("Done called %d times", calls)
				}
				r := summary(t, 1, rep)
				if r.Status != tc.wantStatus {
					t.Fatalf("status %d, want %d", r.Status, tc.wantStatus)
				}
				if tc.wantStatus == 0 && r.NTokens != wantTokens(t, d) {
					t.Errorf("%d tokens, want %d", r.NTokens, wantTokens(t, d))
				}
				st := p.Info().Stats
				if st.Crashes != tc.wantCrashes || st.Retries != 1 {
					t.Errorf("stats %+v, want %d crashes and 1 retry", st, tc.wantCrashes)
				}
				if got := obs.rotations("crash"); got != int(tc.wantCrashes) {
					t.Errorf("%d crash rotations, want %d", got, tc.wantCrashes)
				}
				// The pool still works.
				if err := p.Fault(actors.Fault{Kind: actors.FaultClear, Actor: actors.AllActors}); err != nil {
					t.Fatal(err)
				}
				p.Submit(rc.request(1, 2, actors.ModeSummary, doc(2)))
				synctest.Wait()
				if rep, calls := rc.reply(2); calls != 1 || rep.Status != 0 {
					t.Fatalf("after the crash: %d calls, reply %+v", calls, rep)
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestEnvFault: L0_FAULT_* at 100 % sleep FaultMs before or after lexing.
func TestEnvFault(t *testing.T) {
	for _, phase := range []string{"pre", "post"} {
		t.Run(phase, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := newFakeObs()
				cfg := testConfig(t, 0)
				cfg.FaultMs, cfg.FaultRatePPM, cfg.FaultPhase = 20, 1_000_000, phase
				p := mustNew(t, cfg, obs)
				rc := newRecorder(1)
				p.Submit(rc.request(1, 1, actors.ModeSummary, doc(1)))
				time.Sleep(100 * time.Millisecond)
				synctest.Wait()
				rep, calls := rc.reply(1)
				if calls != 1 || rep.Status != 0 {
					t.Fatalf("%d calls, reply %+v", calls, rep)
				}
				if got := time.Duration(rep.TFirstReply); got != 20*time.Millisecond {
					t.Errorf("reply at %v, want after the 20ms fault", got)
				}
				wantStart := time.Duration(0)
				if phase == "pre" {
					wantStart = 20 * time.Millisecond
				}
				if got := time.Duration(rep.TProcStart); got != wantStart {
					t.Errorf("lexing started at %v, want %v", got, wantStart)
				}
				if got := obs.faultCount("env"); got != 1 {
					t.Errorf("%d env faults observed, want 1", got)
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestManualRotate: a rotate fault replaces the actor (reason manual) and the
// slot keeps serving.
func TestManualRotate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0, 0), obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultRotate, Actor: actors.AllActors}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := obs.rotations("manual"); got != 2 {
			t.Fatalf("%d manual rotations, want 2", got)
		}
		rc := newRecorder(4)
		for id := uint64(1); id <= 4; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		synctest.Wait()
		rc.exactlyOnce(t, 4)
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
