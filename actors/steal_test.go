package actors_test

import (
	"context"
	"testing"
	"testing/synctest"

	"l0lex/actors"
)

// TestWorkStealing: requests queued behind an attempt that stalls on actor
// 0 are taken by actor 1 when it runs out of work: every one of them is
// answered while the stall lasts, by actor 1.
func TestWorkStealing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0, 0), obs) // hedging off
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: 0}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		rc := newRecorder(n)
		for id := uint64(1); id <= n; id++ { // no Wait: both mailboxes fill
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		synctest.Wait()
		var stalled []uint64
		for id := uint64(1); id <= n; id++ {
			rep, calls := rc.reply(id)
			switch {
			case calls == 0:
				stalled = append(stalled, id)
			case rep.Status != 0 || rep.Actor != 1:
				t.Errorf("request %d: status %d from actor %d, want 0 from actor 1", id, rep.Status, rep.Actor)
			}
		}
		if len(stalled) != 1 {
			t.Fatalf("requests %v unanswered while actor 0 stalls on one: want exactly one", stalled)
		}
		in := p.Info()
		if in.Stats.Steals == 0 {
			t.Errorf("no steal counted: %+v", in.Stats)
		}
		if in.QueueDepths[0] != 0 || in.QueueDepths[1] != 0 || in.Loads[0] != 1 || in.Loads[1] != 0 {
			t.Errorf("queues %v loads %v, want empty queues and the stalled attempt only", in.QueueDepths, in.Loads)
		}
		p.Cancel(1, stalled[0])
		synctest.Wait()
		rc.exactlyOnce(t, n)
		if in := p.Info(); in.Loads[0] != 0 || in.Inflight != 0 || in.InflightBytes != 0 {
			t.Errorf("after the cancel: loads %v, %d in flight (%d bytes)", in.Loads, in.Inflight, in.InflightBytes)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
