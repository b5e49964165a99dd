package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"l0lex/actors"
	"l0lex/kernel"
	"l0lex/proto"
)

// TestFixtures: for every document of testdata/, the summary and the full
// reply agree with lexing it locally (tokens, spans, issues), including
// documents larger than the actor's base arena.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.tex")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			local := kernel.NewArena(kernel.SizeFor(d))
			if err := kernel.Lex(local, d, new(atomic.Bool)); err != nil {
				t.Fatal(err)
			}
			wantIssues := len(local.Issues())
			if local.DroppedIssues() != 0 {
				t.Fatalf("fixture has more issues than an arena holds")
			}
			if filepath.Base(f) == "issues.tex" && wantIssues < 3 {
				t.Fatalf("issues.tex yields %d issues, want several", wantIssues)
			}
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig(t, 0)
				cfg.ArenaBaseBytes = 4096
				p := mustNew(t, cfg, newFakeObs())
				rc := newRecorder(2)
				p.Submit(rc.request(1, 1, actors.ModeSummary, d))
				p.Submit(rc.request(1, 2, actors.ModeFull, d))
				synctest.Wait()
				rc.exactlyOnce(t, 2)

				rep, _ := rc.reply(1)
				r := summary(t, 1, rep)
				if r.Status != 0 || int(r.NTokens) != local.N || int(r.NIssues) != wantIssues {
					t.Errorf("summary %+v, want %d tokens and %d issues", r, local.N, wantIssues)
				}

				rep, _ = rc.reply(2)
				if h := proto.ParseHeader(rep.Frame); h.Type != proto.TypeReplyFull || h.ReqID != 2 {
					t.Fatalf("full reply header %+v", h)
				}
				res, err := proto.ParseFullReply(rep.Frame[proto.HeaderLen:])
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Tokens) != local.N || len(res.Issues) != wantIssues || int(res.DocLen) != len(d) {
					t.Fatalf("full result: %d tokens, %d issues, doc %d bytes; want %d, %d, %d",
						len(res.Tokens), len(res.Issues), res.DocLen, local.N, wantIssues, len(d))
				}
				for i, tok := range res.Tokens {
					want := local.Token(i)
					if tok.Kind != want.Kind || tok.Off != want.Off || tok.Len != want.Len || tok.Code != want.Code {
						t.Fatalf("token %d: %+v, want %+v", i, tok, want)
					}
				}
				if err := p.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
