package bench

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	"l0lex/proto"
)

func TestSummaryPercentiles(t *testing.T) {
	// 1 ms .. 10000 ms, one each: percentile p is p% of 10000 ms.
	h := NewHistogram()
	for ms := int64(1); ms <= 10000; ms++ {
		record(h, ms*int64(time.Millisecond))
	}
	r := &Result{Count: 10000, OK: 10000, Hist: h, Elapsed: 2 * time.Second, DocBytes: 1000}
	s := r.Summarize()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50, 5000}, {"p90", s.P90, 9000}, {"p99", s.P99, 9900},
		{"p99.9", s.P999, 9990}, {"p99.99", s.P9999, 9999}, {"max", s.Max, 10000},
	} {
		// HdrHistogram with 3 significant digits: within 0.1 %.
		if math.Abs(c.got-c.want) > c.want*0.001 {
			t.Errorf("%s = %.3f ms, want %.0f ms ± 0.1 %%", c.name, c.got, c.want)
		}
	}
	if s.ReqPerSec != 5000 || s.MBPerSec != 5 {
		t.Errorf("throughput %.1f req/s %.2f MB/s, want 5000 and 5", s.ReqPerSec, s.MBPerSec)
	}
}

func TestRecordClamps(t *testing.T) {
	h := NewHistogram()
	record(h, -5)
	record(h, int64(2*time.Hour))
	if h.TotalCount() != 2 {
		t.Fatalf("recorded %d of 2 out-of-range values", h.TotalCount())
	}
}

func TestWriteReport(t *testing.T) {
	h := NewHistogram()
	record(h, int64(1500*time.Microsecond))
	r := &Result{Mode: "keepalive", Conns: 4, Count: 3, OK: 1, Hist: h, Elapsed: time.Second, DocBytes: 2e6}
	r.Errors.Lost, r.Errors.Busy, r.Errors.Mismatch = 1, 1, 1
	r.Tokens, r.BadTokens = 42, 17
	r.Codes.add(uint32(proto.ErrBusy))
	var b bytes.Buffer
	r.Count = 4
	if err := r.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"[keepalive] conns=4 count=4 ok=1 errors=3",
		"errors: mismatch=1 busy=1 lost=1; codes: BUSY=1",
		"the server counted 17 tokens, 42 expected",
		"p50=1.500 ", "max=1.500",
		"1.0 req/s, 2.00 MB/s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteReportNothingMeasured(t *testing.T) {
	r := &Result{Mode: "open", Count: 2, Hist: NewHistogram()}
	r.Errors.Lost = 2
	var b bytes.Buffer
	if err := r.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no correct reply to measure") {
		t.Errorf("report:\n%s", b.String())
	}
}

func TestWriteLatencies(t *testing.T) {
	var b bytes.Buffer
	if err := WriteLatencies(&b, []int64{1234567, -1, 20e6, 0}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "1.2346\n20.0000\n0.0000\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCheck(t *testing.T) {
	reply := func(status, tokens uint32) []byte {
		return proto.AppendReply(nil, 7, proto.Reply{Status: status, NTokens: tokens, Origin: 1})
	}
	errFrame := func(code proto.ErrCode) []byte { return proto.AppendError(nil, 7, code, "x") }
	tests := []struct {
		name  string
		frame []byte
		want  Outcome
		code  uint32
	}{
		{"correct", reply(0, 42), OutcomeOK, 0},
		{"wrong count", reply(0, 41), OutcomeMismatch, 0},
		{"busy status", reply(uint32(proto.ErrBusy), 0), OutcomeBusy, 4},
		{"internal status", reply(uint32(proto.ErrInternal), 0), OutcomeStatus, 6},
		{"busy frame", errFrame(proto.ErrBusy), OutcomeBusy, 4},
		{"too large frame", errFrame(proto.ErrTooLarge), OutcomeErrorFrame, 3},
		{"short reply", reply(0, 42)[:proto.HeaderLen+12], OutcomeProtocol, 0},
		{"short error", errFrame(proto.ErrBusy)[:proto.HeaderLen+3], OutcomeProtocol, 0},
		{"pong", proto.AppendHeader(nil, proto.Header{Type: proto.TypePong, ReqID: 7}), OutcomeProtocol, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := proto.ParseHeader(tc.frame)
			payload := tc.frame[proto.HeaderLen:]
			if tc.name != "short reply" && tc.name != "short error" && int(h.Len) != len(payload) {
				t.Fatalf("bad fixture: len %d payload %d", h.Len, len(payload))
			}
			o, code := Check(42, h, payload)
			if o != tc.want || code != tc.code {
				t.Errorf("Check = %d, %d; want %d, %d", o, code, tc.want, tc.code)
			}
		})
	}
}

func TestRequestFrame(t *testing.T) {
	d := &Document{Src: []byte("\\relax")}
	f := d.requestFrame()
	setReqID(f, 0x0102030405060708)
	h := proto.ParseHeader(f)
	if h.Type != proto.TypeLex || h.ReqID != 0x0102030405060708 || int(h.Len) != 4+6 || len(f) != proto.HeaderLen+10 {
		t.Fatalf("header %+v, frame %d bytes", h, len(f))
	}
	if n := binary.BigEndian.Uint32(f[proto.HeaderLen:]); n != 6 || string(f[proto.HeaderLen+4:]) != "\\relax" {
		t.Fatalf("payload %q", f[proto.HeaderLen:])
	}
}

func TestCodesString(t *testing.T) {
	var c Codes
	c.add(uint32(proto.ErrBusy))
	c.add(uint32(proto.ErrShuttingDown))
	c.add(9)
	c.add(1000)
	if got, want := c.String(), "BUSY=1 SHUTTING_DOWN=1 ERROR_9=1 CODE>=15=1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
