package gate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// LineError is one malformed line of an input file.
type LineError struct {
	File string
	Line int // 1-based
	Msg  string
}

func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxLineLen bounds one input line (a latency or a CSV row is far shorter).
const maxLineLen = 1 << 20

// ParseLatencies reads one latency in milliseconds per line from r; name
// labels the LineErrors. Blank lines are skipped; every other line must hold
// one finite, non-negative number. It returns the values in file order and
// the malformed lines; the error is for a read failure only.
func ParseLatencies(r io.Reader, name string) ([]float64, []LineError, error) {
	var vals []float64
	var bad []LineError
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineLen)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil:
			bad = append(bad, LineError{name, line, fmt.Sprintf("not a number: %q", clip(s))})
		case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
			bad = append(bad, LineError{name, line, fmt.Sprintf("not a latency in ms: %q", clip(s))})
		default:
			vals = append(vals, v)
		}
	}
	if err := sc.Err(); err != nil {
		return vals, bad, fmt.Errorf("cannot read %s after line %d: %w", name, line, err)
	}
	return vals, bad, nil
}

// ReadLatencies is ParseLatencies on the file at path.
func ReadLatencies(path string) ([]float64, []LineError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read latencies: %w", err)
	}
	defer f.Close()
	return ParseLatencies(f, path)
}

// clip shortens s for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
