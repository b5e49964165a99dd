package telemetry_test

import (
	"strings"
	"testing"

	"l0lex/telemetry"
)

func TestConfigFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    telemetry.Config
		wantErr string
	}{
		{"nothing set", nil, telemetry.Config{Actors: 2}, ""},
		{"all set", map[string]string{
			"L0_PROM": "1", "L0_PROM_ADDR": "0.0.0.0:9200", "L0_TAIL_CSV": "/var/tmp/t.csv",
			"L0_TAIL_KEEP": "500", "L0_LOG_EVERY": "2000",
		}, telemetry.Config{Actors: 2, Prom: true, PromAddr: "0.0.0.0:9200", TailCSV: "/var/tmp/t.csv", TailKeep: 500, LogEvery: 2000}, ""},
		{"prom off", map[string]string{"L0_PROM": "0"}, telemetry.Config{Actors: 2}, ""},
		{"bad prom", map[string]string{"L0_PROM": "maybe"}, telemetry.Config{}, "L0_PROM"},
		{"bad keep", map[string]string{"L0_TAIL_KEEP": "ten"}, telemetry.Config{}, "L0_TAIL_KEEP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
			got, err := telemetry.ConfigFromEnv(telemetry.Config{Actors: 2}, lookup)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
