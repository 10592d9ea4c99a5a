package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

// TestKeptMonthGroupsFollowChanges: the groups of whole months kept
// between queries never answer for a month that changed since. Each case
// asks every kind of query over periods of whole and cut months (the
// groups kept), changes the rollup, and asks again: the answers must be
// those of the same rollup keeping no groups.
func TestKeptMonthGroupsFollowChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	fields := map[string]string{"1.004122": "Hộ tịch", "2.000908": "Đất đai"}
	facts := lazyFacts(rng, 3000)
	full := rollup.New()
	full.SetFields(fields)
	full.Add(facts...)
	p := persist(full)
	months := full.Months()
	old := months[len(months)/3] // cold at the start, loaded by the first query
	first := months[len(months)/2]
	periods := [][2]hailong.Date{
		{rollup.MonthStart(old), rollup.MonthStart(old+4) - 1},     // whole months
		{rollup.MonthStart(old) + 3, rollup.MonthStart(old+5) + 9}, // cut months at both ends
		{rollup.MonthStart(first), rollup.MonthStart(months[len(months)-1]+1) - 1},
	}
	fact := func(m rollup.Month) rollup.Fact {
		f := lazyFacts(rng, 1)[0]
		f.Date = rollup.MonthStart(m) + hailong.Date(rng.IntN(28))
		return f
	}
	for _, tt := range []struct {
		name   string
		change func(r *rollup.Rollup, failLoads *atomic.Bool)
	}{
		{"nothing changed", func(*rollup.Rollup, *atomic.Bool) {}},
		{"ratings added to a kept month", func(r *rollup.Rollup, _ *atomic.Bool) { r.Add(fact(old+1), fact(old+2), fact(first)) }},
		{"an outcome reported and taken back", func(r *rollup.Rollup, _ *atomic.Bool) {
			d := rollup.Dims{Procedure: "1.004122", Official: "cb-1"}
			at := rollup.MonthStart(old+1) + 5
			r.AddTally("A", at, d, rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1, Bad: 1}})
			r.AddTally("B", at, d, rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1}})
			r.AddTally("B", at, d, rollup.Tally{Out: &rollup.Outcomes{Dossiers: -1}})
		}},
		{"the fields of procedures told again", func(r *rollup.Rollup, _ *atomic.Bool) {
			r.SetFields(map[string]string{"1.004122": "Đất đai", "2.000908": "Tư pháp"})
		}},
		{"months dropped and not loaded again", func(r *rollup.Rollup, failLoads *atomic.Bool) {
			r.SetBudget(1)
			r.Query([]string{"A"}, rollup.MonthStart(months[0]), rollup.MonthStart(months[0]+1)-1, rollup.Filter{}) // loads a month, then drops
			failLoads.Store(true)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var failLoads atomic.Bool
			r := p.start(fields, first, func(ctx context.Context, m rollup.Month) ([]rollup.Day, error) {
				if failLoads.Load() {
					return nil, errors.New("the database is gone")
				}
				return p.load(ctx, m)
			})
			for _, pd := range periods {
				answer(r, pd[0], pd[1])
			}
			r.WaitKept()
			if hits, misses, _ := r.MonthGroupStats(); misses == 0 {
				t.Fatalf("no month grouped and kept (%d found kept)", hits)
			}
			tt.change(r, &failLoads)
			var got []answers
			for _, pd := range periods {
				got = append(got, answer(r, pd[0], pd[1]))
			}
			r.SetMonthGroupBytes(0)
			for i, pd := range periods {
				if want := answer(r, pd[0], pd[1]); !reflect.DeepEqual(got[i], want) {
					t.Errorf("%s to %s: the answers with kept groups differ from those without", pd[0], pd[1])
				}
			}
		})
	}
}

// TestKeptMonthGroupsSkipEmptyMonths: a long period (a custom period may
// span twenty years) groups and keeps only the months holding data; the
// months holding none are neither grouped one by one nor kept, and the
// answers are those of the same rollup keeping no groups.
func TestKeptMonthGroupsSkipEmptyMonths(t *testing.T) {
	jan := hailong.DateFromYMD(2025, 1, 1)
	facts := []rollup.Fact{
		{Unit: "A", Date: jan + 3, Satisfied: true, Level: 4, Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelKiosk, Procedure: "1.004122", Official: "cb-1"}},
		{Unit: "B", Date: jan + 40, Level: 1, Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelQR, Procedure: "2.000908", Official: "cb-2"}},
	}
	by := []rollup.Dimension{rollup.ByProcedure, rollup.ByOfficial}
	for _, tt := range []struct {
		name     string
		from, to hailong.Date
		grouped  int64 // months grouped and kept
	}{
		{"twenty years", hailong.DateFromYMD(2015, 1, 1), hailong.DateFromYMD(2034, 12, 31), 2},
		{"a year with one month of data", hailong.DateFromYMD(2025, 2, 1), hailong.DateFromYMD(2026, 1, 31), 1},
		{"years with no data", hailong.DateFromYMD(2015, 1, 1), hailong.DateFromYMD(2019, 12, 31), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, none := rollup.New(), rollup.New()
			none.SetMonthGroupBytes(0)
			for _, roll := range []*rollup.Rollup{r, none} {
				roll.Add(facts...)
			}
			units := []string{"A", "B", "C"}
			got := r.Groups(units, tt.from, tt.to, rollup.Filter{}, by, true)
			if want := none.Groups(units, tt.from, tt.to, rollup.Filter{}, by, true); !reflect.DeepEqual(got, want) {
				t.Errorf("Groups = %v, want %v", got, want)
			}
			if _, misses, _ := r.MonthGroupStats(); misses != tt.grouped {
				t.Errorf("%d months grouped, want %d: those holding data", misses, tt.grouped)
			}
		})
	}
}

// TestKeptMonthGroupsKeyedByUnits: the groups kept for some units never
// answer for other units whose names, put together, read the same.
func TestKeptMonthGroupsKeyedByUnits(t *testing.T) {
	jan := hailong.DateFromYMD(2025, 1, 1)
	fact := func(unit string) rollup.Fact {
		return rollup.Fact{Unit: unit, Date: jan + 3, Satisfied: true, Level: 4,
			Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelKiosk, Procedure: "1.004122", Official: "cb-" + unit}}
	}
	for _, tt := range []struct {
		name        string
		facts       []rollup.Fact
		first, then []string
	}{
		{"a unit whose name holds NUL after the two it joins", []rollup.Fact{fact("A"), fact("B")}, []string{"A", "B"}, []string{"A\x00B"}},
		{"the two units after the one whose name joins them", []rollup.Fact{fact("A\x00B")}, []string{"A\x00B"}, []string{"A", "B"}},
		{"no units after the unit with no name", []rollup.Fact{fact("")}, []string{""}, nil},
		{"the unit with no name after no units", []rollup.Fact{fact("")}, nil, []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, none := rollup.New(), rollup.New()
			none.SetMonthGroupBytes(0)
			for _, roll := range []*rollup.Rollup{r, none} {
				roll.Add(tt.facts...)
			}
			from, to := jan, hailong.DateFromYMD(2025, 1, 31)
			by := []rollup.Dimension{rollup.ByOfficial}
			r.Groups(tt.first, from, to, rollup.Filter{}, by, false)
			got := r.Groups(tt.then, from, to, rollup.Filter{}, by, false)
			if want := none.Groups(tt.then, from, to, rollup.Filter{}, by, false); !reflect.DeepEqual(got, want) {
				t.Errorf("Groups(%q) after Groups(%q) = %v, want %v", tt.then, tt.first, got, want)
			}
		})
	}
}

// TestKeptMonthGroupsBytes: the bytes the kept groups are counted as are
// about the memory they hold, for the few large groupings of a province's
// pages as for the many small ones of its units' pages, so that the bound
// holds.
func TestKeptMonthGroupsBytes(t *testing.T) {
	jan := hailong.DateFromYMD(2025, 1, 1)
	for _, tt := range []struct {
		name            string
		units, perQuery int // units, and units a query groups
		perMonth        int // ratings of each unit in each month
	}{
		{"a page for each unit", 2000, 1, 1},
		{"the province's page", 300, 300, 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rollup.New()
			r.NoFillDelay()
			r.SetMonthGroupBytes(1 << 40)
			units := make([]string, tt.units)
			for u := range units {
				units[u] = fmt.Sprintf("unit-%05d", u)
				for m := range 6 {
					for i := range tt.perMonth {
						r.Add(rollup.Fact{Unit: units[u], Date: rollup.MonthStart(rollup.MonthOf(jan)+rollup.Month(m)) + hailong.Date(i%28), Satisfied: i%3 != 0, Level: i % 5,
							Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelKiosk, Procedure: fmt.Sprint("p-", (u*7+i)%1500), Official: fmt.Sprint("cb-", (u*3+i)%900)}})
					}
				}
			}
			from, to := jan, rollup.MonthStart(rollup.MonthOf(jan)+6)-1
			by := []rollup.Dimension{rollup.ByProcedure, rollup.ByOfficial}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for u := 0; u < tt.units; u += tt.perQuery {
				r.GroupSums(units[u:u+tt.perQuery], from, to, rollup.Filter{}, by)
				r.WaitKept()
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			_, _, counted := r.MonthGroupStats()
			held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			if held > counted*5/4 {
				t.Errorf("the kept groups hold %d bytes, counted as %d", held, counted)
			}
		})
	}
}

// TestKeptMonthGroupsOutliveDrops: a month dropped for the budget leaves
// the other months as they were: their kept groups still answer (each
// unit holding the dropped month is made again from its other days, which
// changes none of them), and the answers are those of the same rollup
// keeping no groups.
func TestKeptMonthGroupsOutliveDrops(t *testing.T) {
	old, recent := rollup.MonthFrom(2023, 1), rollup.MonthFrom(2025, 1)
	full := rollup.New()
	for i := range 1800 { // a cell each: 600 in the two old months, 600 in the recent year
		m := recent + rollup.Month(i%12)
		if i < 1200 {
			m = old + rollup.Month(i/600)
		}
		full.Add(rollup.Fact{Unit: []string{"A", "B", "C"}[i%3], Date: rollup.MonthStart(m) + hailong.Date(i%28), Satisfied: i%4 != 0, Level: i % 5,
			Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelKiosk, Procedure: fmt.Sprint("p-", i%7), Official: fmt.Sprint("cb-", i)}})
	}
	p := persist(full)
	r := p.start(nil, recent, p.load)
	r.SetBudget(1799) // the recent year and one old month; a drop leaves three quarters
	units := []string{"A", "B", "C"}
	year := [2]hailong.Date{rollup.MonthStart(recent), rollup.MonthStart(recent+12) - 1}
	by := []rollup.Dimension{rollup.ByProcedure, rollup.ByOfficial}
	r.Query(units, rollup.MonthStart(old), rollup.MonthStart(old+1)-1, rollup.Filter{}) // loads the first old month
	r.GroupSums(units, year[0], year[1], rollup.Filter{}, by)                           // keeps the year's months
	r.WaitKept()
	r.Query(units, rollup.MonthStart(old+1), rollup.MonthStart(old+2)-1, rollup.Filter{}) // loads the second, dropping the first
	if res := r.Residence(); res.Drops != 1 {
		t.Fatalf("%d months dropped, want 1", res.Drops)
	}
	hits, misses, _ := r.MonthGroupStats()
	got := r.Groups(units, year[0], year[1], rollup.Filter{}, by, false)
	if h, m, _ := r.MonthGroupStats(); h-hits != 12 || m != misses {
		t.Errorf("after a drop, %d months found kept and %d grouped anew, want 12 and 0", h-hits, m-misses)
	}
	r.SetMonthGroupBytes(0)
	if want := r.Groups(units, year[0], year[1], rollup.Filter{}, by, false); !reflect.DeepEqual(got, want) {
		t.Errorf("the answers with kept groups differ from those without")
	}
}
