package main

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// TestLowerGC checks that l0d sets its collector target unless GOGC is set.
func TestLowerGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })

	t.Setenv("GOGC", "") // restored afterwards
	os.Unsetenv("GOGC")
	if msg := lowerGC(); !strings.Contains(msg, "GOGC=10 ") {
		t.Errorf("GOGC unset: lowerGC says %q", msg)
	}
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: collector target %d %%, want %d", got, gcPercent)
	}

	t.Setenv("GOGC", "200")
	if msg := lowerGC(); msg != "GOGC=200 (from the environment)" {
		t.Errorf("GOGC=200: lowerGC says %q", msg)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=200: lowerGC changed the collector target to %d %%", got)
	}
}
