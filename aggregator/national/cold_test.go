package national_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"hailong"
	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
)

// TestCollectServesColdMonths: a provincial aggregator keeps only its
// recent months in memory; the months it serves the national one are the
// same as from a rollup wholly in memory, the old ones loaded for the
// answer; and a month that cannot be loaded fails the answer rather than
// go out as a part (the national aggregator then keeps its last pull).
func TestCollectServesColdMonths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	full := rollup.New()
	for range 2000 {
		full.Add(rollup.Fact{Unit: []string{"TT-48", "TT-79"}[rng.IntN(2)], Date: hailong.DateFromYMD(2024, 1, 1) + hailong.Date(rng.IntN(700)),
			Satisfied: rng.IntN(4) != 0, Level: rng.IntN(5), Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelKiosk}})
	}
	months := full.Months()
	recent := months[len(months)-6]
	saved := map[rollup.Month][]rollup.Day{}
	for _, m := range months {
		saved[m] = full.DaysOf(m)
	}
	// start makes the rollup as a provincial aggregator's start does: the
	// last six months loaded, the others cold, read through load.
	start := func(load rollup.Loader) *rollup.Rollup {
		r := rollup.New()
		r.SetLoader(load)
		cold := map[rollup.Month]int64{}
		for m, days := range saved {
			if m >= recent {
				r.Load(days...)
				continue
			}
			for _, d := range days {
				for _, c := range d.Cells {
					cold[m] += c.N
				}
			}
		}
		r.SetCold(cold)
		return r
	}
	q := national.Request{Scope: "48", To: rollup.MonthFrom(9999, 12), Keep: func(string) bool { return true }}
	want, err := national.Collect(context.Background(), national.Rollups{Ratings: full}, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("old months loaded for the answer", func(t *testing.T) {
		r := start(func(_ context.Context, m rollup.Month) ([]rollup.Day, error) { return saved[m], nil })
		got, err := national.Collect(context.Background(), national.Rollups{Ratings: r}, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Months) != len(want.Months) {
			t.Fatalf("%d months served, want %d", len(got.Months), len(want.Months))
		}
		for i := range want.Months {
			if !reflect.DeepEqual(got.Months[i], want.Months[i]) {
				t.Errorf("month %s differs from the rollup wholly in memory", want.Months[i].Month)
			}
		}
	})
	t.Run("a month that cannot be loaded fails the answer", func(t *testing.T) {
		r := start(func(context.Context, rollup.Month) ([]rollup.Day, error) { return nil, errors.New("disk gone") })
		if got, err := national.Collect(context.Background(), national.Rollups{Ratings: r}, q, nil); err == nil {
			t.Fatalf("served %d months with the old ones unreadable", len(got.Months))
		}
	})
}
