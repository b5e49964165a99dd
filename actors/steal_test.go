package actors_test

import (
	"context"
	"testing"
	"testing/synctest"

	"l0lex/actors"
	"l0lex/proto"
)

// TestWorkStealing: both actors stall on their first request while six more
// queue in their two mailboxes; when one stall ends, that actor answers
// every queued request, its own and (stolen) the other's, while the other
// actor is still stalled.
func TestWorkStealing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := newFakeObs()
		p := mustNew(t, testConfig(t, 0, 0), obs) // hedging off
		if err := p.Fault(actors.Fault{Kind: actors.FaultStall, Actor: actors.AllActors}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		rc := newRecorder(n)
		for id := uint64(1); id <= 2; id++ { // one stalls on each actor
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
			synctest.Wait()
		}
		for id := uint64(3); id <= n; id++ {
			p.Submit(rc.request(1, id, actors.ModeSummary, doc(int(id))))
		}
		synctest.Wait()
		if in := p.Info(); in.QueueDepths[0] == 0 || in.QueueDepths[1] == 0 {
			t.Fatalf("queues %v: want requests queued on both stalled actors", in.QueueDepths)
		}
		p.Cancel(1, 1)
		synctest.Wait()
		free := -1
		for id := uint64(3); id <= n; id++ {
			rep, calls := rc.reply(id)
			if calls != 1 || rep.Status != 0 || (free >= 0 && rep.Actor != free) {
				t.Fatalf("request %d: %d calls, reply %+v: want one answer from the actor no longer stalled", id, calls, rep)
			}
			free = rep.Actor
		}
		if _, calls := rc.reply(2); calls != 0 {
			t.Fatal("the stalled request 2 was answered")
		}
		in := p.Info()
		if in.Stats.Steals == 0 || obs.stolen.Load() != int64(in.Stats.Steals) {
			t.Errorf("steals: %+v, %d reported to the Observer", in.Stats, obs.stolen.Load())
		}
		if in.QueueDepths[0] != 0 || in.QueueDepths[1] != 0 || in.Loads[free] != 0 || in.Loads[1-free] != 1 {
			t.Errorf("queues %v loads %v, want empty queues and the stalled attempt only", in.QueueDepths, in.Loads)
		}
		p.Cancel(1, 2)
		synctest.Wait()
		rc.exactlyOnce(t, n)
		if rep, _ := rc.reply(1); rep.Status != uint32(proto.ErrCancelled) {
			t.Errorf("request 1: status %d, want CANCELLED", rep.Status)
		}
		if in := p.Info(); in.Loads[0] != 0 || in.Loads[1] != 0 || in.Inflight != 0 || in.InflightBytes != 0 {
			t.Errorf("after the cancels: loads %v, %d in flight (%d bytes)", in.Loads, in.Inflight, in.InflightBytes)
		}
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
