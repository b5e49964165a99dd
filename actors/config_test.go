package actors_test

import (
	"reflect"
	"strings"
	"testing"

	"l0lex/actors"
)

// TestValidate: every unusable setting is refused with a "cannot" message
// naming it; defaults and zero values are valid.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*actors.Config)
		want string // substring of the error; "" for valid
	}{
		{"defaults", func(c *actors.Config) {}, ""},
		{"zero", func(c *actors.Config) { *c = actors.Config{} }, ""},
		{"same core twice", func(c *actors.Config) { c.Cores = []int{0, 0, 1} }, ""},
		{"negative core", func(c *actors.Config) { c.Cores = []int{0, -1} }, "core -1"},
		{"too many actors", func(c *actors.Config) { c.Cores = make([]int, actors.MaxActors+1) }, "actors"},
		{"cores and spares over the bound", func(c *actors.Config) { c.Cores = make([]int, actors.MaxActors) }, "spares"},
		{"negative spares", func(c *actors.Config) { c.HedgeSpares = -1 }, "spare actors"},
		{"spares only", func(c *actors.Config) { c.HedgeSpares = actors.MaxActors }, "spare actors"},
		{"negative mailbox", func(c *actors.Config) { c.MailboxLen = -1 }, "mailbox"},
		{"negative inflight", func(c *actors.Config) { c.MaxInflightBytes = -5 }, "in-flight"},
		{"negative hedge", func(c *actors.Config) { c.HedgeMs = -1 }, "hedge deadline"},
		{"budget over 100", func(c *actors.Config) { c.HedgeMaxPct = 101 }, "hedge budget"},
		{"negative rotate reqs", func(c *actors.Config) { c.RotateReqs = -1 }, "requests"},
		{"negative rotate bytes", func(c *actors.Config) { c.RotateBytes = -1 }, "bytes"},
		{"negative fault ms", func(c *actors.Config) { c.FaultMs = -1 }, "faults of"},
		{"rate over a million", func(c *actors.Config) { c.FaultRatePPM = 1_000_001 }, "ppm"},
		{"unknown phase", func(c *actors.Config) { c.FaultPhase = "during" }, "phase"},
		{"negative arena", func(c *actors.Config) { c.ArenaBaseBytes = -1 }, "arenas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := actors.DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid config refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatal("invalid config accepted")
			case tc.want != "" && (!strings.HasPrefix(err.Error(), "cannot ") || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %q, want a \"cannot\" message about %q", err, tc.want)
			}
			if tc.want != "" {
				if _, err := actors.New(c, newFakeObs()); err == nil {
					t.Fatal("New accepted an invalid config")
				}
			}
		})
	}
}

// TestNewDefaults: New fills the defaults (one actor per allowed CPU) and
// rejects a nil observer and invalid faults.
func TestNewDefaults(t *testing.T) {
	if _, err := actors.New(actors.DefaultConfig(), nil); err == nil {
		t.Fatal("New accepted a nil Observer")
	}
	cfg := actors.DefaultConfig()
	cfg.NoPin = true
	p := mustNew(t, cfg, newFakeObs())
	defer p.Close(t.Context())
	in := p.Info()
	if in.Actors < 1 || len(in.Cores) != in.Actors || in.KernelPath == "" {
		t.Fatalf("info %+v", in)
	}
	if in.HedgeNs != int64(actors.DefaultHedgeMs)*1_000_000 {
		t.Errorf("hedge deadline %d ns, want the default", in.HedgeNs)
	}
	for _, f := range []actors.Fault{
		{Kind: 0, Actor: 0},
		{Kind: actors.FaultDelay, Actor: 0, Ms: 0},
		{Kind: actors.FaultPanic, Actor: in.Actors},
		{Kind: actors.FaultStall, Actor: -2},
	} {
		if err := p.Fault(f); err == nil || !strings.HasPrefix(err.Error(), "cannot ") {
			t.Errorf("fault %+v: error %v", f, err)
		}
	}
}

// TestRemapCores: CPUs outside the mask take the mask's CPU at their
// position modulo the mask's size; the others stay.
func TestRemapCores(t *testing.T) {
	cases := []struct {
		cores, mask, want, gone []int
	}{
		{[]int{0, 1, 2, 3}, []int{0, 1}, []int{0, 1, 0, 1}, []int{2, 3}},
		{[]int{0, 1, 1}, []int{0, 1}, []int{0, 1, 1}, nil},
		{[]int{7, 3, 9}, []int{2, 3, 4, 5}, []int{2, 3, 4}, []int{7, 9}},
		{[]int{1, 0}, nil, []int{1, 0}, nil},
	}
	for _, tc := range cases {
		got, gone := actors.RemapCores(tc.cores, tc.mask)
		if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(gone, tc.gone) {
			t.Errorf("remapCores(%v, %v) = %v, %v; want %v, %v", tc.cores, tc.mask, got, gone, tc.want, tc.gone)
		}
	}
}
