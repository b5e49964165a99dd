package ops

import (
	"regexp"
	"strings"
	"testing"
)

// TestOpsFilesAgree checks that the shipped files name the same socket
// paths, ports and addresses: the unit's socket is the proxies' upstream,
// the template unit's sockets are the balancers' upstreams, and the unit's
// metrics address is the scrape target.
func TestOpsFilesAgree(t *testing.T) {
	unit := readFile(t, opsFile(t, "systemd/l0d.service"))
	tmpl := readFile(t, opsFile(t, "systemd/l0d@.service"))
	env := func(src, key string) string {
		m := regexp.MustCompile(`(?m)^Environment=` + key + `=(\S+)$`).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("no Environment=%s= line", key)
		}
		return m[1]
	}
	sock := env(unit, "L0_SOCK")
	prom := env(unit, "L0_PROM_ADDR")
	tmplSock := env(tmpl, "L0_SOCK") // contains %i

	for file, want := range map[string][]string{
		"proxy/nginx-l0d.conf":          {"server unix:" + sock + ";"},
		"proxy/haproxy-l0d.cfg":         {"server l0d " + sock + " "},
		"proxy/nginx-l0d-balance.conf":  {"server unix:" + strings.ReplaceAll(tmplSock, "%i", "a") + " ", "server unix:" + strings.ReplaceAll(tmplSock, "%i", "b") + " "},
		"proxy/haproxy-l0d-balance.cfg": {"server a " + strings.ReplaceAll(tmplSock, "%i", "a") + " ", "server b " + strings.ReplaceAll(tmplSock, "%i", "b") + " "},
		"prometheus/prometheus.yml":     {`targets: ["` + prom + `"]`},
	} {
		src := readFile(t, opsFile(t, file))
		for _, w := range want {
			if !strings.Contains(src, w) {
				t.Errorf("%s does not contain %q (from the units)", file, w)
			}
		}
	}
	if !strings.HasPrefix(sock, "/run/l0d/") || !strings.Contains(unit, "\nRuntimeDirectory=l0d\n") {
		t.Errorf("the socket %s is not in the unit's RuntimeDirectory /run/l0d", sock)
	}
	if !strings.HasPrefix(tmplSock, "/run/l0d-%i/") || !strings.Contains(tmpl, "\nRuntimeDirectory=l0d-%i\n") {
		t.Errorf("the template's socket %s is not in its RuntimeDirectory /run/l0d-%%i", tmplSock)
	}
	// The unit pins the process to the cores its actors use.
	cores := env(unit, "L0_POOL_CORES")
	m := regexp.MustCompile(`(?m)^CPUAffinity=(.+)$`).FindStringSubmatch(unit)
	if m == nil || strings.ReplaceAll(m[1], " ", ",") != cores {
		t.Errorf("CPUAffinity %v does not name L0_POOL_CORES=%s", m, cores)
	}
}
