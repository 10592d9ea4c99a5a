package latency_test

import (
	"testing"
	"time"

	"hailong/latency"
)

func TestReportPercentiles(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		r := latency.New(100)
		now := time.Now()
		for i := 100; i >= 1; i-- { // 100 ms .. 1 ms, in no order the report relies on
			r.Since(now.Add(-time.Duration(i) * time.Millisecond))
		}
		r.Report(b, 50, 95, 99)
	})
	tests := []struct {
		metric string
		min    float64 // the clock moves on while the test runs
	}{
		{"p50-ms", 51}, {"p95-ms", 96}, {"p99-ms", 100},
	}
	for _, tt := range tests {
		if got := res.Extra[tt.metric]; got < tt.min || got > tt.min+50 {
			t.Errorf("%s = %v, want %v or a little more", tt.metric, got, tt.min)
		}
	}
}
