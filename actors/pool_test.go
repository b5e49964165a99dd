package actors_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"l0lex/actors"
	"l0lex/proto"
)

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

// TestArenaOutgrown: a document within the base arena's length that the
// base arena cannot hold is lexed again in a grown arena (and the actor
// rotated), with the right answer: lines far shorter than ordinary text
// (the actor tries without counting lines first), or control sequences
// named in ^^ notation, whose names outgrow the room ordinary text needs.
func TestArenaOutgrown(t *testing.T) {
	for _, c := range []struct {
		name string
		mode actors.Mode
		doc  []byte
	}{
		{"short lines", actors.ModeSummary, bytes.Repeat([]byte("a\n"), 30000)},                         // 60 KB, 30000 lines
		{"caret names", actors.ModeFull, bytes.Repeat([]byte("\\"+strings.Repeat("^^!", 60)+" "), 355)}, // 64,610 bytes
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				obs := newFakeObs()
				cfg := testConfig(t, 0)
				cfg.ArenaBaseBytes = 64 << 10
				p := mustNew(t, cfg, obs)
				rc := newRecorder(2)
				p.Submit(rc.request(1, 1, c.mode, c.doc))
				synctest.Wait()
				rep, calls := rc.reply(1)
				if calls != 1 || rep.Status != 0 || rep.NTokens != wantTokens(t, c.doc) {
					t.Fatalf("%d calls, reply %+v, want %d tokens", calls, rep, wantTokens(t, c.doc))
				}
				if c.mode == actors.ModeSummary && summary(t, 1, rep).NTokens != rep.NTokens {
					t.Fatalf("summary frame: %+v, want %d tokens", summary(t, 1, rep), rep.NTokens)
				}
				if got := obs.rotations("arena"); got != 1 {
					t.Errorf("%d arena rotations, want 1", got)
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
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
