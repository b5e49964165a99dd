package bench

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// Progress counts finished requests so that a progress line can follow a
// run. Its methods are safe to call from any goroutine.
type Progress struct {
	done   atomic.Int64
	errors atomic.Int64
	total  atomic.Int64
}

// SetTotal sets the number of requests the line counts towards.
func (p *Progress) SetTotal(n int64) {
	if p != nil {
		p.total.Store(n)
	}
}

// add records one finished request (failed or not). A nil Progress ignores it.
func (p *Progress) add(failed bool) {
	if p == nil {
		return
	}
	p.done.Add(1)
	if failed {
		p.errors.Add(1)
	}
}

// Show writes a progress line to w every interval, overwriting it in place,
// until stop is closed; then it clears the line. Run it in its own goroutine;
// it returns when the line is cleared.
func (p *Progress) Show(w io.Writer, label string, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	start := time.Now()
	for {
		select {
		case <-stop:
			fmt.Fprint(w, "\r\033[K")
			return
		case <-t.C:
			done := p.done.Load()
			rate := float64(done) / time.Since(start).Seconds()
			fmt.Fprintf(w, "\r\033[K[%s] %d/%d requests  errors %d  %.0f req/s",
				label, done, p.total.Load(), p.errors.Load(), rate)
		}
	}
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
