package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// PlatformTransport wraps base (http.DefaultTransport when nil) to count and
// time each request to a platform's API. operation names a request for the
// operation label (keep its values few); nil or "" labels it by URL path.
func (m *Metrics) PlatformTransport(platform string, base http.RoundTripper, operation func(*http.Request) string) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &platformTransport{m: m, platform: platform, base: base, operation: operation}
}

type platformTransport struct {
	m         *Metrics
	platform  string
	base      http.RoundTripper
	operation func(*http.Request) string
}

func (t *platformTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := ""
	if t.operation != nil {
		op = t.operation(req)
	}
	if op == "" {
		op = req.URL.Path
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	t.m.PlatformRequestDuration.WithLabelValues(t.platform, op).Observe(time.Since(start).Seconds())
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	t.m.PlatformRequests.WithLabelValues(t.platform, op, status).Inc()
	return resp, err
}

// PlatformWait records one wait a platform client chose before a request;
// it suits a client's wait hook (shopify.ClientOptions.OnWait).
func (m *Metrics) PlatformWait(platform string) func(d time.Duration, reason string) {
	return func(d time.Duration, reason string) {
		m.PlatformWaits.WithLabelValues(platform, reason).Inc()
		m.PlatformWaitSeconds.WithLabelValues(platform, reason).Add(d.Seconds())
	}
}
