package ops

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of the host script tests")

// fakeHost copies testdata/host/NAME into a temp dir and completes it into a
// host tree the scripts can tune: /proc/irq/N/smp_affinity (all CPUs) for
// each numeric interrupt of /proc/interrupts, except irq 0 which the "kernel"
// refuses to move (a directory), and cpufreq governors set to powersave.
func fakeHost(t *testing.T, name string) (root string, ncpu int) {
	t.Helper()
	src := filepath.Join("testdata", "host", name)
	root = filepath.Join(t.TempDir(), "root")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(root, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(root, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("cannot copy the fixture %s: %v", src, err)
	}
	lines := strings.Split(readFile(t, filepath.Join(root, "proc", "interrupts")), "\n")
	ncpu = len(regexp.MustCompile(`CPU\d+`).FindAllString(lines[0], -1))
	all := allMask(ncpu)
	for _, l := range lines[1:] {
		m := regexp.MustCompile(`^\s*(\d+):`).FindStringSubmatch(l)
		if m == nil {
			continue
		}
		dir := filepath.Join(root, "proc", "irq", m[1])
		if m[1] == "0" {
			if err := os.MkdirAll(filepath.Join(dir, "smp_affinity"), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeFile(t, filepath.Join(dir, "smp_affinity"), all+"\n", 0o644)
	}
	writeFile(t, filepath.Join(root, "proc", "irq", "default_smp_affinity"), all+"\n", 0o644)
	for c := range ncpu {
		dir := filepath.Join(root, "sys", "devices", "system", "cpu", fmt.Sprintf("cpu%d", c), "cpufreq")
		writeFile(t, filepath.Join(dir, "scaling_governor"), "powersave\n", 0o644)
		writeFile(t, filepath.Join(dir, "scaling_available_governors"), "performance powersave\n", 0o644)
	}
	return root, ncpu
}

// allMask is the kernel's mask of every one of n CPUs ("ff", "ff,ffffffff").
func allMask(n int) string {
	var groups []string
	for g := (n+31)/32 - 1; g >= 0; g-- {
		bits := min(32, n-32*g)
		v := uint64(1)<<bits - 1
		if g == (n+31)/32-1 {
			groups = append(groups, fmt.Sprintf("%x", v))
		} else {
			groups = append(groups, fmt.Sprintf("%08x", v))
		}
	}
	return strings.Join(groups, ",")
}

// hostScript runs ops/host/SCRIPT with args against a fake root (given by
// L0_HOST_ROOT) and returns its output with the root replaced by $ROOT.
func hostScript(t *testing.T, root, script string, args ...string) (string, int) {
	t.Helper()
	needTool(t, "bash", "bash")
	cmd := exec.Command(opsFile(t, "host/"+script), args...)
	env := []string{"L0_HOST_ROOT=" + root}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "L0_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cannot run %s: %v", script, err)
	}
	s := strings.ReplaceAll(string(out), root, "$ROOT")
	// The caller's own limits vary from shell to shell.
	s = regexp.MustCompile(`(?m)^info: this shell: .*\n`).ReplaceAllString(s, "")
	return s, code
}

// snapshot returns every file of a tree with its content, to prove a dry
// run changed nothing.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return nil
	})
	return m
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "host", "golden", name)
	if *update {
		writeFile(t, path, got, 0o644)
		return
	}
	want := readFile(t, path)
	if got != want {
		t.Errorf("%s: output differs from %s (go test -run Host -update rewrites it)\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// TestHostScripts runs each script on a fake host: the dry run (default)
// prints the planned changes (golden files) and changes nothing; --apply
// makes them; a second --apply finds nothing left to do.
func TestHostScripts(t *testing.T) {
	for _, tc := range []struct {
		fixture, script string
		args            []string
		check           func(t *testing.T, root string) // after --apply
	}{
		{"cpu8", "cpu-isolation.sh", []string{"--cores", "2-5"}, func(t *testing.T, root string) {
			g := readFile(t, filepath.Join(root, "etc/default/grub"))
			want := `GRUB_CMDLINE_LINUX_DEFAULT="quiet mitigations=auto isolcpus=managed_irq,domain,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7"`
			if !strings.Contains(g, want+"\n") || strings.Contains(g, "isolcpus=1") {
				t.Errorf("grub after --apply:\n%s\nwant the line %s", g, want)
			}
			if b := readFile(t, filepath.Join(root, "etc/default/grub.l0d-bak")); !strings.Contains(b, `"quiet isolcpus=1 mitigations=auto"`) {
				t.Errorf("the backup is not the original grub file:\n%s", b)
			}
		}},
		{"cpu8", "irq-affinity.sh", []string{"--cores", "2-5"}, func(t *testing.T, root string) {
			for _, irq := range []string{"1", "8", "24", "25", "26", "27", "default_smp_affinity"} {
				p := filepath.Join(root, "proc/irq", irq, "smp_affinity")
				if irq == "default_smp_affinity" {
					p = filepath.Join(root, "proc/irq", irq)
				}
				if got := strings.TrimSpace(readFile(t, p)); got != "000000c3" {
					t.Errorf("%s = %s, want 000000c3 (CPUs 0,1,6,7)", p, got)
				}
			}
			if b := readFile(t, filepath.Join(root, "etc/default/irqbalance")); !strings.Contains(b, "IRQBALANCE_BANNED_CPULIST=2-5\n") || strings.Contains(b, "BANNED_CPULIST=0") {
				t.Errorf("irqbalance config after --apply:\n%s", b)
			}
		}},
		{"cpu40", "irq-affinity.sh", []string{"--cores", "2-5,33", "--match", "eth0"}, func(t *testing.T, root string) {
			for irq, want := range map[string]string{"24": "000000fd,ffffffc3", "25": "000000fd,ffffffc3", "26": "000000fd,ffffffc3", "27": "ff,ffffffff", "8": "ff,ffffffff"} {
				if got := strings.TrimSpace(readFile(t, filepath.Join(root, "proc/irq", irq, "smp_affinity"))); got != want {
					t.Errorf("irq %s = %s, want %s", irq, got, want)
				}
			}
		}},
		{"cpu8", "governor.sh", []string{"--cores", "2-5"}, func(t *testing.T, root string) {
			for c := range 8 {
				want := "powersave"
				if c >= 2 && c <= 5 {
					want = "performance"
				}
				p := filepath.Join(root, fmt.Sprintf("sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", c))
				if got := strings.TrimSpace(readFile(t, p)); got != want {
					t.Errorf("cpu%d governor %s, want %s", c, got, want)
				}
			}
		}},
		{"cpu8", "sysctl.sh", nil, func(t *testing.T, root string) {
			for k, want := range map[string]string{"vm/swappiness": "1", "net/ipv4/ip_local_port_range": "10240 65535", "net/core/somaxconn": "4096"} {
				if got := strings.TrimSpace(readFile(t, filepath.Join(root, "proc/sys", k))); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got, want := readFile(t, filepath.Join(root, "etc/sysctl.d/99-l0d.conf")), readFile(t, opsFile(t, "host/99-l0d.sysctl.conf")); got != want {
				t.Errorf("installed sysctl file differs from the shipped one")
			}
		}},
		{"cpu8", "limits.sh", nil, func(t *testing.T, root string) {
			if got, want := readFile(t, filepath.Join(root, "etc/security/limits.d/99-l0d-limits.conf")), readFile(t, opsFile(t, "host/99-l0d-limits.conf")); got != want {
				t.Errorf("installed limits file differs from the shipped one")
			}
		}},
	} {
		name := strings.TrimSuffix(tc.script, ".sh") + "-" + tc.fixture
		t.Run(name, func(t *testing.T) {
			root, _ := fakeHost(t, tc.fixture)
			before := snapshot(t, root)
			out, code := hostScript(t, root, tc.script, tc.args...)
			if code != 0 {
				t.Fatalf("%s (dry run) exit %d:\n%s", tc.script, code, out)
			}
			checkGolden(t, name+".dry-run.txt", out)
			if !strings.Contains(out, "(dry run; --apply to make them)") {
				t.Errorf("the default is not a dry run:\n%s", out)
			}
			after := snapshot(t, root)
			for p, c := range before {
				if after[p] != c {
					t.Errorf("the dry run changed %s", p)
				}
			}
			if len(after) != len(before) {
				t.Errorf("the dry run created files: %d before, %d after", len(before), len(after))
			}

			out, code = hostScript(t, root, tc.script, append(tc.args, "--apply")...)
			if code != 0 {
				t.Fatalf("%s --apply exit %d:\n%s", tc.script, code, out)
			}
			checkGolden(t, name+".apply.txt", out)
			tc.check(t, root)

			out, code = hostScript(t, root, tc.script, append(tc.args, "--apply")...)
			if code != 0 || !strings.Contains(out, ": 0 change(s) applied") || strings.Contains(out, "changed:") {
				t.Errorf("a second --apply is not a no-op (exit %d):\n%s", code, out)
			}
		})
	}
}

func TestHostScriptErrors(t *testing.T) {
	root, _ := fakeHost(t, "cpu8")
	for _, tc := range []struct {
		script string
		args   []string
		msg    string
	}{
		{"irq-affinity.sh", nil, "give the service's cores"},
		{"irq-affinity.sh", []string{"--cores", "6-9"}, "CPU 8 of '6-9' does not exist: this host has 8 CPUs"},
		{"irq-affinity.sh", []string{"--cores", "0-7"}, "names every CPU"},
		{"cpu-isolation.sh", []string{"--cores", "0-7"}, "names every CPU"},
		{"cpu-isolation.sh", []string{"--cores", "2,x"}, "bad CPU list entry 'x'"},
		{"cpu-isolation.sh", []string{"--cores", "5-2"}, "bad CPU range 5-2"},
		{"governor.sh", []string{"--frobnicate"}, "unknown argument '--frobnicate'"},
	} {
		out, code := hostScript(t, root, tc.script, tc.args...)
		if code != 2 || !strings.Contains(out, tc.msg) {
			t.Errorf("%s %q: exit %d, output:\n%s\nwant exit 2 and %q", tc.script, tc.args, code, out, tc.msg)
		}
	}
	// tune.sh chains every step; L0_POOL_CORES stands for --cores, and
	// --root for L0_HOST_ROOT.
	cmd := exec.Command(opsFile(t, "host/tune.sh"), "--root", root)
	cmd.Env = append(os.Environ(), "L0_HOST_ROOT=/nonexistent", "L0_POOL_CORES=1,2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tune.sh: %v\n%s", err, out)
	}
	for _, step := range []string{"cpu-isolation", "irq-affinity", "governor", "sysctl", "limits"} {
		if !strings.Contains(string(out), "summary: "+step+": ") {
			t.Errorf("tune.sh did not run %s:\n%s", step, out)
		}
	}
	if !strings.Contains(string(out), "info: 8 CPUs; service cores 1-2; interrupts go to 0,3-7 (mask 000000f9)") {
		t.Errorf("tune.sh did not tune the --root tree for L0_POOL_CORES=1,2:\n%s", out)
	}
}

func TestHostScriptsShellcheck(t *testing.T) {
	sc := needTool(t, "shellcheck", "shellcheck")
	scripts, _ := filepath.Glob(opsFile(t, "host/*.sh"))
	if len(scripts) < 6 {
		t.Fatalf("found %d host scripts, want at least 6", len(scripts))
	}
	out, err := run(t, 2*time.Minute, nil, sc, append([]string{"-x", "-P", "SCRIPTDIR"}, scripts...)...)
	if err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// TestSysctlFileDocumented checks that every key of the sysctl file has a
// comment saying why, and exists on this kernel when /proc/sys is there.
func TestSysctlFileDocumented(t *testing.T) {
	lines := strings.Split(readFile(t, opsFile(t, "host/99-l0d.sysctl.conf")), "\n")
	keys := 0
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, _, ok := strings.Cut(l, "=")
		if !ok {
			t.Errorf("line %d is not key = value: %q", i+1, l)
			continue
		}
		keys++
		k = strings.TrimSpace(k)
		j := i - 1
		for j >= 0 && lines[j] != "" && !strings.HasPrefix(lines[j], "#") {
			j--
		}
		if j < 0 || !strings.HasPrefix(lines[j], "#") {
			t.Errorf("%s has no comment saying why", k)
		}
		if _, err := os.Stat("/proc/sys/net"); err == nil {
			if _, err := os.Stat("/proc/sys/" + strings.ReplaceAll(k, ".", "/")); err != nil {
				t.Errorf("%s does not exist on this kernel: %v", k, err)
			}
		}
	}
	if keys < 5 {
		t.Errorf("%d keys in the sysctl file, want at least 5", keys)
	}
}
