package latency_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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

func TestGetsRecordsEveryRequest(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var asked int64
	res := testing.Benchmark(func(b *testing.B) {
		asked += int64(b.N)
		latency.Gets(b, srv.Client(), srv.URL).Report(b, 50)
	})
	if served.Load() != asked || asked == 0 {
		t.Errorf("served %d requests, benchmark asked for %d", served.Load(), asked)
	}
	if _, ok := res.Extra["p50-ms"]; !ok {
		t.Errorf("no p50 reported: %+v", res.Extra)
	}
}

func TestReportCPUCountsTheWorkDone(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		cpu0 := latency.ProcessCPU()
		for range b.N {
			// Busy for at least 2 ms of CPU an operation.
			for start := latency.ProcessCPU(); latency.ProcessCPU()-start < 2*time.Millisecond; {
			}
		}
		latency.ReportCPU(b, cpu0)
	})
	if got := res.Extra["cpu-ms/op"]; got < 2 || got > 50 {
		t.Errorf("cpu-ms/op = %v, want 2 or a little more", got)
	}
}
