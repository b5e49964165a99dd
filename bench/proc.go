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
