package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// writePIDFile writes the process id to path atomically (temporary file and
// rename), so that readers never see a partial number.
func writePIDFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".l0d-pid-*")
	if err != nil {
		return fmt.Errorf("cannot write PID file %s: %w", path, err)
	}
	_, werr := tmp.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write PID file %s: %w", path, werr)
	}
	return nil
}

// removePIDFile removes path if it still holds this process's id (another
// instance may have taken it over).
func removePIDFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("cannot read PID file %s: %w", path, err)
	}
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		return nil
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("cannot remove PID file %s: %w", path, err)
	}
	return nil
}
