// Package ops holds l0lex's operations files and the tests that check them
// with the real tools: the systemd units (systemd-analyze), the host tuning
// scripts (against fake /proc and /sys trees), the Prometheus scrape config
// and rules (promtool, and a real Prometheus scraping a real l0d), the
// Grafana dashboard (every query against a live scrape) and the nginx and
// haproxy configs (checked, then run in front of two l0d instances under
// load). The package has no code of its own; docs/operations.md is the
// runbook that uses these files.
package ops
