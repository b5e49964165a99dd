package telemetry_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"l0lex/telemetry"
)

// The event loop stamps each request with Now, hands the pool the
// Telemetry as its observer, and reports every reply sent.
func Example() {
	tel, err := telemetry.New(telemetry.Config{
		Actors:   2,
		TailKeep: -1, // no tail CSV in this example
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	go tel.Serve() // returns at once here: Prom is off
	tel.SetReady(true)

	tIn := telemetry.Now()
	tel.RequestStarted()
	// ... read the frame, pool.Submit, the actor lexes, reply written ...
	tel.RequestDone(telemetry.Record{
		ReqID: 1, Actor: 0, Bytes: 5, BytesOut: 29, Origin: 1,
		TInStart: tIn, TInDone: tIn + 1, TProcStart: tIn + 2, TFirstReply: tIn + 3,
		TReplyReady: tIn + 1_500_000,
	})
	s := tel.Snapshot()
	fmt.Println(s.Requests, s.Latency.P50)
	tel.Close(context.Background())
	// Output: 1 1.5ms
}
