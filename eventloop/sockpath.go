package eventloop

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"
)

// ErrLiveServer is returned by Start when another server already answers on
// the Unix socket path.
var ErrLiveServer = errors.New("another server is already answering on this socket")

// CheckUnixPath reports, without changing anything, whether a server could
// listen on the Unix socket path: an error wrapping ErrLiveServer when a
// server answers there, or when something that is not a socket is there.
// Start checks again (and removes a stale socket). Safe from any goroutine.
func CheckUnixPath(path string) error { return checkUnixPath(path, false) }

// prepareUnixPath makes path free for a new listener: nothing there is
// fine; a socket nobody answers on (stale, ECONNREFUSED) is removed; a
// socket some process accepts on, or anything that is not a socket, is an
// error (gnet would otherwise remove whatever is at the path).
func prepareUnixPath(path string) error { return checkUnixPath(path, true) }

func checkUnixPath(path string, removeStale bool) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot inspect socket path %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("cannot listen on %s: it exists and is not a socket (%v); remove it or choose another path", path, fi.Mode().Type())
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("cannot listen on %s: %w (stop it first, e.g. make service-stop)", path, ErrLiveServer)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// EAGAIN (backlog full), a timeout or EACCES: someone may be there.
		return fmt.Errorf("cannot listen on %s: probing the existing socket failed (%v); not replacing it", path, err)
	}
	if !removeStale {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove stale socket %s: %w", path, err)
	}
	return nil
}
