package bench

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// A server that needs 5 ms per request, loaded at 1000 req/s on one
// connection, falls 4 ms further behind with every request. Latency counted
// from the intended send time shows that queue; counted from the actual send
// it would stay near 5 ms (coordinated omission).
func TestOpenLatencyFromIntendedTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		doc := testDoc(t)
		srv := &fakeServer{tokens: doc.Tokens, delay: 5 * time.Millisecond}
		res, err := RunOpen(context.Background(), OpenConfig{
			Dial: srv.pipeDialer(), Doc: doc, Conns: 1, Rate: 1000,
			Duration: 10 * time.Millisecond, KeepLatencies: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed() || res.Count != 10 || res.OK != 10 {
			t.Fatalf("count %d ok %d errors %s", res.Count, res.OK, res.Errors.String())
		}
		for i, ns := range res.Latencies {
			want := time.Duration(4*i+5) * time.Millisecond
			if time.Duration(ns) != want {
				t.Errorf("request %d: latency %v, want %v", i, time.Duration(ns), want)
			}
		}
		if got, want := res.Hist.Max(), int64(41*time.Millisecond); !res.Hist.ValuesAreEquivalent(got, want) {
			t.Errorf("max %v, want %v", time.Duration(got), time.Duration(want))
		}
		// The writer was held back by the server: the write of request i
		// started when the server took request i-1, at 5(i-1) ms, i.e.
		// 4i-5 ms late; 31 ms for the last one.
		if got, want := res.SendLag.Max(), int64(31*time.Millisecond); !res.SendLag.ValuesAreEquivalent(got, want) {
			t.Errorf("send lag max %v, want %v", time.Duration(got), time.Duration(want))
		}
		// Elapsed runs from the first intended send to the last reply.
		if want := 50 * time.Millisecond; res.Elapsed != want {
			t.Errorf("elapsed %v, want %v", res.Elapsed, want)
		}
	})
}

// With a server that keeps up, requests leave exactly on schedule, spread
// round-robin over the connections, warm-up included.
func TestOpenFollowsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		doc := testDoc(t)
		srv := &fakeServer{tokens: doc.Tokens}
		res, err := RunOpen(context.Background(), OpenConfig{
			Dial: srv.pipeDialer(), Doc: doc, Conns: 3, Rate: 400,
			Duration: 100 * time.Millisecond, Warmup: 8, KeepLatencies: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed() || res.Count != 40 || res.OK != 40 || len(res.Latencies) != 40 {
			t.Fatalf("count %d ok %d latencies %d errors %s", res.Count, res.OK, len(res.Latencies), res.Errors.String())
		}
		if len(srv.arrivals) != 48 {
			t.Fatalf("server saw %d requests, want 48", len(srv.arrivals))
		}
		for i, at := range srv.arrivals {
			if got, want := at.Sub(srv.arrivals[0]), time.Duration(i)*2500*time.Microsecond; got != want {
				t.Errorf("request %d arrived at +%v, want +%v", i, got, want)
			}
		}
		for i, ns := range res.Latencies {
			if ns != 0 {
				t.Errorf("request %d: latency %v on an instant server", i, time.Duration(ns))
			}
		}
	})
}

func TestOpenChecksReplies(t *testing.T) {
	tests := []struct {
		name   string
		behave func(int64) action
		want   Errors
	}{
		{name: "all correct"},
		{name: "dropped", behave: every(10, actDrop), want: Errors{Lost: 4}},
		// The last request is not duplicated: the reader stops once every
		// request has its reply.
		{name: "duplicated", behave: func(n int64) action {
			if n%10 == 4 {
				return actDup
			}
			return actOK
		}, want: Errors{Duplicate: 4}},
		{name: "corrupt", behave: every(10, actCorrupt), want: Errors{Mismatch: 4}},
		{name: "busy", behave: every(20, actBusyFrame), want: Errors{Busy: 2}},
		{name: "unknown id", behave: every(20, actWrongID), want: Errors{Protocol: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				doc := testDoc(t)
				// A delay makes each duplicate arrive before the next
				// request's reply, so that none is left unread at the end.
				srv := &fakeServer{tokens: doc.Tokens, behave: tc.behave, delay: time.Millisecond}
				res, err := RunOpen(context.Background(), OpenConfig{
					Dial: srv.pipeDialer(), Doc: doc, Conns: 2, Rate: 100,
					Duration: 400 * time.Millisecond, Drain: time.Second,
				})
				if err != nil {
					t.Fatal(err)
				}
				if res.Errors != tc.want {
					t.Errorf("errors: got %+v, want %+v", res.Errors, tc.want)
				}
				wantOK := 40 - tc.want.Lost - tc.want.Mismatch - tc.want.Busy
				if res.OK != wantOK || res.Hist.TotalCount() != wantOK {
					t.Errorf("ok %d (histogram %d), want %d", res.OK, res.Hist.TotalCount(), wantOK)
				}
			})
		})
	}
}

// Cancelling the run stops the schedule; the requests never sent are
// errors, not silently dropped from the count.
func TestOpenCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		doc := testDoc(t)
		srv := &fakeServer{tokens: doc.Tokens}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		res, err := RunOpen(ctx, OpenConfig{
			Dial: srv.pipeDialer(), Doc: doc, Conns: 2, Rate: 1000, Duration: time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 1000 || res.OK+res.Errors.Total() != 1000 || res.Errors.IO < 900 {
			t.Errorf("count %d ok %d errors %s", res.Count, res.OK, res.Errors.String())
		}
	})
}
