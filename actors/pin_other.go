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

// setFIFO cannot change scheduling policies outside Linux.
func setFIFO(bool) error {
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
