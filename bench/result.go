package bench

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"l0lex/proto"
)

// Errors counts what went wrong, by kind. Busy is kept apart from the other
// kinds: the keep-alive and open benches count it as an error, chaos as an
// acceptable answer.
type Errors struct {
	Mismatch   int64 // status 0 but a different token count
	Status     int64 // nonzero reply status other than BUSY
	Busy       int64 // BUSY answers (status or error frame)
	ErrorFrame int64 // error frames other than BUSY
	Protocol   int64 // malformed or unexpected frames, unknown req_ids
	Duplicate  int64 // a second reply for the same request
	Timeout    int64 // no reply within the per-request timeout
	Lost       int64 // no reply: connection closed or the run ended
	IO         int64 // connect or write failures
}

// Total returns the number of errors of every kind, Busy included.
func (e *Errors) Total() int64 {
	return e.Mismatch + e.Status + e.Busy + e.ErrorFrame + e.Protocol +
		e.Duplicate + e.Timeout + e.Lost + e.IO
}

// Add adds o's counts to e.
func (e *Errors) Add(o *Errors) {
	e.Mismatch += o.Mismatch
	e.Status += o.Status
	e.Busy += o.Busy
	e.ErrorFrame += o.ErrorFrame
	e.Protocol += o.Protocol
	e.Duplicate += o.Duplicate
	e.Timeout += o.Timeout
	e.Lost += o.Lost
	e.IO += o.IO
}

// count adds one error for outcome o (OutcomeOK adds nothing).
func (e *Errors) count(o Outcome) {
	switch o {
	case OutcomeMismatch:
		e.Mismatch++
	case OutcomeStatus:
		e.Status++
	case OutcomeBusy:
		e.Busy++
	case OutcomeErrorFrame:
		e.ErrorFrame++
	case OutcomeProtocol:
		e.Protocol++
	}
}

// String lists the nonzero counts, e.g. "mismatch=2 lost=1", or "none".
func (e *Errors) String() string {
	var b strings.Builder
	add := func(name string, n int64) {
		if n != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%d", name, n)
		}
	}
	add("mismatch", e.Mismatch)
	add("status", e.Status)
	add("busy", e.Busy)
	add("error_frame", e.ErrorFrame)
	add("protocol", e.Protocol)
	add("duplicate", e.Duplicate)
	add("timeout", e.Timeout)
	add("lost", e.Lost)
	add("io", e.IO)
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// numCodes bounds the error codes counted one by one; larger codes share the
// last slot.
const numCodes = 16

// Codes counts reply statuses and error-frame codes by value.
type Codes [numCodes]int64

func (c *Codes) add(code uint32) {
	if code >= numCodes {
		code = numCodes - 1
	}
	c[code]++
}

// Add adds o's counts to c.
func (c *Codes) Add(o *Codes) {
	for i := range c {
		c[i] += o[i]
	}
}

// String lists the nonzero codes by name, e.g. "BUSY=3 INTERNAL=1", or "none".
func (c *Codes) String() string {
	var parts []string
	for i, n := range c {
		if n != 0 && i != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", codeName(uint32(i)), n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// codeName returns the name of a protocol error code in capitals, e.g.
// "BUSY" or "SHUTTING_DOWN".
func codeName(c uint32) string {
	if c >= numCodes-1 {
		return fmt.Sprintf("CODE>=%d", numCodes-1)
	}
	return strings.ToUpper(strings.ReplaceAll(proto.ErrCode(c).String(), " ", "_"))
}

// Histogram bounds: nanosecond values, 1 µs resolution, up to one hour, three
// significant digits.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histDigits  = 3
)

// NewHistogram returns an empty latency histogram in nanoseconds with the
// bounds every generator uses.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// record adds one latency in ns to h, clamping it into the trackable range.
func record(h *hdrhistogram.Histogram, ns int64) {
	if ns < histLowest {
		ns = histLowest
	} else if ns > histHighest {
		ns = histHighest
	}
	_ = h.RecordValue(ns) // cannot fail: clamped into range
}

// Result is the outcome of one load run.
type Result struct {
	Mode     string // keepalive, oneshot, open, soak, chaos
	Conns    int
	Count    int64 // measured requests (warm-up excluded)
	OK       int64 // measured requests with a correct reply
	Errors   Errors
	Codes    Codes                   // statuses and error codes seen
	Hist     *hdrhistogram.Histogram // latency in ns of the correct measured replies
	Elapsed  time.Duration           // measured phase, first send to last reply
	DocBytes int                     // size of the document sent by each request
	// BadTokens is the token count of a mismatched reply (the last one
	// seen), for the report; Tokens the count expected.
	BadTokens, Tokens uint32

	// SendLag, for the open loop only, is how late each request left
	// against its schedule (in ns; warm-up included): a large lag means the
	// generator, not only the server, fell behind.
	SendLag *hdrhistogram.Histogram

	// Latencies holds one latency in ns per measured request in request
	// order, -1 where there was no correct reply. Nil unless asked for.
	Latencies []int64

	// Host, when set, is how the whole machine's CPU time was spent during
	// the run (the caller reads /proc/stat around it).
	Host *HostCPU
}

// Failed reports whether any error (Busy included) happened.
func (r *Result) Failed() bool { return r.Errors.Total() != 0 }

// Summary is a latency and throughput digest of a Result.
type Summary struct {
	Count, OK, Errors int64
	// Latencies in milliseconds.
	P50, P90, P99, P999, P9999, Max float64
	ReqPerSec, MBPerSec             float64
}

// SummaryQuantiles are the percentiles a Summary reports, in its field order.
var SummaryQuantiles = []float64{50, 90, 99, 99.9, 99.99}

// Summarize computes the digest of r.
func (r *Result) Summarize() Summary {
	s := Summary{Count: r.Count, OK: r.OK, Errors: r.Errors.Total()}
	if r.Hist != nil && r.Hist.TotalCount() > 0 {
		v := r.Hist.ValueAtPercentiles(SummaryQuantiles)
		s.P50, s.P90, s.P99 = nsToMs(v[50]), nsToMs(v[90]), nsToMs(v[99])
		s.P999, s.P9999 = nsToMs(v[99.9]), nsToMs(v[99.99])
		s.Max = nsToMs(r.Hist.Max())
	}
	if sec := r.Elapsed.Seconds(); sec > 0 {
		s.ReqPerSec = float64(r.OK) / sec
		s.MBPerSec = float64(r.OK) * float64(r.DocBytes) / sec / 1e6
	}
	return s
}

func nsToMs(ns int64) float64 { return float64(ns) / 1e6 }

// WriteReport prints r as the benches do: counts, errors by kind, the
// latency percentiles in ms and the throughput.
func (r *Result) WriteReport(w io.Writer) error {
	s := r.Summarize()
	tag := "[" + r.Mode + "]"
	_, err := fmt.Fprintf(w, "%s conns=%d count=%d ok=%d errors=%d\n", tag, r.Conns, s.Count, s.OK, s.Errors)
	if err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	if s.Errors != 0 {
		fmt.Fprintf(w, "%s errors: %s; codes: %s\n", tag, r.Errors.String(), r.Codes.String())
	}
	if r.Errors.Mismatch != 0 {
		fmt.Fprintf(w, "%s mismatch: the server counted %d tokens, %d expected (lexed locally)\n",
			tag, r.BadTokens, r.Tokens)
	}
	if s.OK == 0 {
		fmt.Fprintf(w, "%s latency ms: no correct reply to measure\n", tag)
	} else {
		fmt.Fprintf(w, "%s latency ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f p99.99=%.3f max=%.3f\n",
			tag, s.P50, s.P90, s.P99, s.P999, s.P9999, s.Max)
	}
	if r.SendLag != nil && r.SendLag.TotalCount() > 0 {
		fmt.Fprintf(w, "%s send lag ms (behind schedule): p50=%.3f p99=%.3f max=%.3f\n", tag,
			nsToMs(r.SendLag.ValueAtQuantile(50)), nsToMs(r.SendLag.ValueAtQuantile(99)), nsToMs(r.SendLag.Max()))
	}
	_, err = fmt.Fprintf(w, "%s throughput: %.1f req/s, %.2f MB/s (%d bytes/request, %.2f s)\n",
		tag, s.ReqPerSec, s.MBPerSec, r.DocBytes, r.Elapsed.Seconds())
	if err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	if h := r.Host; h != nil {
		fmt.Fprintf(w, "%s host CPU over the run: user %.1f %%, system %.1f %%, idle %.1f %%, steal %.1f %% (whole machine, /proc/stat)\n",
			tag, 100*h.User, 100*h.System, 100*h.Idle, 100*h.Steal)
	}
	return nil
}
