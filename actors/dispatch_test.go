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
		rc := newRecorder(32)
		// One request at a time until actor 0 takes one and stalls on it
		// (the other actor may take the first ones: dispatch picks among
		// idle actors in turn).
		stalled, next := uint64(0), uint64(1)
		for ; stalled == 0 && next <= 8; next++ {
			p.Submit(rc.request(1, next, actors.ModeSummary, doc(int(next))))
			time.Sleep(20 * time.Millisecond)
			synctest.Wait()
			if _, calls := rc.reply(next); calls == 0 {
				stalled = next
			}
		}
		if stalled == 0 {
			t.Fatal("actor 0 took none of 8 requests")
		}
		last := next + 9
		for id := next; id <= last; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		synctest.Wait()
		for id := next; id <= last; id++ {
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
		rc.exactlyOnce(t, int(last))
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
