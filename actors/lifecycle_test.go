package actors_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"l0lex/actors"
	"l0lex/proto"
)

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
