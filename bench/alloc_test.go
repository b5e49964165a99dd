package bench

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"l0lex/proto"
)

// echoServer answers every type-1 request with a correct reply, reading
// and writing through fixed buffers (it allocates nothing per request, so
// that the client's allocations can be measured).
func echoServer(t *testing.T, tokens uint32) Dialer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "echo.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	serve := func(c net.Conn) {
		defer wg.Done()
		defer c.Close()
		hdr := make([]byte, proto.HeaderLen)
		payload := make([]byte, 1<<16)
		reply := proto.AppendReply(nil, 0, proto.Reply{NTokens: tokens, Origin: 1})
		for {
			if _, err := io.ReadFull(c, hdr); err != nil {
				return
			}
			h := proto.ParseHeader(hdr)
			if _, err := io.ReadFull(c, payload[:h.Len]); err != nil {
				return
			}
			setReqID(reply, h.ReqID)
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return NetDialer("unix", path)
}

// mallocs returns the heap allocations f makes (all goroutines).
func mallocs(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// A whole run's allocations do not grow with its request count: set-up
// allocates, the request loops do not. (Compared over 300 and 3000
// requests; the slack covers the runtime's own background allocations.)
func TestRunsAllocateOnlyAtSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("measures whole runs")
	}
	doc := testDoc(t)
	dial := echoServer(t, doc.Tokens)
	ctx := context.Background()
	runs := map[string]func(n int){
		"keepalive": func(n int) {
			res, err := RunClosed(ctx, ClosedConfig{Dial: dial, Doc: doc, Conns: 2, N: n})
			if err != nil || res.Failed() {
				t.Fatalf("keepalive: %v %+v", err, res.Errors)
			}
		},
		"open": func(n int) {
			res, err := RunOpen(ctx, OpenConfig{Dial: dial, Doc: doc, Conns: 2, Rate: 30000,
				Duration: time.Duration(n) * time.Second / 30000})
			if err != nil || res.Failed() {
				t.Fatalf("open: %v %+v", err, res.Errors)
			}
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			run(100) // warm up lazily initialised runtime state
			small := mallocs(func() { run(300) })
			large := mallocs(func() { run(3000) })
			t.Logf("%d allocations for 300 requests, %d for 3000", small, large)
			if perReq := float64(int64(large)-int64(small)) / 2700; perReq > 0.05 {
				t.Errorf("%.3f allocations per request (%d for 300 requests, %d for 3000)", perReq, small, large)
			}
		})
	}
}

// The keep-alive request loop allocates nothing per request.
func TestKeepaliveRequestAllocs(t *testing.T) {
	doc := testDoc(t)
	dial := echoServer(t, doc.Tokens)
	c, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ClosedConfig{Dial: dial, Doc: doc, Timeout: DefaultTimeout}
	w := &closedWorker{cfg: cfg, id: 1 << 40, frame: doc.requestFrame(), hist: NewHistogram()}
	w.setConn(c)
	defer w.closeConn()
	ctx := context.Background()
	allocs := testing.AllocsPerRun(200, func() {
		if _, ok := w.one(ctx); !ok {
			t.Fatalf("request failed: %s", w.errs.String())
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per request, want 0", allocs)
	}
}
