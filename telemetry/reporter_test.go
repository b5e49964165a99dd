package telemetry_test

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"l0lex/telemetry"
)

// record returns a Record of a request that took ms milliseconds on actor.
func record(id uint64, actor int, ms float64, hedged bool) telemetry.Record {
	start := int64(1e9) + int64(id)*1e6
	r := telemetry.Record{
		ReqID: id, Actor: actor, Bytes: 10, Origin: 1, Hedged: hedged,
		TInStart: start, TInDone: start + 500, TProcStart: start + 1000,
		TFirstReply: start + int64(ms*1e6) - 500, TReplyReady: start + int64(ms*1e6),
	}
	if hedged {
		r.THedgeFire = start + 2000
	}
	return r
}

// TestSummaryLine feeds two windows of LogEvery requests and checks the two
// summary lines, then the final line and tail CSV written by Close.
func TestSummaryLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		csv := t.TempDir() + "/tail.csv"
		tel, err := telemetry.New(telemetry.Config{
			Actors: 2, LogEvery: 100, TailKeep: 5, TailCSV: csv,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			tel.RequestDone(record(uint64(i), i%2, 1, false))
		}
		synctest.Wait() // the reporter logged the first window
		tel.HedgeFired()
		tel.HedgeFired()
		tel.HedgeWon()
		tel.Rotated(1, "budget")
		for i := range 100 {
			// 2 ms: below 2048 µs HdrHistogram values are exact.
			tel.RequestDone(record(uint64(100+i), i%2, 2, false))
		}
		synctest.Wait()
		if err := tel.Close(t.Context()); err != nil {
			t.Fatal(err)
		}

		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		want := []string{
			"msg=\"l0 stats\" requests=100 window=100 p50_ms=1 p99_ms=1 p999_ms=1 max_ms=1 hedge_fired=0 hedge_fired_pct=0 hedge_won=0 hedge_won_pct=0 rotations=0",
			"msg=\"l0 stats\" requests=200 window=100 p50_ms=2 p99_ms=2 p999_ms=2 max_ms=2 hedge_fired=2 hedge_fired_pct=1 hedge_won=1 hedge_won_pct=50 rotations=1",
			"msg=\"l0 stats final\" requests=200 window=200 p50_ms=1 p99_ms=2 p999_ms=2 max_ms=2 hedge_fired=2 hedge_fired_pct=1 hedge_won=1 hedge_won_pct=50 rotations=1",
		}
		if len(lines) != len(want) {
			t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), logs.String())
		}
		for i, w := range want {
			if !strings.HasSuffix(lines[i], w) {
				t.Errorf("line %d:\n got %s\nwant …%s", i, lines[i], w)
			}
		}
		data, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		rows := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(rows) != 6 || rows[0] != telemetry.TailHeader {
			t.Fatalf("tail CSV: %d lines, want header and 5 rows:\n%s", len(rows), data)
		}
		for _, r := range rows[1:] {
			if !strings.HasPrefix(r, "2.000000,") {
				t.Errorf("tail row %q: want one of the 2 ms requests", r)
			}
		}
	})
}
