//go:build linux

package eventloop_test

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// unread returns how many bytes written to c its peer has not read yet.
func unread(t *testing.T, c *net.UnixConn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
		t.Fatalf("cannot read the socket's send queue: %v %v", err, ierr)
	}
	return n
}
