package rollup_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
)

// spanAttack returns n ratings' facts of one unit, two by two for n/2
// officials, one of each pair in year 1 and the other in year 9999: the
// widest span of dates a rating can be given.
func spanAttack(n int) []rollup.Fact {
	facts := make([]rollup.Fact, n)
	for i := range facts {
		d := hailong.DateFromYMD(1, time.January, 1+i%28)
		if i%2 == 1 {
			d = hailong.DateFromYMD(9999, time.December, 1+i%28)
		}
		facts[i] = rollup.Fact{Unit: "TT-1", Date: d, Satisfied: true, Level: 2,
			Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: hailong.ChannelKiosk, Official: fmt.Sprintf("cb-%04d", i/2)}}
	}
	return facts
}

// heapAfter returns the live heap holding r after adding facts, in bytes.
func heapAfter(r *rollup.Rollup, facts []rollup.Fact) (before, after uint64) {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	before = m.HeapAlloc
	r.Add(facts...)
	runtime.GC()
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(r)
	return before, m.HeapAlloc
}

// TestRollupGrowsWithRatingsNotWithTheSpanOfDates: ratings of years 1 and
// 9999 with distinct officials cost what as many ratings of one month do,
// not a sum per month between them (at 24 bytes a month, 200 such ratings
// made 290 MB).
func TestRollupGrowsWithRatingsNotWithTheSpanOfDates(t *testing.T) {
	r := rollup.New()
	before, after := heapAfter(r, spanAttack(200))
	if grown := int64(after) - int64(before); grown > 8<<20 {
		t.Fatalf("200 ratings far apart in time grew the heap by %d MB", grown>>20)
	}
	res := r.Query([]string{"TT-1"}, hailong.DateFromYMD(9999, time.January, 1), hailong.DateFromYMD(9999, time.December, 31), rollup.Filter{Official: "cb-0007"})
	if res.Total.N != 1 {
		t.Errorf("one official in year 9999: %d ratings, want 1", res.Total.N)
	}
}

// BenchmarkDateSpanAttack reports the live heap grown by 800 ratings of
// 400 officials, each with one rating in year 1 and one in year 9999.
//
//	go test -run '^$' -bench DateSpanAttack -benchtime 1x -count 3 ./aggregator/rollup
func BenchmarkDateSpanAttack(b *testing.B) {
	for range b.N {
		r := rollup.New()
		before, after := heapAfter(r, spanAttack(800))
		b.ReportMetric(float64(int64(after)-int64(before))/(1<<20), "heap-MB")
	}
}
