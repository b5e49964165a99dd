//go:build linux

package actors

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// gettid returns the calling thread's id.
func gettid() int32 { return int32(unix.Gettid()) }

// threadCPU returns the CPU time in ns that thread tid of this process has
// run (the kernel's accounting, which leaves out the time a hypervisor took
// the virtual CPU away). self says that the caller is that thread (a clock
// read); otherwise it is read from /proc. ok is false when tid is 0 or the
// time cannot be read.
func threadCPU(tid int32, self bool) (ns int64, ok bool) {
	if tid == 0 {
		return 0, false
	}
	if self {
		var ts unix.Timespec
		if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
			return 0, false
		}
		return ts.Nano(), true
	}
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(int(tid)) + "/schedstat")
	if err != nil {
		return 0, false
	}
	f, _, _ := bytes.Cut(b, []byte(" "))
	n, err := strconv.ParseInt(string(f), 10, 64)
	return n, err == nil
}
