//go:build linux

package actors_test

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"l0lex/actors"
	"l0lex/kernel/corpus"
)

// TestActorsOfOneCoreTakeTurns: two actors pinned to the same core lex one
// at a time (their lexing intervals do not overlap), rather than sharing
// the core by time slices, and both serve requests.
func TestActorsOfOneCoreTakeTurns(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	core := 0
	for !set.IsSet(core) {
		core++
	}
	cfg := testConfig(t, core, core)
	cfg.NoPin = false
	p := mustNew(t, cfg, newFakeObs())
	defer p.Close(t.Context())

	big := corpus.Generate(512<<10, 3)
	want := wantTokens(t, big)
	const n = 24 // within the two mailboxes
	rc := newRecorder(n)
	for i := 1; i <= n; i++ {
		p.Submit(rc.request(1, uint64(i), actors.ModeSummary, big))
	}
	rc.wait(t, n, 60*time.Second)
	rc.exactlyOnce(t, n)

	type span struct {
		actor      int
		start, end int64
	}
	var spans []span
	var busy int64
	used := map[int]bool{}
	for i := 1; i <= n; i++ {
		rep, _ := rc.reply(uint64(i))
		if rep.Status != 0 || rep.NTokens != want {
			t.Fatalf("request %d: status %d, %d tokens, want 0 and %d", i, rep.Status, rep.NTokens, want)
		}
		spans = append(spans, span{rep.Actor, rep.TProcStart, rep.TLexEnd})
		busy += rep.TLexEnd - rep.TProcStart
		used[rep.Actor] = true
	}
	if len(used) != 2 {
		t.Fatalf("requests served by actors %v, want both", used)
	}
	var overlap int64
	for i, a := range spans {
		for _, b := range spans[i+1:] {
			if a.actor != b.actor {
				overlap += max(0, min(a.end, b.end)-max(a.start, b.start))
			}
		}
	}
	// Sharing by time slices, the two actors' lexing intervals would
	// overlap almost wholly; taking turns, not at all (each is stamped
	// inside the turn).
	if overlap != 0 {
		t.Fatalf("the actors of core %d lexed at the same time for %v of %v", core, time.Duration(overlap), time.Duration(busy))
	}
	t.Logf("%d documents on core %d: %v lexing, %v of it overlapping", n, core, time.Duration(busy), time.Duration(overlap))
}
