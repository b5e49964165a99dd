package ops

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shippedExecStart is the binary path the units run (docs/operations.md).
const shippedExecStart = "ExecStart=/usr/local/bin/l0d"

// unitCopy writes a copy of a shipped unit whose ExecStart names an existing
// executable (systemd-analyze verify checks that it exists), under the name
// the unit is verified as.
func unitCopy(t *testing.T, shipped, as, exe string) string {
	t.Helper()
	src := readFile(t, opsFile(t, "systemd/"+shipped))
	dst := filepath.Join(t.TempDir(), as)
	writeFile(t, dst, render(t, shipped, src, shippedExecStart, "ExecStart="+exe), 0o644)
	return dst
}

// standInExecutable is an executable for ExecStart: the real l0d when it
// builds, else this test binary (verify only needs an executable file).
func standInExecutable(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	if mains, _ := filepath.Glob(filepath.Join(root, "cmd", "l0d", "*.go")); len(mains) > 0 {
		exe := filepath.Join(t.TempDir(), "l0d")
		if out, err := run(t, 10*time.Minute, nil, goTool(t), "build", "-C", root, "-o", exe, "./cmd/l0d"); err == nil {
			return exe
		} else {
			t.Logf("cannot build l0d (%v), verifying with a stand-in executable\n%s", err, out)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("cannot find an executable for ExecStart: %v", err)
	}
	return exe
}

func TestSystemdVerify(t *testing.T) {
	sa := needTool(t, "systemd", "systemd-analyze")
	exe := standInExecutable(t)
	for _, tc := range []struct{ shipped, as string }{
		{"l0d.service", "l0d.service"},
		{"l0d@.service", "l0d@.service"},
		{"l0d@.service", "l0d@a.service"},
	} {
		t.Run(tc.as, func(t *testing.T) {
			unit := unitCopy(t, tc.shipped, tc.as, exe)
			out, err := run(t, time.Minute, nil, sa, "verify", "--man=no", unit)
			if err != nil {
				t.Fatalf("systemd-analyze verify %s: %v\n%s", tc.as, err, out)
			}
			// verify exits 0 on some warnings (unknown keys, bad values).
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, tc.as) || strings.Contains(line, "l0d") {
					t.Errorf("systemd-analyze verify %s warns: %s", tc.as, line)
				}
			}
			out, err = run(t, time.Minute, nil, sa, "security", "--offline=yes", unit)
			if err != nil {
				t.Fatalf("systemd-analyze security --offline=yes %s: %v\n%s", tc.as, err, out)
			}
			m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no exposure level in systemd-analyze security output:\n%s", out)
			}
			level, _ := strconv.ParseFloat(m[1], 64)
			t.Logf("%s: exposure %.1f", tc.as, level)
			if level > 2.0 {
				t.Errorf("%s exposure %.1f, want <= 2.0 (OK):\n%s", tc.as, level, out)
			}
		})
	}
}

// unitDirectives parses a unit file into "Key=Value" lines (comments out).
func unitDirectives(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' || l[0] == '[' {
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestSystemdUnitContract(t *testing.T) {
	want := []string{
		"Restart=always", "LimitNOFILE=1048576", "NoNewPrivileges=yes", "ProtectSystem=strict",
		"ProtectHome=yes", "PrivateTmp=yes", "User=l0d", "Group=l0d", "CapabilityBoundingSet=",
		"SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes",
		"Environment=L0_PROM=1", "Environment=L0_ALLOW_SCALAR=0", shippedExecStart,
	}
	single := unitDirectives(t, opsFile(t, "systemd/l0d.service"))
	tmpl := unitDirectives(t, opsFile(t, "systemd/l0d@.service"))
	for _, d := range want {
		if !slices.Contains(single, d) {
			t.Errorf("l0d.service lacks %s", d)
		}
		if !slices.Contains(tmpl, d) {
			t.Errorf("l0d@.service lacks %s", d)
		}
	}
	for _, d := range []string{
		"Environment=L0_POOL_CORES=2,3,4,5", "CPUAffinity=2 3 4 5",
		"Environment=L0_SOCK=/run/l0d/l0_lex_svc.sock", "RuntimeDirectory=l0d",
	} {
		if !slices.Contains(single, d) {
			t.Errorf("l0d.service lacks %s", d)
		}
	}
	for _, d := range []string{"Environment=L0_SOCK=/run/l0d-%i/l0_lex_svc.sock", "RuntimeDirectory=l0d-%i", "EnvironmentFile=/etc/l0d/%i.env"} {
		if !slices.Contains(tmpl, d) {
			t.Errorf("l0d@.service lacks %s", d)
		}
	}
	// The template must not drift from the single unit's hardening.
	hardening := func(ds []string) []string {
		var out []string
		for _, d := range ds {
			k, _, _ := strings.Cut(d, "=")
			if strings.HasPrefix(k, "Protect") || strings.HasPrefix(k, "Private") || strings.HasPrefix(k, "Restrict") ||
				strings.HasPrefix(k, "SystemCall") || strings.HasSuffix(k, "Capabilities") || k == "CapabilityBoundingSet" ||
				k == "NoNewPrivileges" || k == "MemoryDenyWriteExecute" || k == "LockPersonality" || strings.HasPrefix(k, "IPAddress") {
				out = append(out, d)
			}
		}
		return out
	}
	if a, b := hardening(single), hardening(tmpl); !slices.Equal(a, b) {
		t.Errorf("hardening differs between the units:\nl0d.service:  %q\nl0d@.service: %q", a, b)
	}
}

func TestSystemdSysusers(t *testing.T) {
	su := needTool(t, "systemd", "systemd-sysusers")
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n", 0o644)
	writeFile(t, filepath.Join(root, "etc", "group"), "root:x:0:\n", 0o644)
	conf := opsFile(t, "systemd/l0d.sysusers.conf")
	if out, err := run(t, time.Minute, nil, su, "--root="+root, conf); err != nil {
		t.Fatalf("systemd-sysusers %s: %v\n%s", conf, err, out)
	}
	passwd := readFile(t, filepath.Join(root, "etc", "passwd"))
	group := readFile(t, filepath.Join(root, "etc", "group"))
	if !regexp.MustCompile(`(?m)^l0d:x:\d+:\d+:[^:]*:/nonexistent:/usr/sbin/nologin$`).MatchString(passwd) {
		t.Errorf("no l0d system user in the generated passwd:\n%s", passwd)
	}
	if !regexp.MustCompile(`(?m)^l0d:x:\d+:`).MatchString(group) {
		t.Errorf("no l0d group in the generated group file:\n%s", group)
	}
}
