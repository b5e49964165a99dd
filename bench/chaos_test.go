package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseChaosSteps(t *testing.T) {
	steps, err := ParseChaosSteps(DefaultChaosSteps)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.String())
	}
	if got := strings.Join(names, ","); got != DefaultChaosSteps {
		t.Errorf("round trip: got %s, want %s", got, DefaultChaosSteps)
	}
	for _, bad := range []string{"", "delay", "delay:0", "delay:x", "stall:5", "panic:all:all", "boom", "rotate:one"} {
		if _, err := ParseChaosSteps(bad); err == nil {
			t.Errorf("ParseChaosSteps(%q) succeeded", bad)
		}
	}
}

func TestChaos(t *testing.T) {
	tests := []struct {
		name      string
		behave    func(int64) action
		fail      bool
		want      func(*ChaosResult) string // "" if as expected
		straggle  time.Duration
		cancelled bool
	}{
		{name: "all correct"},
		{name: "busy is acceptable", behave: every(7, actBusyFrame),
			want: func(r *ChaosResult) string {
				if r.Errors.Busy == 0 {
					return "no busy counted"
				}
				return ""
			}},
		{name: "stall ended by a client cancel", behave: every(50, actStall), cancelled: true,
			want: func(r *ChaosResult) string {
				if r.Cancels == 0 || r.Cancelled != r.Cancels {
					return "cancels not matched by CANCELLED replies"
				}
				return ""
			}},
		{name: "duplicate reply", behave: every(9, actDup), fail: true,
			want: func(r *ChaosResult) string {
				if r.Errors.Duplicate == 0 {
					return "no duplicate counted"
				}
				return ""
			}},
		{name: "lost reply", behave: every(9, actDrop), fail: true, straggle: 200 * time.Millisecond,
			want: func(r *ChaosResult) string {
				if r.Errors.Lost == 0 {
					return "no lost reply counted"
				}
				return ""
			}},
		{name: "wrong token count", behave: every(9, actCorrupt), fail: true,
			want: func(r *ChaosResult) string {
				if r.Errors.Mismatch == 0 {
					return "no mismatch counted"
				}
				return ""
			}},
		{name: "internal error", behave: every(9, actInternal), fail: true,
			want: func(r *ChaosResult) string {
				if r.Errors.Status == 0 || !strings.Contains(r.Codes.String(), "INTERNAL") {
					return "no INTERNAL counted"
				}
				return ""
			}},
	}
	doc := testDoc(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &fakeServer{tokens: doc.Tokens, behave: tc.behave}
			cancelAfter := time.Minute // no cancels unless the test wants them
			if tc.cancelled {
				cancelAfter = 50 * time.Millisecond
			}
			res, err := RunChaos(context.Background(), ChaosConfig{
				Dial: srv.listenUnix(t), Doc: doc, Conns: 2, Window: 3,
				Duration: 300 * time.Millisecond, Interval: 20 * time.Millisecond,
				CancelAfter: cancelAfter, Straggle: tc.straggle, Linger: 50 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed() != tc.fail {
				t.Errorf("Failed() = %v; errors %s", res.Failed(), res.Errors.String())
			}
			if tc.want != nil {
				if msg := tc.want(res); msg != "" {
					t.Errorf("%s; errors %s", msg, res.Errors.String())
				}
			}
			if res.Count == 0 || res.Actors != 3 {
				t.Errorf("count %d actors %d", res.Count, res.Actors)
			}
			sent := 0
			for _, n := range res.Faults {
				sent += n
			}
			if sent < 2 || int64(sent) != srv.faults.Load() {
				t.Errorf("faults sent %d (%v), server acknowledged %d", sent, res.Faults, srv.faults.Load())
			}
			// Every request is accounted for exactly once.
			e := res.Errors
			if got := res.OK + res.Cancelled + e.Busy + e.Mismatch + e.Status + e.ErrorFrame + e.Lost; got != res.Count {
				t.Errorf("ok+cancelled+errors = %d, count %d (%s)", got, res.Count, e.String())
			}
		})
	}
}

func TestChaosFaultControlOff(t *testing.T) {
	doc := testDoc(t)
	srv := &fakeServer{tokens: doc.Tokens, forbidFaults: true}
	_, err := RunChaos(context.Background(), ChaosConfig{
		Dial: srv.listenUnix(t), Doc: doc, Conns: 1, Duration: time.Second,
	})
	if !errors.Is(err, ErrFaultControlOff) {
		t.Fatalf("got %v, want ErrFaultControlOff", err)
	}
	if srv.n.Load() != 0 {
		t.Errorf("%d requests sent before the fault control was checked", srv.n.Load())
	}
}
