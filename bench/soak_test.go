package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampler returns a Sample func replaying rss (MB) and fds, one pair per
// call, that cancels the soak once the last pair is handed out.
func sampler(cancel context.CancelFunc, rss []int64, fds []int) func() (ProcSample, error) {
	i := 0
	return func() (ProcSample, error) {
		s := ProcSample{RSS: rss[i] << 20, FDs: fds[i]}
		i++
		if i == len(rss) {
			cancel()
		}
		return s, nil
	}
}

func TestSoakGrowth(t *testing.T) {
	tests := []struct {
		name     string
		rss      []int64 // cold, then after each round
		fds      []int
		problems []string
		warn     bool
	}{
		// Cold start to baseline may grow freely; steady after that.
		{name: "steady", rss: []int64{5, 40, 60, 61, 70, 62, 60, 61}, fds: []int{3, 9, 9, 9, 10, 9, 9, 9}},
		// A peak in one sample is no growth.
		{name: "transient peak", rss: []int64{5, 40, 60, 61, 60, 62, 120, 61}, fds: []int{3, 9, 9, 13, 9, 9, 13, 9}},
		{name: "rss leak", rss: []int64{5, 40, 60, 80, 100, 130, 150, 170}, fds: []int{3, 9, 9, 9, 9, 9, 9, 9},
			problems: []string{"RSS grew by 70.0 MB (60.0 -> 130.0 MB)"}},
		{name: "fd leak", rss: []int64{5, 40, 60, 60, 60, 60, 60, 60}, fds: []int{3, 9, 9, 14, 19, 24, 29, 34},
			problems: []string{"open fds grew by 15 (9 -> 24)"}},
		{name: "too short", rss: []int64{5, 40, 60}, fds: []int{3, 9, 9}, warn: true},
	}
	doc := testDoc(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := &fakeServer{tokens: doc.Tokens}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var log strings.Builder
			res, err := RunSoak(ctx, SoakConfig{
				Round:    ClosedConfig{Dial: srv.listenUnix(t), Doc: doc, Conns: 2, N: 20},
				Duration: 1 << 40, WarmupRounds: 2, MaxRSSGrowth: 16 << 20, MaxFDGrowth: 4,
				Sample: sampler(cancel, tc.rss, tc.fds), Log: &log,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rounds != len(tc.rss)-1 || res.Total.Count != int64(20*res.Rounds) || res.Total.Failed() {
				t.Fatalf("rounds %d count %d errors %s", res.Rounds, res.Total.Count, res.Total.Errors.String())
			}
			if len(res.Problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %q", res.Problems, tc.problems)
			}
			for i, p := range tc.problems {
				if !strings.HasPrefix(res.Problems[i], p) {
					t.Errorf("problem %q, want prefix %q", res.Problems[i], p)
				}
			}
			if (len(res.Warnings) > 0) != tc.warn {
				t.Errorf("warnings %q", res.Warnings)
			}
			if res.Failed() != (len(tc.problems) > 0) {
				t.Errorf("Failed() = %v", res.Failed())
			}
			if got := strings.Count(log.String(), "[soak] round "); got != res.Rounds {
				t.Errorf("%d round lines for %d rounds:\n%s", got, res.Rounds, log.String())
			}
		})
	}
}

func TestReadProc(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "42")
	if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
		t.Fatal(err)
	}
	status := "Name:\tl0d\nVmPeak:\t  99999 kB\nVmRSS:\t   20480 kB\nThreads:\t7\n"
	if err := os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fd := range []string{"0", "1", "2"} {
		if err := os.WriteFile(filepath.Join(dir, "fd", fd), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := ReadProc(root, 42)
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS != 20<<20 || s.FDs != 3 {
		t.Errorf("got %+v, want 20 MiB and 3 fds", s)
	}
	if _, err := ReadProc(root, 43); err == nil {
		t.Error("ReadProc of a missing process succeeded")
	}
	if self, err := ReadProc("/proc", os.Getpid()); err != nil || self.RSS <= 0 || self.FDs < 3 {
		t.Errorf("this process: %+v, %v", self, err)
	}
}

func TestReadPIDFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		content string
		pid     int
		ok      bool
	}{{"1234\n", 1234, true}, {"77", 77, true}, {"", 0, false}, {"abc\n", 0, false}, {"-3", 0, false}} {
		p := filepath.Join(dir, "pid")
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		pid, err := ReadPIDFile(p)
		if pid != tc.pid || (err == nil) != tc.ok {
			t.Errorf("%q: got %d, %v", tc.content, pid, err)
		}
	}
}
