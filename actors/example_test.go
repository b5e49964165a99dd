package actors_test

import (
	"context"
	"fmt"

	"l0lex/actors"
	"l0lex/proto"
)

// quietObs is an Observer that ignores every event.
type quietObs struct{}

func (quietObs) Lexed(int, string, int64, int) {}
func (quietObs) QueueDepth(int, int)           {}
func (quietObs) HedgeFired()                   {}
func (quietObs) HedgeWon()                     {}
func (quietObs) Stolen(int, int)               {}
func (quietObs) Rotated(int, string)           {}
func (quietObs) FaultInjected(string)          {}
func (quietObs) Rejected(uint32)               {}

// The event loop's use of a pool: start it, submit decoded requests (Done
// hands over the encoded reply frame), close it to drain.
func Example() {
	cfg := actors.DefaultConfig()
	cfg.Cores = []int{0, 0}
	p, err := actors.New(cfg, quietObs{})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan *actors.Reply, 1)
	p.Submit(&actors.Request{
		ConnID: 1, ID: 7, Mode: actors.ModeSummary,
		Doc:  []byte(`\section{Intro} Hello, $x$!`),
		Done: func(rep *actors.Reply) { done <- rep },
	})
	rep := <-done
	h := proto.ParseHeader(rep.Frame)
	fmt.Println("frame type", h.Type, "req_id", h.ReqID, "status", rep.Status, "origin", rep.Origin)
	if err := p.Close(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output: frame type 2 req_id 7 status 0 origin 1
}
