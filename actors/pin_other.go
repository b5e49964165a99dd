//go:build !linux

package actors

import (
	"errors"
	"runtime"
)

// pinThread cannot pin threads outside Linux; the actor runs unpinned.
func pinThread(cores []int) error {
	return errors.New("cannot pin thread: CPU affinity is only supported on Linux")
}

// raiseNice cannot set a thread's niceness outside Linux.
func raiseNice(by int) (int, error) {
	if by == 0 {
		return 0, nil
	}
	return 0, errors.New("cannot set a thread's niceness: only supported on Linux")
}

// setFIFO cannot change scheduling policies outside Linux.
func setFIFO(bool, int) error {
	return errors.New("cannot run under SCHED_FIFO: only supported on Linux")
}

// allowedCPUs returns 0..NumCPU-1.
func allowedCPUs() ([]int, error) {
	cpus := make([]int, runtime.NumCPU())
	for i := range cpus {
		cpus[i] = i
	}
	return cpus, nil
}
