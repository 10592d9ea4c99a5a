package e2e

import (
	"net/http"
	"net/url"
	"os"
	"testing"

	"hailong/latency"
)

// BenchmarkMeasuresAtScale asks a running aggregator, loaded with the
// synthetic province of 'aggregator generate', every kind of measures
// question, and reports p50 and p95 for each. It is skipped unless
// HAILONG_BENCH_AGGREGATOR names the aggregator; HAILONG_BENCH_TOKEN is
// an API token of a user whose scope covers the synthetic province (48),
// sent as its bearer token. scripts/scale-bench.sh runs the whole procedure.
//
//	HAILONG_BENCH_AGGREGATOR=http://127.0.0.1:18181 HAILONG_BENCH_TOKEN=hlt_… go test -run '^$' -bench MeasuresAtScale -benchtime 200x ./e2e
func BenchmarkMeasuresAtScale(b *testing.B) {
	base := os.Getenv("HAILONG_BENCH_AGGREGATOR")
	if base == "" {
		b.Skip("HAILONG_BENCH_AGGREGATOR is not set")
	}
	queries := []struct{ name, query string }{
		{"province-year", "unit=48&from=2025-07-01&to=2026-06-30"},
		{"province-2years-old-structure", "unit=48&from=2024-07-01&to=2026-06-30"},
		{"province-year-by-units-and-months", "unit=48&from=2025-07-01&to=2026-06-30&breakdown=units,months"},
		{"old-province-as-of-2025", "unit=49&from=2024-07-01&to=2025-06-30&as_of=2025-06-30"},
		{"commune-quarter", "unit=20007&from=2026-01-01&to=2026-03-31"},
		{"province-year-official", "unit=48&from=2025-07-01&to=2026-06-30&official=cb-0420"},
		{"province-year-procedure", "unit=48&from=2025-07-01&to=2026-06-30&procedure=1.001234"},
		{"province-year-field", "unit=48&from=2025-07-01&to=2026-06-30&field=" + url.QueryEscape("Lĩnh vực 7")},
		{"province-year-qr-sipas", "unit=48&from=2025-07-01&to=2026-06-30&channel=qr&questionnaire=sipas"},
		{"province-year-counter", "unit=48&from=2025-07-01&to=2026-06-30&counter=Q1"},
		{"province-cut-months-field", "unit=48&from=2025-07-15&to=2026-06-14&field=" + url.QueryEscape("Lĩnh vực 7")},
		{"province-cut-months-counter-qr", "unit=48&from=2025-07-15&to=2026-06-14&counter=Q1&channel=qr"},
		{"province-year-official-and-field", "unit=48&from=2025-07-01&to=2026-06-30&official=cb-0420&field=" + url.QueryEscape("Lĩnh vực 7")},
		{"province-2years-by-units-and-months", "unit=48&from=2024-07-01&to=2026-06-30&breakdown=units,months"},
	}
	client := &http.Client{Transport: bearerTransport{"Bearer " + os.Getenv("HAILONG_BENCH_TOKEN")}}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := latency.Gets(b, client, base+"/api/v1/measures?"+q.query)
			lat.Report(b, 50, 95)
		})
	}
}

// bearerTransport sends every request with an Authorization header.
type bearerTransport struct{ authorization string }

func (b bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", b.authorization)
	return http.DefaultTransport.RoundTrip(req)
}
