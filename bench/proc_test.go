package bench

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCPUTimes(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       CPUTimes
		err        string
	}{
		{"linux", "cpu  100 5 40 800 10 2 3 40 0 0\ncpu0 50 2 20 400 5 1 1 20 0 0\nintr 1\n",
			CPUTimes{User: 100, Nice: 5, System: 40, Idle: 800, IOWait: 10, IRQ: 2, SoftIRQ: 3, Steal: 40}, ""},
		{"no steal column", "cpu 1 2 3 4 5 6 7\n", CPUTimes{User: 1, Nice: 2, System: 3, Idle: 4, IOWait: 5, IRQ: 6, SoftIRQ: 7}, ""},
		{"no cpu line", "cpu0 1 2 3 4\nintr 5\n", CPUTimes{}, "no cpu line"},
		{"garbage", "cpu 1 2 x 4 5\n", CPUTimes{}, "column 3"},
	} {
		got, err := parseCPUTimes([]byte(tc.stat))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}

	a := CPUTimes{User: 100, Nice: 5, System: 40, Idle: 800, IOWait: 10, IRQ: 2, SoftIRQ: 3, Steal: 40}
	b := CPUTimes{User: 160, Nice: 5, System: 60, Idle: 810, IOWait: 10, IRQ: 2, SoftIRQ: 3, Steal: 50}
	h, ok := b.Since(a)
	// 100 ticks: 60 user, 20 system, 10 idle, 10 steal.
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	if !ok || !near(h.User, .6) || !near(h.System, .2) || !near(h.Idle, .1) || !near(h.Steal, .1) {
		t.Errorf("Since: %+v, %v; want 0.6 user, 0.2 system, 0.1 idle, 0.1 steal", h, ok)
	}
	if _, ok := a.Since(a); ok {
		t.Error("Since of the same reading: want false (no time passed)")
	}
	if _, err := os.Stat("/proc/stat"); err == nil {
		if c, err := ReadCPUTimes("/proc"); err != nil || c.User+c.Idle == 0 {
			t.Errorf("this machine's /proc/stat: %+v, %v", c, err)
		}
	}
}

func TestWriteReportHostCPU(t *testing.T) {
	h := NewHistogram()
	record(h, int64(time.Millisecond))
	r := &Result{Mode: "keepalive", Count: 1, OK: 1, Hist: h, Elapsed: time.Second, DocBytes: 10,
		Host: &HostCPU{User: .5, System: .25, Idle: .2, Steal: .05}}
	var buf bytes.Buffer
	if err := r.WriteReport(&buf); err != nil {
		t.Fatal(err)
	}
	want := "[keepalive] host CPU over the run: user 50.0 %, system 25.0 %, idle 20.0 %, steal 5.0 % (whole machine, /proc/stat)\n"
	if !strings.HasSuffix(buf.String(), want) {
		t.Errorf("report:\n%s\nwant it to end with:\n%s", buf.String(), want)
	}
}
