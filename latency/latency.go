// Package latency records how long the operations of a benchmark take and
// reports their percentiles, the figures docs/BENCHMARKS.md quotes.
package latency

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Recorder collects operation durations.
type Recorder struct {
	d []time.Duration
}

// New returns a recorder with room for n operations.
func New(n int) *Recorder { return &Recorder{d: make([]time.Duration, 0, n)} }

// Since records an operation that started at t0.
func (r *Recorder) Since(t0 time.Time) { r.d = append(r.d, time.Since(t0)) }

// Report reports each percentile (50 for the median) of the recorded
// durations in milliseconds, as "p<N>-ms".
func (r *Recorder) Report(b *testing.B, percentiles ...int) {
	b.Helper()
	if len(r.d) == 0 {
		b.Fatal("no operation was recorded")
	}
	d := slices.Sorted(slices.Values(r.d))
	for _, p := range percentiles {
		b.ReportMetric(float64(d[len(d)*p/100].Microseconds())/1000, fmt.Sprintf("p%d-ms", p))
	}
}

// Gets sends b.N GET requests to url one after another and records each
// until its body is read; any answer but 200 fails the benchmark.
func Gets(b *testing.B, client *http.Client, url string) *Recorder {
	b.Helper()
	r := New(b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r.Since(t0)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: status %d", url, resp.StatusCode)
		}
	}
	return r
}

// Authorized returns a client that sends every request with the given
// Authorization header, for timing routes behind a credential.
func Authorized(authorization string) *http.Client {
	return &http.Client{Transport: authorized(authorization)}
}

type authorized string

func (a authorized) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", string(a))
	return http.DefaultTransport.RoundTrip(req)
}

// ProcessCPU returns the CPU time, user and system, the process has used
// so far. The difference over a benchmark's loop divided by its
// operations is what each costs in CPU, which, unlike wall time, does not
// grow while other work waits for the same cores (cache and memory
// contention aside); parallel work adds up.
func ProcessCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// ReportCPU reports the process's CPU time since cpu0 (from ProcessCPU)
// divided by the b.N operations, as "cpu-ms/op".
func ReportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((ProcessCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
