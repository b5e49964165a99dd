//go:build !linux

package actors

// gettid returns 0: thread ids are only used on Linux.
func gettid() int32 { return 0 }

// threadCPU cannot read another thread's CPU time outside Linux.
func threadCPU(tid int32, self bool) (int64, bool) { return 0, false }
