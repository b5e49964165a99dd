package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"l0lex/kernel"

	"l0lex/actors"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *config)
		err   string // substring of the error; "" = success
	}{
		{name: "defaults", check: func(t *testing.T, c *config) {
			if c.Sock != "/tmp/l0_lex_svc.sock" || c.HedgeMs != 10 || c.HedgeAuto || c.HedgeMaxPct != 2 || c.HedgeSpares != 1 || c.spares() != 1 ||
				c.MaxReqBytes != 8<<20 || c.DrainMs != 5000 || c.FaultPhase != "pre" || c.FaultControl ||
				c.AllowScalar || c.Prom || !c.PromLegacyMs || c.PromAddr != "127.0.0.1:9109" || c.TailKeep != 100 || !c.CoresFromMask || len(c.Cores) == 0 {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{name: "env", env: map[string]string{"L0_SOCK": "/tmp/x.sock", "L0_POOL_CORES": "0,1,1", "L0_HEDGE_MS": "auto",
			"L0_ROTATE_BYTES": "512MiB", "L0_MAX_REQ_BYTES": "1048576", "L0_FAULT_CONTROL": "1", "L0_TCP": "127.0.0.1:7410"},
			check: func(t *testing.T, c *config) {
				if c.Sock != "/tmp/x.sock" || !reflect.DeepEqual(c.Cores, onThisMachine(t, 0, 1, 1)) || c.CoresFromMask || !c.HedgeAuto ||
					c.RotateBytes != 512<<20 || c.MaxReqBytes != 1<<20 || !c.FaultControl || c.TCP != "127.0.0.1:7410" {
					t.Fatalf("env: %+v", c)
				}
			}},
		{name: "flags override env", args: []string{"--sock", "/tmp/f.sock", "--hedge-ms=0", "--allow-scalar", "--pool-cores", "0-2"},
			env: map[string]string{"L0_SOCK": "/tmp/e.sock", "L0_HEDGE_MS": "12", "L0_ALLOW_SCALAR": "0"},
			check: func(t *testing.T, c *config) {
				if c.Sock != "/tmp/f.sock" || c.HedgeMs != 0 || c.HedgeAuto || !c.AllowScalar || !reflect.DeepEqual(c.Cores, onThisMachine(t, 0, 1, 2)) ||
					c.spares() != 0 {
					t.Fatalf("flags: %+v", c)
				}
			}},
		{name: "bool flag false", args: []string{"--prom=false"}, env: map[string]string{"L0_PROM": "1"},
			check: func(t *testing.T, c *config) {
				if c.Prom {
					t.Fatal("--prom=false did not override L0_PROM=1")
				}
			}},
		{name: "bad hedge", env: map[string]string{"L0_HEDGE_MS": "soon"}, err: "L0_HEDGE_MS"},
		{name: "negative hedge", args: []string{"--hedge-ms=-1"}, err: "--hedge-ms"},
		{name: "spares", env: map[string]string{"L0_HEDGE_SPARES": "0"},
			check: func(t *testing.T, c *config) {
				if c.HedgeSpares != 0 || c.spares() != 0 {
					t.Fatalf("spares: %+v", c)
				}
			}},
		{name: "bad spares", env: map[string]string{"L0_HEDGE_SPARES": "-1"}, err: "L0_HEDGE_SPARES"},
		{name: "bad pct", env: map[string]string{"L0_HEDGE_MAX_PCT": "150"}, err: "L0_HEDGE_MAX_PCT"},
		{name: "bad cores", env: map[string]string{"L0_POOL_CORES": "0,x"}, err: "L0_POOL_CORES"},
		{name: "bad phase", env: map[string]string{"L0_FAULT_PHASE": "during"}, err: "want pre or post"},
		{name: "bad ppm", env: map[string]string{"L0_FAULT_RATE_PPM": "2000000"}, err: "L0_FAULT_RATE_PPM"},
		{name: "bad bool", env: map[string]string{"L0_FAULT_CONTROL": "maybe"}, err: "want 1 or 0"},
		{name: "zero max req", env: map[string]string{"L0_MAX_REQ_BYTES": "0"}, err: "L0_MAX_REQ_BYTES"},
		{name: "huge max req", env: map[string]string{"L0_MAX_REQ_BYTES": "8G"}, err: "limit"},
		{name: "empty sock", args: []string{"--sock="}, err: "must not be empty"},
		{name: "stray argument", args: []string{"serve"}, err: "unexpected argument"},
		{name: "unknown flag", args: []string{"--no-such"}, err: "no-such"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var usage bytes.Buffer
			c, err := parseConfig(tc.args, lookupFrom(tc.env), &usage)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// onThisMachine returns cores as l0d runs them here: CPUs outside this
// process's affinity mask remapped (see actors.ResolveCores).
func onThisMachine(t *testing.T, cores ...int) []int {
	t.Helper()
	out, _, err := actors.ResolveCores(cores)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRunExitCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--hedge-ms", "x"}, lookupFrom(nil), &out, &errb, nil); code != exitUsage {
		t.Fatalf("invalid flag: exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errb.String(), "--hedge-ms") {
		t.Fatalf("message %q does not name the flag", errb.String())
	}
	errb.Reset()
	if code := run([]string{"--help"}, lookupFrom(nil), &out, &errb, nil); code != exitOK {
		t.Fatalf("--help: exit %d", code)
	}
	if !strings.Contains(errb.String(), "L0_POOL_CORES") {
		t.Fatal("usage does not list the environment variables")
	}
}

func TestSIMDGuard(t *testing.T) {
	if msg := simdGuard(kernel.PathAVX2, "avx2: ok", false); msg != "" {
		t.Fatalf("AVX2 refused: %s", msg)
	}
	if msg := simdGuard(kernel.PathPureGo, "purego: forced", true); msg != "" {
		t.Fatalf("scalar allowed but refused: %s", msg)
	}
	msg := simdGuard(kernel.PathPureGo, "purego: built without GOEXPERIMENT=simd", false)
	for _, want := range []string{"built without GOEXPERIMENT=simd", "make build", "L0_ALLOW_SCALAR=1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("guard message %q lacks %q", msg, want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "8MiB": 8 << 20, "8M": 8 << 20, "512K": 512 << 10, "2GiB": 2 << 30, "3 MiB": 3 << 20, "7kb": 7 << 10} {
		var n int64
		if err := parseBytes(&n, in, 0); err != nil || n != want {
			t.Errorf("%q: got %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "1T", "MiB"} {
		var n int64
		if err := parseBytes(&n, in, 0); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
