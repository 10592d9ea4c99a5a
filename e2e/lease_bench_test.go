package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong/aggregator/ferret"
)

// BenchmarkStandbyTakeover measures how long a province is without an
// aggregator when its owner dies: a synthetic province of
// HAILONG_BENCH_TAKEOVER_RATINGS ratings (100,000 by default) on one
// database, an owner and a standby with the default lease (TTL 15 s, skew
// 2 s); the owner is killed with SIGKILL, and the standby's lease and its
// readiness are timed from the kill. The standby's start is a crash start.
//
//	HAILONG_BENCH_TAKEOVER_RATINGS=300000 go test -run '^$' -bench StandbyTakeover -benchtime 1x ./e2e
func BenchmarkStandbyTakeover(b *testing.B) {
	n := 100_000
	if s := os.Getenv("HAILONG_BENCH_TAKEOVER_RATINGS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	t := &testing.T{} // the child helpers take a *testing.T
	bin := build(t, "aggregator")
	for range b.N {
		emb, err := ferret.Start(b.Context(), b.TempDir(), quiet)
		if err != nil {
			b.Fatal(err)
		}
		run(t, bin, "generate", "-mongo-uri", emb.URI(), "-ratings", strconv.Itoa(n))
		serve := func() *child {
			addr := freeAddr(t)
			return startChild(t, bin, addr, "serve", "-listen", addr, "-mongo-uri", emb.URI(), "-lease")
		}
		owner := serve()
		waitUntil(b, 30*time.Minute, func() bool { return ready(owner.url) })
		standby := serve()
		owner.kill()
		killed := time.Now()
		waitUntil(b, 30*time.Minute, func() bool { return strings.Contains(standby.stderr.String(), "lease taken") })
		leased := time.Since(killed)
		waitUntil(b, 30*time.Minute, func() bool { return ready(standby.url) })
		serving := time.Since(killed)
		b.ReportMetric(leased.Seconds(), "lease-s")
		b.ReportMetric(serving.Seconds(), "serving-s")
		standby.kill()
		emb.Close()
	}
}

// waitUntil polls cond every 100 ms, failing the benchmark after limit.
func waitUntil(b *testing.B, limit time.Duration, cond func() bool) {
	b.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	b.Fatal("timed out")
}
