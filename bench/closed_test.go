package bench

import (
	"context"
	"testing"
	"time"
)

// every returns a behaviour applying act to each k-th request (k-1, 2k-1...).
func every(k int64, act action) func(int64) action {
	return func(n int64) action {
		if n%k == k-1 {
			return act
		}
		return actOK
	}
}

func TestClosedChecksReplies(t *testing.T) {
	const n = 40
	tests := []struct {
		name    string
		behave  func(int64) action
		oneShot bool
		want    Errors // exact counts; Duplicate is checked as "at least"
		codes   string
	}{
		{name: "all correct", behave: nil},
		{name: "all correct oneshot", behave: nil, oneShot: true},
		{name: "wrong token count", behave: every(8, actCorrupt), want: Errors{Mismatch: 5}},
		{name: "busy error frame", behave: every(10, actBusyFrame), want: Errors{Busy: 4}, codes: "BUSY=4"},
		{name: "busy status", behave: every(20, actBusyStatus), want: Errors{Busy: 2}, codes: "BUSY=2"},
		{name: "internal status", behave: every(20, actInternal), want: Errors{Status: 2}, codes: "INTERNAL=2"},
		{name: "dropped reply", behave: every(20, actDrop), want: Errors{Timeout: 2}},
		{name: "dropped reply oneshot", behave: every(20, actDrop), oneShot: true, want: Errors{Timeout: 2}},
		{name: "reply for another id", behave: every(10, actWrongID), want: Errors{Protocol: 4}},
		{name: "duplicated reply", behave: every(10, actDup), want: Errors{Duplicate: 1}},
	}
	doc := testDoc(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &fakeServer{tokens: doc.Tokens, behave: tc.behave}
			res, err := RunClosed(context.Background(), ClosedConfig{
				Dial: srv.listenUnix(t), Doc: doc, Conns: 2, N: n, OneShot: tc.oneShot,
				Timeout: 300 * time.Millisecond, KeepLatencies: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Errors
			if tc.want.Duplicate > 0 {
				if got.Duplicate < tc.want.Duplicate {
					t.Errorf("duplicates: got %d, want at least %d", got.Duplicate, tc.want.Duplicate)
				}
				got.Duplicate = tc.want.Duplicate
			}
			if got != tc.want {
				t.Errorf("errors: got %+v, want %+v", got, tc.want)
			}
			if tc.want.Mismatch != 0 && (res.BadTokens != doc.Tokens+1 || res.Tokens != doc.Tokens) {
				t.Errorf("mismatch report: server %d, expected %d", res.BadTokens, res.Tokens)
			}
			if tc.codes != "" && res.Codes.String() != tc.codes {
				t.Errorf("codes: got %s, want %s", res.Codes.String(), tc.codes)
			}
			if res.Count != n {
				t.Errorf("count: got %d, want %d", res.Count, n)
			}
			wantOK := n - (tc.want.Total() - tc.want.Duplicate - tc.want.Protocol)
			if res.OK != wantOK || res.Hist.TotalCount() != wantOK {
				t.Errorf("ok: got %d (histogram %d), want %d", res.OK, res.Hist.TotalCount(), wantOK)
			}
			if res.Failed() != (tc.want.Total() != 0) {
				t.Errorf("Failed() = %v with errors %s", res.Failed(), res.Errors.String())
			}
			good := 0
			for _, ns := range res.Latencies {
				if ns > 0 {
					good++
				}
			}
			if len(res.Latencies) != n || int64(good) != wantOK {
				t.Errorf("latencies: %d entries, %d correct; want %d, %d", len(res.Latencies), good, n, wantOK)
			}
		})
	}
}

func TestClosedWarmupNotMeasured(t *testing.T) {
	doc := testDoc(t)
	srv := &fakeServer{tokens: doc.Tokens, behave: func(n int64) action {
		if n == 0 {
			return actCorrupt // a warm-up request: still an error
		}
		return actOK
	}}
	res, err := RunClosed(context.Background(), ClosedConfig{
		Dial: srv.listenUnix(t), Doc: doc, Conns: 1, N: 10, Warmup: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.n.Load(); got != 15 {
		t.Errorf("server saw %d requests, want 15", got)
	}
	if res.Count != 10 || res.OK != 10 || res.Hist.TotalCount() != 10 {
		t.Errorf("count %d ok %d histogram %d, want 10 each", res.Count, res.OK, res.Hist.TotalCount())
	}
	if res.Errors.Mismatch != 1 {
		t.Errorf("warm-up mismatch not counted: %s", res.Errors.String())
	}
}

func TestClosedCannotConnect(t *testing.T) {
	_, err := RunClosed(context.Background(), ClosedConfig{
		Dial: NetDialer("unix", t.TempDir()+"/none.sock"), Doc: testDoc(t), Conns: 1, N: 1,
	})
	if err == nil {
		t.Fatal("RunClosed succeeded without a server")
	}
}
