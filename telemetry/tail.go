package telemetry

import (
	"container/heap"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// TailHeader is the header line of the tail CSV: the older system's nine
// columns, then req_id, actor and bytes. Timestamps are monotonic ns (Now);
// ms_total = (t_reply_ready - t_in_start) / 1e6; hedged is 0 or 1; origin is
// the wire origin (1 primary, 2 hedge).
const TailHeader = "ms_total,t_in_start,t_in_done,t_proc_start,t_hedge_fire,t_first_reply,t_reply_ready,hedged,origin,req_id,actor,bytes"

// tailEntry is one kept request and its latency in ns.
type tailEntry struct {
	ns  int64
	rec Record
}

// tailHeap is a min-heap by latency: the root is the fastest kept request,
// the one a slower newcomer replaces.
type tailHeap []tailEntry

func (h tailHeap) Len() int           { return len(h) }
func (h tailHeap) Less(i, j int) bool { return h[i].ns < h[j].ns }
func (h tailHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *tailHeap) Push(x any)        { *h = append(*h, x.(tailEntry)) }
func (h *tailHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// tail keeps the keep slowest requests. offer is safe for concurrent use and
// takes no lock for a request faster than every kept one once the set is
// full (the common case); write is safe for concurrent use with offer.
type tail struct {
	path  string
	keep  int
	floor atomic.Int64 // latency of the fastest kept request when full, else -1
	mu    sync.Mutex   // guards h
	h     tailHeap
	wmu   sync.Mutex // serialises writes of the file
}

func newTail(path string, keep int) *tail {
	t := &tail{path: path, keep: keep, h: make(tailHeap, 0, keep)}
	t.floor.Store(-1)
	return t
}

// offer considers rec, whose latency is ns, for the slowest set.
func (t *tail) offer(rec *Record, ns int64) {
	if ns <= t.floor.Load() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case len(t.h) < t.keep:
		heap.Push(&t.h, tailEntry{ns: ns, rec: *rec})
	case ns > t.h[0].ns:
		t.h[0] = tailEntry{ns: ns, rec: *rec}
		heap.Fix(&t.h, 0)
	default:
		return
	}
	if len(t.h) == t.keep {
		t.floor.Store(t.h[0].ns)
	}
}

// rows returns the kept requests, fastest first (so that `tail -n 10` of
// the file shows the ten slowest).
func (t *tail) rows() []tailEntry {
	t.mu.Lock()
	rows := slices.Clone(t.h)
	t.mu.Unlock()
	slices.SortFunc(rows, func(a, b tailEntry) int {
		if a.ns != b.ns {
			if a.ns < b.ns {
				return -1
			}
			return 1
		}
		switch {
		case a.rec.ReqID < b.rec.ReqID:
			return -1
		case a.rec.ReqID > b.rec.ReqID:
			return 1
		}
		return 0
	})
	return rows
}

// appendTailRow appends the CSV line of e to dst.
func appendTailRow(dst []byte, e *tailEntry) []byte {
	r := &e.rec
	dst = strconv.AppendFloat(dst, float64(e.ns)/1e6, 'f', 6, 64)
	for _, v := range []int64{r.TInStart, r.TInDone, r.TProcStart, r.THedgeFire, r.TFirstReply, r.TReplyReady} {
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, v, 10)
	}
	hedged := byte('0')
	if r.Hedged {
		hedged = '1'
	}
	dst = append(dst, ',', hedged, ',')
	dst = strconv.AppendUint(dst, uint64(r.Origin), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, r.ReqID, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Actor), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Bytes), 10)
	return append(dst, '\n')
}

// write replaces the CSV file with the current rows, atomically: the rows
// go to a temporary file in the same directory, which is synced and renamed
// over the path, so a reader sees the old file or the new one, never a part.
func (t *tail) write() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	return writeFileAtomic(t.path, renderTail(t.rows()))
}

// writeFileAtomic writes data to path through a synced temporary file in
// path's directory and a rename.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// renderTail renders rows as the complete CSV, header included.
func renderTail(rows []tailEntry) []byte {
	buf := make([]byte, 0, len(TailHeader)+1+len(rows)*128)
	buf = append(buf, TailHeader...)
	buf = append(buf, '\n')
	for i := range rows {
		buf = appendTailRow(buf, &rows[i])
	}
	return buf
}
