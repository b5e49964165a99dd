package gate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// HedgeCounts are the service's hedge and request counters.
type HedgeCounts struct {
	Fired    float64 // l0_hedge_fired_total
	Requests float64 // l0_requests_total
	Source   string  // where they came from, for the report
}

// FetchHedgeCounts scrapes rawURL (a /metrics URL; a URL without a path
// gets /metrics appended) and returns l0_hedge_fired_total and
// l0_requests_total, each summed over its series.
func FetchHedgeCounts(ctx context.Context, client *http.Client, rawURL string) (HedgeCounts, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return HedgeCounts{}, fmt.Errorf("cannot scrape %q: not an http URL", rawURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/metrics"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return HedgeCounts{}, fmt.Errorf("cannot scrape %s: %w", u, err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return HedgeCounts{}, fmt.Errorf("cannot scrape %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return HedgeCounts{}, fmt.Errorf("cannot scrape %s: %s", u, resp.Status)
	}
	return ParseHedgeCounts(resp.Body, u.String())
}

// ReadHedgeCounts reads the two counters from a file holding a saved
// scrape (`curl -s URL > FILE` before the service stops).
func ReadHedgeCounts(path string) (HedgeCounts, error) {
	f, err := os.Open(path)
	if err != nil {
		return HedgeCounts{}, fmt.Errorf("cannot read the metrics: %w", err)
	}
	defer f.Close()
	return ParseHedgeCounts(f, path)
}

// ParseHedgeCounts reads the two counters from a Prometheus text exposition.
func ParseHedgeCounts(r io.Reader, source string) (HedgeCounts, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return HedgeCounts{}, fmt.Errorf("cannot parse the metrics of %s: %w", source, err)
	}
	h := HedgeCounts{Source: source}
	for _, c := range []struct {
		name string
		dst  *float64
	}{{"l0_hedge_fired_total", &h.Fired}, {"l0_requests_total", &h.Requests}} {
		f := fams[c.name]
		if f == nil {
			return HedgeCounts{}, fmt.Errorf("cannot find %s in the metrics of %s", c.name, source)
		}
		for _, m := range f.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				*c.dst += m.GetCounter().GetValue()
			case m.GetUntyped() != nil:
				*c.dst += m.GetUntyped().GetValue()
			}
		}
	}
	return h, nil
}
