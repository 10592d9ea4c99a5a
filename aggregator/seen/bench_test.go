package seen_test

import (
	"runtime"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/seen"
)

// BenchmarkRecentLayerHeap reports the live heap the recent layer takes
// per rating it remembers, full at the default size with an index.
func BenchmarkRecentLayerHeap(b *testing.B) {
	const n = 1 << 16
	ids := make([]string, 2*n)
	for i := range ids {
		ids[i] = hailong.NewID()
	}
	var perEntry float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := seen.New(seen.Config{Remember: n})
		for _, id := range ids { // twice round: the oldest are dropped
			m.Remember(id, [32]byte{1}, time.Time{})
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(m)
	}
	b.ReportMetric(perEntry, "heap-B/entry")
}
