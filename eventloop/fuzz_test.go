package eventloop_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"l0lex/actors"
	"l0lex/eventloop"
	"l0lex/proto"
)

// fuzzServer is one server shared by every input of FuzzConnection.
var fuzzServer struct {
	once sync.Once
	path string
	srv  *eventloop.Server
}

// FuzzConnection writes arbitrary bytes on a connection, shuts down the
// write side and reads until the server closes: the server must never
// panic or hang, everything it sends must be well-formed frames, and a
// new connection must still be served afterwards.
func FuzzConnection(f *testing.F) {
	seeds := [][]byte{
		nil,
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		lexFrame(1, []byte(`\section{a}`)),
		frame(proto.TypeLex, 2, []byte("whole payload")),
		frame(proto.TypeLexFull, 3, []byte("\x00\x00\x00\x01x")),
		frame(proto.TypePing, 4, nil),
		frame(proto.TypeCancel, 5, nil),
		frame(proto.TypeFault, 6, []byte{1, 0, 0, 0, 0, 0, 0, 0, 5}),
		frame(proto.TypeReply, 7, make([]byte, 13)),
		proto.AppendHeader(nil, proto.Header{Type: proto.TypeLex, ReqID: 8, Len: 1 << 30}),
		append(lexFrame(9, []byte("HOLD")), frame(proto.TypeCancel, 9, nil)...),
		lexFrame(10, []byte("HOLD"))[:20], // cut inside the payload
		frame(0, 11, nil),
		frame(0xFFFFFFFF, 12, nil),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzServer.once.Do(func() {
			pool := newFuzzPool()
			srv, err := eventloop.New(eventloop.Config{
				UnixPath: sockPath(&testing.T{}), MaxReqBytes: 1 << 16, FaultControl: true,
			}, pool)
			if err == nil {
				err = srv.Start()
			}
			if err != nil {
				panic(err)
			}
			fuzzServer.srv, fuzzServer.path = srv, srv.Addrs()[0][len("unix://"):]
		})
		exchange(t, fuzzServer.path, in)
		exchange(t, fuzzServer.path, lexFrame(1, []byte("ok"))) // still serving
	})
}

// exchange sends in, half-closes and checks every frame until the server
// closes the connection.
func exchange(t *testing.T, path string, in []byte) {
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	// The server may close before reading everything (a fatal frame error).
	_, _ = c.Write(in)
	_ = c.(*net.UnixConn).CloseWrite()
	rd := proto.NewReader(c, proto.NewDecoder(proto.FromServer, 0))
	for {
		f, err := rd.ReadFrame()
		if errors.Is(err, io.EOF) || isReset(err) {
			return
		}
		if err != nil {
			t.Fatalf("input %q: the server sent a bad frame or hung: %v", in, err)
		}
		_ = f
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

// newFuzzPool is a fake pool whose worker lives for the whole process
// (the fuzz server outlives any one test).
func newFuzzPool() *fakePool {
	p := &fakePool{work: make(chan *actors.Request, 1024), noHold: true}
	go func() {
		for r := range p.work {
			p.serve(r)
		}
	}()
	return p
}
