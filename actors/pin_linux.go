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
