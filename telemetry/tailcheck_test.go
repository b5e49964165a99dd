package telemetry_test

import (
	"context"
	"testing"

	"l0lex/telemetry"
	"l0lex/telemetry/gate"
)

// TestTailCSVPassesGate writes the tail CSV of a run through Telemetry and
// checks it with the gate's reader and consistency rules: what the service
// writes is what the gate accepts, rejected requests stay out of it, and
// a wrongly stamped request is kept so that the gate sees it.
func TestTailCSVPassesGate(t *testing.T) {
	csv := t.TempDir() + "/tail.csv"
	tel, err := telemetry.New(telemetry.Config{Actors: 2, TailKeep: 10, TailCSV: csv, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		tel.RequestDone(record(uint64(i), i%2, 0.5+float64(i%37)/3, i%50 == 0))
	}
	busy := record(1000, -1, 900, false) // slowest of all, but no actor answered
	busy.TProcStart, busy.TFirstReply, busy.Status = 0, 0, 4
	tel.RequestDone(busy)
	if err := tel.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, bad, err := gate.ReadTailCSV(csv)
	if err != nil || len(bad) > 0 {
		t.Fatalf("the gate cannot read the CSV: %v %v", err, bad)
	}
	if len(rows) != 10 {
		t.Fatalf("%d rows, want 10", len(rows))
	}
	if v := gate.CheckTail(rows); len(v) > 0 {
		t.Errorf("the written CSV breaks the gate's rules: %v", v)
	}
	for _, r := range rows {
		if r.ReqID == "1000" {
			t.Errorf("the rejected request is in the tail CSV")
		}
	}

	// A request stamped out of order still reaches the CSV, and fails.
	csv2 := t.TempDir() + "/tail.csv"
	tel, err = telemetry.New(telemetry.Config{TailKeep: 3, TailCSV: csv2, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	wrong := record(7, 0, 5, false)
	wrong.TProcStart = wrong.TInStart - 1
	tel.RequestDone(wrong)
	if err := tel.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, _, err = gate.ReadTailCSV(csv2)
	if err != nil || len(rows) != 1 || len(gate.CheckTail(rows)) == 0 {
		t.Errorf("a wrongly stamped request: rows %v err %v, want one failing row", rows, err)
	}
}
