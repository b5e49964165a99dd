package gate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// TailRow is one row of the service's tail CSV (telemetry.TailHeader).
type TailRow struct {
	File string
	Line int // 1-based line in File

	MsTotal     float64
	MsTol       float64 // rounding of ms_total as printed: half its last decimal
	TInStart    int64
	TInDone     int64
	TProcStart  int64
	THedgeFire  int64
	TFirstReply int64
	TReplyReady int64
	Hedged      bool
	Origin      string // as written: 1 or 2 (older files: P or H)
	ReqID       string // "" when the file has no req_id column
}

// errNoHeader reports a tail CSV without its header line.
var errNoHeader = errors.New("no header line")

// tailRequired are the older system's columns, which every tail CSV has;
// req_id, actor and bytes are read when present.
var tailRequired = []string{"ms_total", "t_in_start", "t_in_done", "t_proc_start", "t_hedge_fire", "t_first_reply", "t_reply_ready", "hedged", "origin"}

// ParseTailCSV reads a tail CSV from r; name labels the errors. The first
// non-blank line is the header (columns in any order, spaces around names
// ignored); it must name the older system's nine columns. It returns the
// rows, the malformed lines, and an error for a read failure or a missing
// or incomplete header.
func ParseTailCSV(r io.Reader, name string) ([]TailRow, []LineError, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineLen)
	var (
		rows []TailRow
		bad  []LineError
		col  map[string]int
		line int
	)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if col == nil {
			col = make(map[string]int, len(fields))
			for i, f := range fields {
				col[f] = i
			}
			for _, c := range tailRequired {
				if _, ok := col[c]; !ok {
					return nil, nil, fmt.Errorf("cannot read %s: header (line %d) has no column %q: %w", name, line, c, errNoHeader)
				}
			}
			continue
		}
		if len(fields) != len(col) {
			bad = append(bad, LineError{name, line, fmt.Sprintf("%d fields, the header has %d", len(fields), len(col))})
			continue
		}
		row, err := parseTailRow(fields, col)
		if err != nil {
			bad = append(bad, LineError{name, line, err.Error()})
			continue
		}
		row.File, row.Line = name, line
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return rows, bad, fmt.Errorf("cannot read %s after line %d: %w", name, line, err)
	}
	if col == nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", name, errNoHeader)
	}
	return rows, bad, nil
}

// ReadTailCSV is ParseTailCSV on the file at path.
func ReadTailCSV(path string) ([]TailRow, []LineError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the tail CSV: %w", err)
	}
	defer f.Close()
	return ParseTailCSV(f, path)
}

func parseTailRow(fields []string, col map[string]int) (TailRow, error) {
	var r TailRow
	ms := fields[col["ms_total"]]
	v, err := strconv.ParseFloat(ms, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return r, fmt.Errorf("ms_total: not a number: %q", clip(ms))
	}
	r.MsTotal, r.MsTol = v, printedTolerance(ms, v)
	for _, s := range []struct {
		name string
		dst  *int64
	}{
		{"t_in_start", &r.TInStart}, {"t_in_done", &r.TInDone}, {"t_proc_start", &r.TProcStart},
		{"t_hedge_fire", &r.THedgeFire}, {"t_first_reply", &r.TFirstReply}, {"t_reply_ready", &r.TReplyReady},
	} {
		f := fields[col[s.name]]
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return r, fmt.Errorf("%s: not an integer ns stamp: %q", s.name, clip(f))
		}
		*s.dst = n
	}
	switch h := strings.ToLower(fields[col["hedged"]]); h {
	case "1", "true":
		r.Hedged = true
	case "0", "false":
	default:
		return r, fmt.Errorf("hedged: want 0 or 1, got %q", clip(h))
	}
	r.Origin = fields[col["origin"]]
	if i, ok := col["req_id"]; ok {
		r.ReqID = fields[i]
	}
	return r, nil
}

// printedTolerance is how far a value printed as s may be from the exact
// one: half a unit of its last decimal (plus a hair for the float
// arithmetic), or a relative 1e-6 for exponent notation.
func printedTolerance(s string, v float64) float64 {
	if strings.ContainsAny(s, "eE") {
		return math.Abs(v)*1e-6 + 1e-9
	}
	decimals := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		decimals = len(s) - i - 1
	}
	return 0.5*math.Pow(10, -float64(decimals)) + 1e-9
}

// hedgeOrigin reports whether origin names the hedge.
func hedgeOrigin(origin string) bool {
	switch strings.ToLower(origin) {
	case "2", "h", "hedge":
		return true
	}
	return false
}

// CheckTail checks every row's timestamps: t_in_start ≤ t_in_done ≤
// t_proc_start ≤ t_first_reply ≤ t_reply_ready with t_in_done > t_in_start
// and t_in_start > 0, ms_total equal to (t_reply_ready - t_in_start) / 1e6
// up to its printed rounding, t_hedge_fire set on hedged rows, and a
// hedge origin only on hedged rows. It returns one LineError per broken
// rule and row.
func CheckTail(rows []TailRow) []LineError {
	var v []LineError
	for i := range rows {
		r := &rows[i]
		fail := func(format string, args ...any) {
			msg := fmt.Sprintf(format, args...)
			if r.ReqID != "" {
				msg = "req_id " + r.ReqID + ": " + msg
			}
			v = append(v, LineError{r.File, r.Line, msg})
		}
		if r.TInStart <= 0 {
			fail("t_in_start %d is not a stamp", r.TInStart)
		}
		if r.TInDone <= r.TInStart {
			fail("t_in_done %d not after t_in_start %d", r.TInDone, r.TInStart)
		}
		chain := []struct {
			name string
			t    int64
		}{{"t_in_done", r.TInDone}, {"t_proc_start", r.TProcStart}, {"t_first_reply", r.TFirstReply}, {"t_reply_ready", r.TReplyReady}}
		for j := 1; j < len(chain); j++ {
			if chain[j].t < chain[j-1].t {
				fail("%s %d before %s %d", chain[j].name, chain[j].t, chain[j-1].name, chain[j-1].t)
			}
		}
		want := float64(r.TReplyReady-r.TInStart) / 1e6
		if math.Abs(r.MsTotal-want) > r.MsTol {
			fail("ms_total %g but the stamps give %.6f", r.MsTotal, want)
		}
		if r.Hedged && r.THedgeFire <= 0 {
			fail("hedged row without t_hedge_fire")
		}
		if !r.Hedged && hedgeOrigin(r.Origin) {
			fail("origin %s (hedge) on a row not marked hedged", r.Origin)
		}
	}
	return v
}
