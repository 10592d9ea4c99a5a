package rollup_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

// BenchmarkGroupBy groups a province's quarter by each dimension: 300
// centres, two years, 2,000 procedures in 20 fields, 3,000 officials,
// five counters; HAILONG_BENCH_RATINGS ratings (1,000,000 by default).
//
//	go test -run '^$' -bench GroupBy ./aggregator/rollup
func BenchmarkGroupBy(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HAILONG_BENCH_RATINGS")); err == nil && v > 0 {
		n = v
	}
	r := rollup.New()
	fields := map[string]string{}
	for p := range 2000 {
		fields[fmt.Sprintf("1.%06d", p)] = fmt.Sprintf("Lĩnh vực %d", p%20)
	}
	r.SetFields(fields)
	var units []string
	for u := range 300 {
		units = append(units, fmt.Sprintf("TT-%03d", u))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	start := hailong.DateFromYMD(2024, 7, 1)
	for range n {
		u := rng.IntN(len(units))
		f := rollup.Fact{Unit: units[u], Date: start + hailong.Date(rng.IntN(730)), Satisfied: rng.IntN(10) < 8, Level: rng.IntN(3),
			Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk", Procedure: fmt.Sprintf("1.%06d", rng.IntN(2000)),
				Official: fmt.Sprintf("cb-%04d", (u*19+rng.IntN(19))%3000), Counter: fmt.Sprintf("Q%d", rng.IntN(5))},
			Items: []rollup.Item{{Q: "agencies", N: 1, Sum: 1}, {Q: "attitude", N: 1, Sum: 2}, {Q: "contacts", N: 1, Sum: 1}, {Q: "result_time", N: 1, Sum: 2}}}
		r.Add(f)
	}
	from, to := hailong.DateFromYMD(2026, 1, 1), hailong.DateFromYMD(2026, 3, 31)
	for _, by := range []rollup.Dimension{rollup.ByProcedure, rollup.ByField, rollup.ByOfficial, rollup.ByCounter, rollup.ByChannel} {
		b.Run(string(rune(by)), func(b *testing.B) {
			for b.Loop() {
				r.GroupBy(units, from, to, rollup.Filter{}, by)
			}
		})
	}
}
