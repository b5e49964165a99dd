package eventloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"l0lex/proto"
)

// Server is the reactor. Create it with New, start it with Start, stop it
// with Shutdown. Its exported methods are safe to call from any goroutine.
type Server struct {
	gnet.BuiltinEventEngine

	cfg   Config
	pool  Pool
	addrs []string

	eng      gnet.Engine
	booted   chan struct{} // closed by OnBoot
	finished chan struct{} // closed when gnet.Rotate returned
	runErr   error         // set before finished is closed
	started  atomic.Bool

	draining atomic.Bool
	nextConn atomic.Uint64
	conns    atomic.Int64 // open connections
	inflight atomic.Int64 // requests submitted whose reply is not yet written or dropped

	dec       *proto.Decoder
	startTime time.Time

	stats Stats

	framePool sync.Pool // *[]byte for frames the server builds itself
	docs      docPool   // lex payload buffers

	readHook func(buffered int) // tests: called at the start of OnTraffic
}

// Stats are the server's counters (all atomics, read with Snapshot).
type Stats struct {
	Conns         atomic.Uint64 // connections accepted
	Requests      atomic.Uint64 // lex requests submitted to the pool
	Replies       atomic.Uint64 // lex replies handed to a socket
	Dropped       atomic.Uint64 // lex replies whose connection was gone
	DupReplies    atomic.Uint64 // Done calls after the first (pool bug guard)
	FrameErrors   atomic.Uint64 // error frames sent for bad, unknown, oversize or forbidden frames
	HalfCloses    atomic.Uint64 // peers that shut down their write side with requests in flight
	RejectedConns atomic.Uint64 // connections closed at once (while draining, or out of descriptors)
	DirectWrites  atomic.Uint64 // frames written at once by the goroutine that had them (output.go)
	Backlogs      atomic.Uint64 // frames the socket did not take whole at once: a writer goroutine wrote the rest
}

// StatsSnapshot is a copy of Stats.
type StatsSnapshot struct {
	Conns, Requests, Replies, Dropped, DupReplies, FrameErrors, HalfCloses, RejectedConns uint64
	DirectWrites, Backlogs                                                                uint64
}

// Snapshot returns the current counters. Safe from any goroutine.
func (s *Server) Snapshot() StatsSnapshot {
	st := &s.stats
	return StatsSnapshot{
		Conns: st.Conns.Load(), Requests: st.Requests.Load(), Replies: st.Replies.Load(),
		Dropped: st.Dropped.Load(), DupReplies: st.DupReplies.Load(), FrameErrors: st.FrameErrors.Load(),
		HalfCloses: st.HalfCloses.Load(), RejectedConns: st.RejectedConns.Load(),
		DirectWrites: st.DirectWrites.Load(), Backlogs: st.Backlogs.Load(),
	}
}

// New validates cfg and returns a server that is not listening yet.
func New(cfg Config, pool Pool) (*Server, error) {
	if pool == nil {
		return nil, errors.New("cannot create event loop: nil pool")
	}
	c := cfg.withDefaults()
	addrs, err := c.gnetAddrs()
	if err != nil {
		return nil, err
	}
	return &Server{
		dec:      proto.NewDecoder(proto.FromClient, uint32(min(c.MaxReqBytes, proto.MaxPayload))),
		cfg:      c,
		pool:     pool,
		addrs:    addrs,
		booted:   make(chan struct{}),
		finished: make(chan struct{}),
	}, nil
}

// Start checks the Unix socket path (refusing when a live server answers
// there, replacing a stale socket file), starts gnet and returns once every
// address is listening. It may be called once, from any goroutine.
func (s *Server) Start() error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("cannot start event loop: already started")
	}
	if err := prepareUnixPath(s.cfg.UnixPath); err != nil {
		return err
	}
	opts := []gnet.Option{
		gnet.WithMulticore(false),
		gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithReadBufferCap(s.cfg.ReadBufferCap),
		gnet.WithSocketRecvBuffer(s.cfg.SocketBuffer),
		gnet.WithSocketSendBuffer(s.cfg.SocketBuffer),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{s.cfg.Logf}),
	}
	s.startTime = time.Now()
	go func() {
		s.runErr = gnet.Rotate(s, s.addrs, opts...)
		close(s.finished)
	}()
	select {
	case <-s.booted:
		return nil
	case <-s.finished:
		if s.runErr == nil {
			return errors.New("cannot start event loop: gnet stopped before it booted")
		}
		return fmt.Errorf("cannot start event loop on %v: %w", s.addrs, s.runErr)
	}
}

// Addrs returns the listen addresses in gnet form (unix://..., tcp4://...).
// Safe from any goroutine.
func (s *Server) Addrs() []string { return append([]string(nil), s.addrs...) }

// InFlight returns the number of lex requests whose reply is not yet
// written or dropped. Safe from any goroutine.
func (s *Server) InFlight() int64 { return s.inflight.Load() }

// Done is closed when the server has stopped (after Shutdown, or when gnet
// failed). Safe from any goroutine.
func (s *Server) Done() <-chan struct{} { return s.finished }

// BeginDrain makes the server refuse new connections (closed at once) and
// answer new requests with ErrShuttingDown, while requests in flight go on.
// Shutdown calls it too. Safe from any goroutine.
func (s *Server) BeginDrain() { s.draining.Store(true) }

// Shutdown drains the server: new connections are closed at once, new
// requests are answered with ErrShuttingDown, requests in flight are
// answered; then gnet stops (closing every connection and the listeners,
// which removes the socket file). ctx bounds the drain; when it expires
// the remaining requests are abandoned and the server stops anyway, and
// ctx's error is returned. Safe from any goroutine; later calls wait too.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.started.Load() {
		return nil
	}
	select {
	case <-s.booted:
	case <-s.finished:
		return s.runErr
	}
	s.draining.Store(true)
	var drainErr error
	tick := time.NewTicker(2 * time.Millisecond)
	for s.inflight.Load() > 0 && drainErr == nil {
		select {
		case <-ctx.Done():
			drainErr = fmt.Errorf("cannot drain %d requests in flight: %w", s.inflight.Load(), ctx.Err())
		case <-tick.C:
		}
	}
	tick.Stop()
	// Stop gnet even when the drain deadline passed: give it a short bound
	// of its own (it polls for completion every 500 ms).
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.eng.Stop(stopCtx); err != nil && drainErr == nil {
		select {
		case <-s.finished: // already stopped by an earlier Shutdown
		default:
			drainErr = fmt.Errorf("cannot stop gnet: %w", err)
		}
	}
	select {
	case <-s.finished:
	case <-stopCtx.Done():
		if drainErr == nil {
			drainErr = fmt.Errorf("cannot stop gnet: %w", stopCtx.Err())
		}
	}
	return drainErr
}

// OnBoot records the engine and restricts the socket file to mode 0660.
// gnet calls it once, before accepting; the On* methods are gnet's
// callbacks, called on its goroutines only.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	if err := os.Chmod(s.cfg.UnixPath, 0o660); err != nil {
		s.cfg.Logf("eventloop: cannot set mode 0660 on %s: %v", s.cfg.UnixPath, err)
	}
	close(s.booted)
	return gnet.None
}

// OnOpen gives the connection its state (or closes it while draining, or
// with an error frame when its socket cannot be duplicated). Called
// on the connection's event loop.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if s.draining.Load() {
		s.stats.RejectedConns.Add(1)
		return nil, gnet.Close
	}
	st := &connState{id: s.nextConn.Add(1), c: c, srv: s}
	// gnet sets the buffer sizes on the listening socket only, which an
	// accepted Unix socket does not inherit (a TCP one does).
	_ = c.SetReadBuffer(s.cfg.SocketBuffer)
	_ = c.SetWriteBuffer(s.cfg.SocketBuffer)
	if err := st.openOutput(c); err != nil {
		s.stats.RejectedConns.Add(1)
		s.cfg.Logf("eventloop: cannot take connection %d: cannot duplicate its socket: %v", st.id, err)
		return proto.AppendError(nil, 0, proto.ErrBusy, "server cannot take this connection now: "+err.Error()), gnet.Close
	}
	c.SetContext(st)
	s.conns.Add(1)
	s.stats.Conns.Add(1)
	return nil, gnet.None
}

type gnetLogger struct{ logf func(string, ...any) }

func (l gnetLogger) Debugf(string, ...any) {}
func (l gnetLogger) Infof(string, ...any)  {}
func (l gnetLogger) Warnf(f string, a ...any) {
	l.logf("gnet: "+f, a...)
}
func (l gnetLogger) Errorf(f string, a ...any) {
	l.logf("gnet: "+f, a...)
}
func (l gnetLogger) Fatalf(f string, a ...any) {
	l.logf("gnet: fatal: "+f, a...)
}
