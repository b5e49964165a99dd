package eventloop

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"l0lex/actors"
	"l0lex/telemetry"
)

// Defaults of Config.
const (
	DefaultMaxReqBytes         = 8 << 20 // L0_MAX_REQ_BYTES
	DefaultReadBufferCap       = 1 << 20 // bytes gnet reads per readable event
	DefaultSocketBuffer        = 4 << 20 // SO_RCVBUF / SO_SNDBUF asked of the kernel
	DefaultClosingWriteTimeout = 10 * time.Second
	DefaultMaxOutbound         = 256 << 20 // reply bytes buffered for a peer that does not read
)

// Pool is what the event loop needs of the actor pool (*actors.Pool
// implements it). Every method must be safe to call from any goroutine and
// must not block the event loop for long.
type Pool interface {
	// Submit takes ownership of r until r.Done is called, exactly once,
	// possibly synchronously from inside Submit.
	Submit(r *actors.Request)
	// Cancel cancels request reqID of connection connID, if still running.
	Cancel(connID, reqID uint64)
	// CancelConn cancels every request of connection connID.
	CancelConn(connID uint64)
	// Fault delivers a runtime fault (only called with Config.FaultControl).
	Fault(f actors.Fault) error
	// Info describes the pool (for pong frames).
	Info() actors.Info
}

// Telemetry receives the requests' life cycle (*telemetry.Telemetry
// implements it). Its methods are called on event-loop goroutines and on
// half-close writers; they must be safe for concurrent use and not block.
type Telemetry interface {
	// RequestStarted counts a request decoded and handed on.
	RequestStarted()
	// RequestDone records a request whose reply was handed to the socket.
	RequestDone(rec telemetry.Record)
}

// DropRecorder is optionally implemented by a Telemetry that wants to know
// about requests whose reply could not be written (the peer was gone), so
// that every RequestStarted is matched by one RequestDone or RequestDropped.
type DropRecorder interface {
	RequestDropped(rec telemetry.Record)
}

// FrameRecycler is optionally implemented by a Pool that wants reply frames
// back once they have been written (or dropped).
type FrameRecycler interface {
	RecycleFrame(frame []byte)
}

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	// UnixPath is the Unix socket to listen on (mode 0660). Required.
	UnixPath string
	// TCPAddr, when set, is an extra TCP listen address ("127.0.0.1:7410").
	// It must be a loopback address unless AllowNonLoopback is set.
	TCPAddr          string
	AllowNonLoopback bool

	// MaxReqBytes bounds a frame's payload; larger frames get an ErrTooLarge
	// error frame and their connection is closed.
	MaxReqBytes int
	// FaultControl accepts fault-injection control frames; when false they
	// are answered with ErrForbidden.
	FaultControl bool

	// Loops is the number of gnet event loops (default 1).
	Loops int
	// ReadBufferCap is gnet's per-read buffer; SocketBuffer the kernel
	// socket buffers requested for MB-sized frames.
	ReadBufferCap int
	SocketBuffer  int
	// ClosingWriteTimeout bounds each frame's write to a peer that may never
	// read again: one that half-closed, or whose connection closes after a
	// fatal frame error.
	ClosingWriteTimeout time.Duration
	// MaxOutbound bounds the reply bytes queued for a connection
	// whose peer does not read them: a peer over it that sends more frames
	// gets ErrBusy and is disconnected.
	MaxOutbound int
	// NoDirectReads makes the rest of a large document arrive through
	// gnet's read buffer instead of being read from the socket straight
	// into the document's memory.
	NoDirectReads bool

	// Now is the monotonic clock in ns used for request timestamps.
	// Default: telemetry.Now.
	Now func() int64
	// Telemetry, if set, receives every request's start and reply.
	Telemetry Telemetry
	// Version is reported in pong frames.
	Version string
	// Logf receives the server's and gnet's warnings (default: discarded).
	Logf func(format string, args ...any)
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.MaxReqBytes <= 0 {
		out.MaxReqBytes = DefaultMaxReqBytes
	}
	if out.Loops <= 0 {
		out.Loops = 1
	}
	if out.ReadBufferCap <= 0 {
		out.ReadBufferCap = DefaultReadBufferCap
	}
	if out.SocketBuffer <= 0 {
		out.SocketBuffer = DefaultSocketBuffer
	}
	if out.MaxOutbound <= 0 {
		out.MaxOutbound = DefaultMaxOutbound
	}
	if out.ClosingWriteTimeout <= 0 {
		out.ClosingWriteTimeout = DefaultClosingWriteTimeout
	}
	if out.Now == nil {
		out.Now = telemetry.Now
	}
	if out.Logf == nil {
		out.Logf = func(string, ...any) {}
	}
	return out
}

// gnetAddrs validates the configured addresses and returns them in gnet's
// proto://addr form.
func (c *Config) gnetAddrs() ([]string, error) {
	if c.UnixPath == "" {
		return nil, fmt.Errorf("cannot listen: no Unix socket path configured")
	}
	addrs := []string{"unix://" + c.UnixPath}
	if c.TCPAddr == "" {
		return addrs, nil
	}
	a, err := TCPListenAddr(c.TCPAddr, c.AllowNonLoopback)
	if err != nil {
		return nil, err
	}
	return append(addrs, a), nil
}

// TCPListenAddr validates a TCP listen address "host:port" and returns it in
// gnet's form (tcp4://... or tcp6://...). The host must be a loopback IP
// address or "localhost" unless allowNonLoopback is set.
func TCPListenAddr(hostport string, allowNonLoopback bool) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("cannot use TCP address %q: %w", hostport, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return "", fmt.Errorf("cannot use TCP address %q: bad port: %w", hostport, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("cannot use TCP address %q: host must be an IP address: %w", hostport, err)
	}
	if !ip.IsLoopback() && !allowNonLoopback {
		return "", fmt.Errorf("cannot use TCP address %q: %s is not a loopback address (the service has no authentication; bind to 127.0.0.1)", hostport, host)
	}
	if ip.Is4() || ip.Is4In6() {
		return "tcp4://" + net.JoinHostPort(ip.Unmap().String(), port), nil
	}
	return "tcp6://" + net.JoinHostPort(ip.String(), port), nil
}
