package telemetry

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestTailKeepsSlowest(t *testing.T) {
	cases := []struct {
		name string
		keep int
		n    int
	}{
		{"fewer than keep", 10, 7},
		{"exactly keep", 10, 10},
		{"many more", 10, 5000},
		{"keep one", 1, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := newTail(filepath.Join(t.TempDir(), "tail.csv"), c.keep)
			rng := rand.New(rand.NewPCG(3, uint64(c.n)))
			lat := rng.Perm(c.n) // distinct latencies in random order
			for i, l := range lat {
				rec := Record{ReqID: uint64(i), TInStart: 1}
				tl.offer(&rec, int64(l+1))
			}
			rows := tl.rows()
			want := min(c.keep, c.n)
			if len(rows) != want {
				t.Fatalf("kept %d rows, want %d", len(rows), want)
			}
			for i, r := range rows { // fastest first: the last row is the slowest
				if wantNs := int64(c.n - want + i + 1); r.ns != wantNs {
					t.Errorf("row %d: %d ns, want %d", i, r.ns, wantNs)
				}
			}
		})
	}
}

func TestTailRow(t *testing.T) {
	e := tailEntry{ns: 12_345_678, rec: Record{
		ReqID: 42, Actor: 1, Bytes: 2048, Origin: 2, Hedged: true,
		TInStart: 1000, TInDone: 2000, TProcStart: 3000, THedgeFire: 10_003_000,
		TFirstReply: 12_000_000, TReplyReady: 12_346_678,
	}}
	got := string(appendTailRow(nil, &e))
	want := "12.345678,1000,2000,3000,10003000,12000000,12346678,1,2,42,1,2048\n"
	if got != want {
		t.Errorf("row = %q, want %q", got, want)
	}
	if n := strings.Count(TailHeader, ",") + 1; n != strings.Count(want, ",")+1 {
		t.Errorf("header has %d columns, rows %d", n, strings.Count(want, ",")+1)
	}
}

// TestTailWriteAtomic rewrites the file while readers read it: every read
// must see a complete file (header and keep rows), and no temporary file
// may be left behind.
func TestTailWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tail.csv")
	const keep = 50
	tl := newTail(path, keep)
	for i := range keep {
		rec := Record{ReqID: uint64(i), TInStart: 1, TReplyReady: int64(i + 1)}
		tl.offer(&rec, int64(i+1))
	}
	if err := tl.write(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 4)
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				data, err := os.ReadFile(path)
				if err != nil {
					errs <- err.Error()
					return
				}
				lines := 0
				sc := bufio.NewScanner(bytes.NewReader(data))
				for sc.Scan() {
					lines++
				}
				if lines != keep+1 || !bytes.HasPrefix(data, []byte(TailHeader+"\n")) || !bytes.HasSuffix(data, []byte("\n")) {
					errs <- "torn read: " + string(data)
					return
				}
			}
		})
	}
	for i := range 60 {
		rec := Record{ReqID: uint64(1000 + i), TInStart: 1}
		tl.offer(&rec, int64(100+i))
		if err := tl.write(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"tail.csv"}) {
		t.Errorf("directory holds %v, want only tail.csv", names)
	}
}

func TestTailWriteError(t *testing.T) {
	tl := newTail(filepath.Join(t.TempDir(), "missing", "tail.csv"), 3)
	err := tl.write()
	if err == nil || !strings.Contains(err.Error(), "cannot write") {
		t.Fatalf("write into a missing directory: %v, want an error", err)
	}
}
