package e2e

import (
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLifecycle measures the real aggregator's start and stop on a
// data directory filled by `aggregator generate` (HAILONG_BENCH_DATA; the
// directory is changed): a clean start to serving, a clean stop after a tail
// of uploads (HAILONG_BENCH_TAIL ratings, default 2,000, one kiosk, batches
// of 200), and the start after that tail's aggregator is killed with
// SIGKILL. It reports seconds; b.N is ignored.
//
//	aggregator generate -ratings 100000 -data /tmp/bench100k
//	HAILONG_BENCH_DATA=/tmp/bench100k go test -run '^$' -bench Lifecycle -benchtime 1x -timeout 2h ./e2e
func BenchmarkLifecycle(b *testing.B) {
	data := os.Getenv("HAILONG_BENCH_DATA")
	if data == "" {
		b.Skip("HAILONG_BENCH_DATA names no generated data directory")
	}
	tail := 2000
	if s := os.Getenv("HAILONG_BENCH_TAIL"); s != "" {
		tail, _ = strconv.Atoi(s)
	}
	t := &testing.T{}
	bin := build(t, "aggregator")
	const unit = "TT-48" // a centre of the synthetic province
	cred := parseCred(t, run(t, bin, "kiosk", "add", "-data", data, "-id", "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36), "-unit", unit))
	addr := freeAddr(t)
	serve := func() (*exec.Cmd, time.Duration) {
		cmd := exec.Command(bin, "serve", "-listen", addr, "-data", data)
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for deadline := t0.Add(30 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd, time.Since(t0)
				}
			}
		}
		cmd.Process.Kill()
		b.Fatal("the aggregator did not start")
		return nil, 0
	}
	stop := func(cmd *exec.Cmd) time.Duration {
		t0 := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil && !strings.Contains(err.Error(), "signal") {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	upload := func() {
		c := kioskClient("http://"+addr, cred)
		for sent := 0; sent < tail; sent += 200 {
			if _, err := c.Sync(context.Background(), syncBatch(cred.Kiosk, unit, min(200, tail-sent), time.Now(), rng)); err != nil {
				b.Fatal(err)
			}
		}
	}

	cmd, first := serve() // after generate, or a run of another version: may rebuild
	b.Logf("first start: %.1f s", first.Seconds())
	stop(cmd)
	cmd, cleanStart := serve()
	upload()
	cleanStop := stop(cmd)
	cmd, _ = serve()
	upload()
	cmd.Process.Kill() // SIGKILL, after the tail was acknowledged
	cmd.Wait()
	cmd, crashStart := serve()
	stop(cmd)
	b.ReportMetric(cleanStart.Seconds(), "clean-start-s")
	b.ReportMetric(cleanStop.Seconds(), "clean-stop-s")
	b.ReportMetric(crashStart.Seconds(), "crash-start-s")
	b.ReportMetric(0, "ns/op")
}
