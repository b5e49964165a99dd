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

// setFIFO puts the calling thread under SCHED_FIFO at priority 1 (on), or
// back under the normal policy SCHED_OTHER (off). The caller must hold the
// thread with runtime.LockOSThread.
func setFIFO(on bool) error {
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: schedOther}
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
