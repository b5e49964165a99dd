package telemetry_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"l0lex/telemetry"
)

// promtoolPath returns promtool's path, skipping the test when it is not
// installed (failing instead when CI=true).
func promtoolPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool not installed (Debian package prometheus): cannot lint the scrape"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// promtoolCheck runs `promtool check metrics` on text and returns its
// findings, one per line, and whether it exited 0.
func promtoolCheck(t *testing.T, promtool string, text []byte) ([]string, bool) {
	t.Helper()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("cannot run promtool: %v", err)
	}
	var findings []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			findings = append(findings, l)
		}
	}
	return findings, err == nil
}

// The legacy name l0_latency_ms (kept for existing dashboards) is the one
// family promtool flags, for its abbreviated unit; the scrape must have no
// other finding, and without the legacy family promtool must pass outright.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := promtoolPath(t)
	cases := []struct {
		name    string
		omit    bool
		allowed []string
	}{
		{"with legacy l0_latency_ms", false, []string{"l0_latency_ms metric names should not contain abbreviated units"}},
		{"without legacy", true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tel := startServing(t, telemetry.Config{Actors: 2, Version: "v-test", KernelPath: "avx2", OmitLegacyLatencyMs: c.omit})
			tel.SetReady(true)
			feed(tel)
			text := scrapeText(t, tel)
			findings, ok := promtoolCheck(t, promtool, text)
			var unexpected []string
			for _, f := range findings {
				allowed := false
				for _, a := range c.allowed {
					if strings.Contains(f, a) {
						allowed = true
					}
				}
				if !allowed {
					unexpected = append(unexpected, f)
				}
			}
			if len(unexpected) > 0 {
				t.Errorf("promtool check metrics findings:\n%s", strings.Join(unexpected, "\n"))
			}
			if len(c.allowed) == 0 && !ok {
				t.Errorf("promtool check metrics failed: %v", findings)
			}
			if c.omit && bytes.Contains(text, []byte("l0_latency_ms")) {
				t.Errorf("OmitLegacyLatencyMs: l0_latency_ms still served")
			}
		})
	}
}
