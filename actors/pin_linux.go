//go:build linux

package actors

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// pinThread binds the calling OS thread to cores (one core for an actor,
// every core of the pool for a spare). The caller must hold the thread with
// runtime.LockOSThread.
func pinThread(cores []int) error {
	var set unix.CPUSet
	set.Zero()
	for _, c := range cores {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("cannot pin thread to CPUs %v: %w", cores, err)
	}
	return nil
}

// raiseNice makes the calling thread by nicer than it is (at most
// 19; Linux's setpriority acts on one thread when given a thread id) and
// returns its niceness. The caller must hold the thread with
// runtime.LockOSThread and let it end with its goroutine, so that no other
// goroutine inherits the niceness.
func raiseNice(by int) (int, error) {
	tid := unix.Gettid()
	raw, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		return 0, fmt.Errorf("cannot read the thread's niceness: %w", err)
	}
	cur := 20 - raw // the system call returns 20 - nice
	if by == 0 {
		return cur, nil
	}
	nice := min(cur+by, 19)
	if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil {
		return cur, fmt.Errorf("cannot set the thread's niceness to %d: %w", nice, err)
	}
	return nice, nil
}

// setFIFO puts the calling thread under SCHED_FIFO at priority 1 (on), or
// back under the normal policy SCHED_OTHER at niceness nice (off). The
// caller must hold the thread with runtime.LockOSThread.
func setFIFO(on bool, nice int) error {
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: schedOther, Nice: int32(nice)}
	if on {
		attr.Policy, attr.Priority = schedFIFO, 1
	}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		if on {
			return fmt.Errorf("cannot run under SCHED_FIFO (it needs CAP_SYS_NICE or RLIMIT_RTPRIO >= 1, e.g. systemd's LimitRTPRIO=1): %w", err)
		}
		return fmt.Errorf("cannot return to SCHED_OTHER: %w", err)
	}
	return nil
}

// The kernel's numbers of the scheduling policies used.
const (
	schedOther = 0
	schedFIFO  = 1
)

// allowedCPUs returns the CPUs of the calling thread's affinity mask.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("cannot read the CPU affinity mask: %w", err)
	}
	var cpus []int
	for c := 0; c <= maxCore; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
