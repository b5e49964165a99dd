package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcSample is a server process's resident memory and open descriptors.
type ProcSample struct {
	RSS int64 // bytes (VmRSS)
	FDs int   // entries of /proc/PID/fd
}

// ReadProc samples process pid from the proc file system rooted at root
// (normally "/proc").
func ReadProc(root string, pid int) (ProcSample, error) {
	dir := filepath.Join(root, strconv.Itoa(pid))
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return ProcSample{}, fmt.Errorf("cannot read the server's memory use: %w", err)
	}
	rss, err := parseVmRSS(status)
	if err != nil {
		return ProcSample{}, err
	}
	fds, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		return ProcSample{}, fmt.Errorf("cannot count the server's open descriptors: %w", err)
	}
	return ProcSample{RSS: rss, FDs: len(fds)}, nil
}

// parseVmRSS returns the VmRSS line of a /proc/PID/status file in bytes.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("cannot read the server's memory use: no VmRSS line in kB")
}

// ReadPIDFile returns the process id written in path (as l0d writes its PID
// file: the decimal id, optionally followed by a newline).
func ReadPIDFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("cannot read the server's PID file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("cannot read the server's PID file %s: %q is no process id", path, strings.TrimSpace(string(b)))
	}
	return pid, nil
}

// CPUTimes is one reading of the machine's aggregate CPU time by state, in
// clock ticks since boot (the "cpu" line of /proc/stat).
type CPUTimes struct {
	User, Nice, System, Idle, IOWait, IRQ, SoftIRQ, Steal uint64
}

// HostCPU is how the machine's CPU time was spent between two readings, as
// fractions of the total (0..1). Steal is the time the hypervisor ran
// something else while a virtual CPU wanted to run: on a shared VM it
// explains a slow stretch that the service did not cause.
type HostCPU struct {
	User, System, Idle, Steal float64
}

// ReadCPUTimes reads the aggregate CPU times from the proc file system
// rooted at root (normally "/proc").
func ReadCPUTimes(root string) (CPUTimes, error) {
	data, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return CPUTimes{}, fmt.Errorf("cannot read the machine's CPU times: %w", err)
	}
	return parseCPUTimes(data)
}

// parseCPUTimes parses the "cpu" line of a /proc/stat file. Kernels before
// 2.6.11 have no steal column; it then reads as zero.
func parseCPUTimes(stat []byte) (CPUTimes, error) {
	sc := bufio.NewScanner(bytes.NewReader(stat))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 5 {
			break
		}
		var v [8]uint64
		for i := 1; i < len(f) && i <= len(v); i++ {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return CPUTimes{}, fmt.Errorf("cannot read the machine's CPU times: column %d of the cpu line: %w", i, err)
			}
			v[i-1] = n
		}
		return CPUTimes{User: v[0], Nice: v[1], System: v[2], Idle: v[3], IOWait: v[4], IRQ: v[5], SoftIRQ: v[6], Steal: v[7]}, nil
	}
	return CPUTimes{}, fmt.Errorf("cannot read the machine's CPU times: no cpu line in /proc/stat")
}

// Since returns how the CPU time between reading a and b was spent (user
// includes nice; system includes interrupts; idle includes I/O wait). It
// returns false when no time passed between them.
func (b CPUTimes) Since(a CPUTimes) (HostCPU, bool) {
	d := func(x, y uint64) float64 {
		if y < x {
			return 0
		}
		return float64(y - x)
	}
	user := d(a.User, b.User) + d(a.Nice, b.Nice)
	sys := d(a.System, b.System) + d(a.IRQ, b.IRQ) + d(a.SoftIRQ, b.SoftIRQ)
	idle := d(a.Idle, b.Idle) + d(a.IOWait, b.IOWait)
	steal := d(a.Steal, b.Steal)
	total := user + sys + idle + steal
	if total == 0 {
		return HostCPU{}, false
	}
	return HostCPU{User: user / total, System: sys / total, Idle: idle / total, Steal: steal / total}, true
}
