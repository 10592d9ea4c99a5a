package rollup_test

import (
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
)

func TestMonthsAndGenerations(t *testing.T) {
	r := rollup.New()
	oct, nov := hailong.DateFromYMD(2026, time.October, 3), hailong.DateFromYMD(2026, time.November, 5)
	f := func(d hailong.Date) rollup.Fact {
		return rollup.Fact{Unit: "TT-1", Date: d, Dims: rollup.Dims{Questionnaire: "q", Channel: hailong.ChannelKiosk}}
	}
	r.Add(f(oct))
	octGen := r.Generation(rollup.MonthOf(oct))
	r.Add(f(nov), f(nov))
	if got, want := r.Months(), []rollup.Month{rollup.MonthOf(oct), rollup.MonthOf(nov)}; !slices.Equal(got, want) {
		t.Errorf("months %v, want %v", got, want)
	}
	if g := r.Generation(rollup.MonthOf(oct)); g != octGen || g == 0 {
		t.Errorf("October's generation moved to %d (was %d) with ratings of November only", g, octGen)
	}
	novGen := r.Generation(rollup.MonthOf(nov))
	r.AddTally("TT-1", nov, rollup.Dims{Questionnaire: "q"}, rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1}})
	if r.Generation(rollup.MonthOf(nov)) == novGen {
		t.Error("an outcome in November did not move its generation")
	}
	if y, m := rollup.MonthOf(nov).YearMonth(); y != 2026 || m != 11 || rollup.MonthFrom(y, m) != rollup.MonthOf(nov) {
		t.Errorf("YearMonth %d-%d", y, m)
	}
}
