package actors_test

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

// TestBusy: with the only actor stalled and its mailbox full, Submit answers
// BUSY at once, on the caller's goroutine: a type-2 frame with status BUSY
// for a summary request (legacy rule), a type-5 error frame for a full one.
func TestBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0)
		cfg.MailboxLen = 2
		p := mustNew(t, cfg, obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(8)
		p.Submit(rc.request(1, 1, actors.ModeSummary, doc(1)))
		synctest.Wait() // the actor took request 1 and stalls on it
		p.Submit(rc.request(1, 2, actors.ModeSummary, doc(2)))
		p.Submit(rc.request(1, 3, actors.ModeSummary, doc(3)))
		if in := p.Info(); in.QueueDepths[0] != 2 || in.Loads[0] != 3 {
			t.Fatalf("queue %v loads %v, want 2 queued and 3 in all", in.QueueDepths, in.Loads)
		}

		p.Submit(rc.request(1, 4, actors.ModeSummary, doc(4)))
		rep, calls := rc.reply(4) // no Wait: the answer must already be there
		if calls != 1 {
			t.Fatalf("BUSY request answered %d times before Submit returned", calls)
		}
		if r := summary(t, 4, rep); r.Status != uint32(proto.ErrBusy) || rep.Actor != -1 {
			t.Fatalf("reply %+v (actor %d), want status BUSY", r, rep.Actor)
		}

		p.Submit(rc.request(1, 5, actors.ModeFull, doc(5)))
		rep, calls = rc.reply(5)
		if calls != 1 || rep.Status != uint32(proto.ErrBusy) {
			t.Fatalf("full request: %d calls, status %d", calls, rep.Status)
		}
		h := proto.ParseHeader(rep.Frame)
		ef, err := proto.ParseError(rep.Frame[proto.HeaderLen:])
		if h.Type != proto.TypeError || h.ReqID != 5 || err != nil || ef.Code != proto.ErrBusy {
			t.Fatalf("full request: header %+v, error frame %+v, %v", h, ef, err)
		}
		if got := obs.rejects(proto.ErrBusy); got != 2 {
			t.Errorf("%d BUSY rejections observed, want 2", got)
		}

		// Unstall: the queued requests are then answered normally.
		p.Cancel(1, 1)
		synctest.Wait()
		rc.exactlyOnce(t, 5)
		for id := uint64(2); id <= 3; id++ {
			if rep, _ := rc.reply(id); rep.Status != 0 {
				t.Errorf("request %d: status %d", id, rep.Status)
			}
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBusyInflightBytes: past MaxInflightBytes Submit answers BUSY.
func TestBusyInflightBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0)
		cfg.MaxInflightBytes = 100
		p := mustNew(t, cfg, obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(4)
		p.Submit(rc.request(1, 1, actors.ModeSummary, bytes.Repeat([]byte("a"), 80)))
		synctest.Wait() // request 1 stalls in the actor
		p.Submit(rc.request(1, 2, actors.ModeSummary, bytes.Repeat([]byte("b"), 30)))
		if rep, calls := rc.reply(2); calls != 1 || rep.Status != uint32(proto.ErrBusy) {
			t.Fatalf("request 2 (110 bytes in flight): %d calls, reply %+v", calls, rep)
		}
		p.Submit(rc.request(1, 3, actors.ModeSummary, bytes.Repeat([]byte("c"), 20)))
		if _, calls := rc.reply(3); calls != 0 {
			t.Fatalf("request 3 (100 bytes in flight) was refused")
		}
		if got := p.Info().InflightBytes; got != 100 {
			t.Errorf("in-flight bytes %d, want 100", got)
		}
		p.Cancel(1, 1)
		synctest.Wait()
		rc.exactlyOnce(t, 3)
		if got := p.Info().InflightBytes; got != 0 {
			t.Errorf("in-flight bytes %d after every reply, want 0", got)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCancel: a client cancel answers CANCELLED exactly once, interrupts the
// running attempt, and is ignored once a reply went out.
func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0), obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(8)
		p.Submit(rc.request(7, 1, actors.ModeSummary, doc(1)))
		synctest.Wait()
		if _, calls := rc.reply(1); calls != 0 {
			t.Fatal("stalled request answered")
		}
		p.Cancel(7, 1)
		p.Cancel(7, 1)
		synctest.Wait()
		rep, calls := rc.reply(1)
		if calls != 1 || summary(t, 1, rep).Status != uint32(proto.ErrCancelled) {
			t.Fatalf("%d calls, reply %+v, want one CANCELLED", calls, rep)
		}
		if st := p.Info().Stats; st.LosersCancelled != 1 || st.Cancelled != 1 {
			t.Errorf("stats %+v: the stalled attempt was not cancelled", st)
		}

		// Answered already: cancel is a no-op.
		p.Submit(rc.request(7, 2, actors.ModeSummary, doc(2)))
		synctest.Wait()
		p.Cancel(7, 2)
		if rep, calls := rc.reply(2); calls != 1 || rep.Status != 0 {
			t.Fatalf("%d calls, reply %+v", calls, rep)
		}

		// CancelConn answers every open request of that connection only.
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		p.Submit(rc.request(8, 3, actors.ModeSummary, doc(3))) // stalls
		p.Submit(rc.request(8, 4, actors.ModeSummary, doc(4))) // queued behind
		p.Submit(rc.request(9, 5, actors.ModeSummary, doc(5))) // other connection
		synctest.Wait()
		p.CancelConn(8)
		synctest.Wait()
		rc.exactlyOnce(t, 5)
		for id, want := range map[uint64]uint32{3: uint32(proto.ErrCancelled), 4: uint32(proto.ErrCancelled), 5: 0} {
			if rep, _ := rc.reply(id); rep.Status != want {
				t.Errorf("request %d: status %d, want %d", id, rep.Status, want)
			}
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCloseDrains: Close waits for the requests in flight, which are
// answered normally; Submit afterwards answers SHUTTING_DOWN at once.
func TestCloseDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0, 0), obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultDelay, Actor: actors.AllActors, Ms: 50, Count: -1}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(8)
		for id := uint64(1); id <= 6; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		start := time.Now()
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 150*time.Millisecond {
			t.Errorf("Close took %v, want the 3 x 50ms the two actors need", took)
		}
		rc.exactlyOnce(t, 6)
		for id := uint64(1); id <= 6; id++ {
			if rep, _ := rc.reply(id); rep.Status != 0 {
				t.Errorf("request %d: status %d", id, rep.Status)
			}
		}
		p.Submit(rc.request(1, 7, actors.ModeFull, doc(7)))
		rep, calls := rc.reply(7)
		if calls != 1 || rep.Status != uint32(proto.ErrShuttingDown) || proto.ParseHeader(rep.Frame).Type != proto.TypeError {
			t.Fatalf("after Close: %d calls, reply %+v", calls, rep)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := p.Fault(actors.Fault{Kind: actors.FaultRotate, Actor: 0}); err == nil {
			t.Error("Fault after Close succeeded")
		}
	})
}

// TestCloseDeadline: a stalled request is answered SHUTTING_DOWN when
// Close's context ends.
func TestCloseDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, testConfig(t, 0), newFakeObs())
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(1)
		p.Submit(rc.request(1, 1, actors.ModeSummary, doc(1)))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := p.Close(ctx); err == nil {
			t.Fatal("Close returned nil with a request stalled past its deadline")
		}
		synctest.Wait()
		rep, calls := rc.reply(1)
		if calls != 1 || rep.Status != uint32(proto.ErrShuttingDown) {
			t.Fatalf("%d calls, reply %+v", calls, rep)
		}
	})
}

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

// TestArenaGrowth: a document larger than the base arena is lexed in a
// larger one and the actor is rotated with reason arena.
func TestArenaGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0)
		cfg.ArenaBaseBytes = 64
		p := mustNew(t, cfg, obs)
		rc := newRecorder(2)
		big := bytes.Repeat(doc(3), 200)
		p.Submit(rc.request(1, 1, actors.ModeSummary, big))
		synctest.Wait()
		rep, calls := rc.reply(1)
		if calls != 1 || summary(t, 1, rep).NTokens != wantTokens(t, big) {
			t.Fatalf("%d calls, reply %+v, want %d tokens", calls, rep, wantTokens(t, big))
		}
		if got := obs.rotations("arena"); got != 1 {
			t.Errorf("%d arena rotations, want 1", got)
		}
		p.Submit(rc.request(1, 2, actors.ModeSummary, doc(2)))
		synctest.Wait()
		if rep, calls := rc.reply(2); calls != 1 || rep.Status != 0 {
			t.Fatalf("after rotation: %d calls, reply %+v", calls, rep)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFullMode: a full request gets a type-4 frame with every token.
func TestFullMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, testConfig(t, 0), newFakeObs())
		rc := newRecorder(1)
		d := doc(9)
		p.Submit(rc.request(1, 42, actors.ModeFull, d))
		synctest.Wait()
		rep, calls := rc.reply(42)
		if calls != 1 || rep.Status != 0 {
			t.Fatalf("%d calls, reply %+v", calls, rep)
		}
		h := proto.ParseHeader(rep.Frame)
		if h.Type != proto.TypeReplyFull || h.ReqID != 42 {
			t.Fatalf("header %+v", h)
		}
		res, err := proto.ParseFullReply(rep.Frame[proto.HeaderLen:])
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Tokens) != int(wantTokens(t, d)) || rep.NTokens != wantTokens(t, d) {
			t.Fatalf("%d tokens in the frame, %d in the reply, want %d", len(res.Tokens), rep.NTokens, wantTokens(t, d))
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
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

// TestStuckActorAvoided: an actor stuck on one attempt past the hedge
// deadline gets no new work while another actor can take it, even when the
// hedge budget allows no hedge.
func TestStuckActorAvoided(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		cfg := testConfig(t, 0, 0)
		cfg.HedgeMs, cfg.HedgeMaxPct = 10, 0.001 // deadline on, budget for no hedge
		p := mustNew(t, cfg, obs)
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		rc := newRecorder(16)
		p.Submit(rc.request(1, 1, actors.ModeSummary, doc(1)))
		p.Submit(rc.request(1, 2, actors.ModeSummary, doc(2)))
		time.Sleep(20 * time.Millisecond)
		synctest.Wait()
		stalled := uint64(1)
		if _, calls := rc.reply(1); calls == 1 {
			stalled = 2
		}
		for id := uint64(3); id <= 12; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		synctest.Wait()
		for id := uint64(3); id <= 12; id++ {
			rep, calls := rc.reply(id)
			if calls != 1 || rep.Status != 0 || rep.Actor != 1 {
				t.Fatalf("request %d: %d calls, reply %+v: want an answer from actor 1", id, calls, rep)
			}
		}
		if obs.hedgeFired.Load() != 0 {
			t.Errorf("%d hedges fired with no budget", obs.hedgeFired.Load())
		}
		p.Cancel(1, stalled)
		synctest.Wait()
		rc.exactlyOnce(t, 12)
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
