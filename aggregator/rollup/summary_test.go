package rollup_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

// summarised keeps the summaries of persisted months, as a checkpoint
// writes them beside the segments, with a loader that counts its reads.
type summarised struct {
	sums  map[rollup.Month]rollup.Summary
	mu    sync.Mutex
	reads map[rollup.Month]int
}

func summarise(p *persisted) *summarised {
	s := &summarised{sums: map[rollup.Month]rollup.Summary{}, reads: map[rollup.Month]int{}}
	for m, days := range p.months {
		s.sums[m] = rollup.Summarise(m, days)
	}
	return s
}

func (s *summarised) load(_ context.Context, m rollup.Month) (rollup.Summary, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads[m]++
	sum, ok := s.sums[m]
	return sum, ok, nil
}

func (s *summarised) read() map[rollup.Month]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.reads)
}

// coarseAnswers is what the queries that read only monthly sums answer.
type coarseAnswers struct {
	All, Kiosk, Sipas rollup.Result
	BreakdownAll      rollup.Result
	Groups, Months    []rollup.Result
}

func coarseAnswer(r *rollup.Rollup, from, to hailong.Date) coarseAnswers {
	units := []string{"A", "B", "C", "D", "E"} // D has no ratings, E only in cold months
	var a coarseAnswers
	a.All = r.Query(units, from, to, rollup.Filter{})
	a.Kiosk = r.Query(units[1:], from, to, rollup.Filter{Channel: hailong.ChannelKiosk})
	a.Sipas = r.Query(units[:1], from, to, rollup.Filter{Questionnaire: "sipas"})
	a.BreakdownAll, a.Groups, a.Months = r.Breakdown(units, []int{0, 1, 0, -1, 2}, from, to, rollup.Filter{})
	return a
}

// TestSummariesAnswerAsIfLoaded: a query over whole cold months with no
// fine filter reads their summaries and loads nothing, and answers as the
// rollup wholly in memory does; every other query loads what it covers, as
// before; a month with a part counted since its checkpoint adds the part
// to its summary; a month without a summary, or with one that does not add
// up, is loaded whole.
func TestSummariesAnswerAsIfLoaded(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	fields := map[string]string{"1.004122": "Hộ tịch", "2.000908": "Đất đai"}
	facts := lazyFacts(rng, 3000)
	for _, f := range lazyFacts(rng, 200) {
		f.Unit, f.Date = "E", hailong.Date(20000+rng.IntN(400)) // a unit of the cold months only
		facts = append(facts, f)
	}
	full := rollup.New()
	full.SetFields(fields)
	full.Add(facts...)
	p := persist(full)
	first := rollup.MonthOf(hailong.Date(20000 + 1100 - 400))
	start := func(s *summarised) *rollup.Rollup {
		p.loads = map[rollup.Month]int{}
		r := p.start(fields, first, p.load)
		r.SetSummaryLoader(s.load)
		return r
	}
	cold := slices.Sorted(maps.Keys(p.months))
	cold = cold[:slices.Index(cold, first)]
	if len(cold) < 14 {
		t.Fatalf("only %d cold months", len(cold))
	}
	// A year of whole cold months, and the same cut by a day at each end.
	yearFrom, yearTo := rollup.MonthStart(cold[1]), rollup.MonthStart(cold[13])-1

	t.Run("whole cold months read summaries", func(t *testing.T) {
		s := summarise(p)
		r := start(s)
		if got, want := coarseAnswer(r, yearFrom, yearTo), coarseAnswer(full, yearFrom, yearTo); !reflect.DeepEqual(got, want) {
			t.Fatalf("a year of cold months read from summaries answers\n%+v\nwant\n%+v", got.All, want.All)
		}
		if loads := p.loaded(); len(loads) != 0 {
			t.Fatalf("queries of whole months loaded months %v", loads)
		}
		reads := s.read()
		if len(reads) != 12 {
			t.Fatalf("summaries of %d months read, want the 12 of the year: %v", len(reads), reads)
		}
		for m, n := range reads {
			if n != 1 {
				t.Fatalf("the summary of %s read %d times, want once", m, n)
			}
		}
		if res := r.Residence(); res.Summaries != 12 || res.SummaryReads != 12 || res.Loads != 0 {
			t.Fatalf("residence %+v: want 12 summaries read and held, no month loaded", res)
		}
	})

	t.Run("cut months and fine filters load", func(t *testing.T) {
		s := summarise(p)
		r := start(s)
		if got, want := coarseAnswer(r, yearFrom+1, yearTo-1), coarseAnswer(full, yearFrom+1, yearTo-1); !reflect.DeepEqual(got, want) {
			t.Fatal("a year cut by a day at each end answers otherwise than the rollup wholly in memory")
		}
		loads := p.loaded()
		if len(loads) != 2 || loads[cold[1]] != 1 || loads[cold[12]] != 1 {
			t.Fatalf("a year cut by a day at each end loaded %v, want its first and last months", loads)
		}
		for i := range 40 {
			from := hailong.Date(19990 + rng.IntN(1120))
			to := from + hailong.Date(rng.IntN(400))
			if got, want := answer(r, from, to), answer(full, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): the answers differ from those of the rollup wholly in memory", i, from, to)
			}
			if got, want := coarseAnswer(r, from, to), coarseAnswer(full, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): the answers differ from those of the rollup wholly in memory", i, from, to)
			}
		}
		if err := r.CheckIndexes(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a part counted since the checkpoint", func(t *testing.T) {
		s := summarise(p)
		r := start(s)
		late := lazyFacts(rng, 30)
		for i := range late {
			late[i].Date = yearFrom + hailong.Date(rng.IntN(int(yearTo-yearFrom)))
		}
		late[0].Unit = "D" // a unit with nothing else
		want := rollup.New()
		want.SetFields(fields)
		want.Add(facts...)
		want.Add(late...)
		r.Add(late...)
		if got, want := coarseAnswer(r, yearFrom, yearTo), coarseAnswer(want, yearFrom, yearTo); !reflect.DeepEqual(got, want) {
			t.Fatal("summaries with late ratings counted beside them answer otherwise than the recomputation")
		}
		if loads := p.loaded(); len(loads) != 0 {
			t.Fatalf("queries of whole months loaded months %v", loads)
		}
		// Loaded whole (a checkpoint of the changed months), the months
		// forget their summaries and still answer the same.
		if err := r.LoadMonths(context.Background(), r.TakeDirty()...); err != nil {
			t.Fatal(err)
		}
		if got, want := coarseAnswer(r, yearFrom, yearTo), coarseAnswer(want, yearFrom, yearTo); !reflect.DeepEqual(got, want) {
			t.Fatal("the late months, loaded, answer otherwise than the recomputation")
		}
	})

	t.Run("months without a usable summary are loaded", func(t *testing.T) {
		s := summarise(p)
		delete(s.sums, cold[2]) // persisted before summaries
		bad := s.sums[cold[3]]
		bad.Units = bad.Units[1:] // does not add up to its segment
		s.sums[cold[3]] = bad
		r := start(s)
		if got, want := coarseAnswer(r, yearFrom, yearTo), coarseAnswer(full, yearFrom, yearTo); !reflect.DeepEqual(got, want) {
			t.Fatal("a year with months lacking a usable summary answers otherwise than the rollup wholly in memory")
		}
		if loads := p.loaded(); !reflect.DeepEqual(loads, map[rollup.Month]int{cold[2]: 1, cold[3]: 1}) {
			t.Fatalf("loaded %v, want the two months without a usable summary, once each", loads)
		}
		coarseAnswer(r, yearFrom, yearTo)
		if reads := s.read(); reads[cold[2]] != 1 || reads[cold[3]] != 1 {
			t.Fatalf("summaries read %v: a month's missing or bad summary is read once", reads)
		}
	})

	t.Run("a summary that cannot be read", func(t *testing.T) {
		s := summarise(p)
		r := start(s)
		r.SetSummaryLoader(func(ctx context.Context, m rollup.Month) (rollup.Summary, bool, error) {
			if m == cold[5] {
				return rollup.Summary{}, false, errors.New("injected: the database is down")
			}
			return s.load(ctx, m)
		})
		if got, want := coarseAnswer(r, yearFrom, yearTo), coarseAnswer(full, yearFrom, yearTo); !reflect.DeepEqual(got, want) {
			t.Fatal("a year with a summary that cannot be read answers otherwise than the rollup wholly in memory")
		}
		if loads := p.loaded(); !reflect.DeepEqual(loads, map[rollup.Month]int{cold[5]: 1}) {
			t.Fatalf("loaded %v, want the month whose summary could not be read", loads)
		}
	})

	t.Run("a budget drops loaded months, and their summaries are read again", func(t *testing.T) {
		s := summarise(p)
		r := start(s)
		r.SetBudget(200)
		for i := range 30 {
			from := hailong.Date(19990 + rng.IntN(1120))
			to := from + hailong.Date(rng.IntN(400))
			if i%2 == 0 {
				from, to = wholeMonthsOf(from, to)
			}
			if got, want := coarseAnswer(r, from, to), coarseAnswer(full, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): under a budget the answers differ from those of the rollup wholly in memory", i, from, to)
			}
			if got, want := answer(r, from, to), answer(full, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): under a budget the answers differ from those of the rollup wholly in memory", i, from, to)
			}
		}
		if res := r.Residence(); res.Drops == 0 || res.SummaryReads <= int64(res.Summaries) {
			t.Fatalf("residence %+v: want months dropped and summaries read again", res)
		}
		// Summaries count against the budget: after a query of every
		// whole cold month, what is held is back within it.
		coarseAnswer(r, rollup.MonthStart(cold[0]), rollup.MonthStart(first)-1)
		if res := r.Residence(); res.Cells+res.SummaryCells > 200 || res.SummaryCells == 0 {
			t.Fatalf("residence %+v: want the cells and the summaries' sums within the budget of 200", res)
		}
	})
}

// wholeMonthsOf widens a period to whole months.
func wholeMonthsOf(from, to hailong.Date) (hailong.Date, hailong.Date) {
	return rollup.MonthStart(rollup.MonthOf(from)), rollup.MonthStart(rollup.MonthOf(to)+1) - 1
}

// TestSummariseSumsTheMonth: a summary holds each unit's sums by
// questionnaire and channel, answers merged, and counts every rating.
func TestSummariseSumsTheMonth(t *testing.T) {
	m := rollup.MonthFrom(2026, 3)
	d := rollup.MonthStart(m)
	cell := func(q string, ch hailong.Channel, proc string, n int64, items ...rollup.Item) rollup.Cell {
		return rollup.Cell{Dims: rollup.Dims{Questionnaire: q, Channel: ch, Procedure: proc}, Tally: rollup.Tally{N: n, Satisfied: n - 1, Items: items}}
	}
	days := []rollup.Day{
		{Unit: "B", Date: d, Cells: []rollup.Cell{cell("sipas", "qr", "1.1", 2, rollup.Item{Q: "a", N: 2, Sum: 3})}},
		{Unit: "B", Date: d + 4, Cells: []rollup.Cell{cell("sipas", "qr", "1.2", 3, rollup.Item{Q: "a", N: 1, Sum: 1}, rollup.Item{Q: "b", N: 1}),
			cell("counter-quick", "kiosk", "1.2", 1)}},
		{Unit: "A", Date: d + 9, Cells: []rollup.Cell{cell("sipas", "qr", "", 1)}},
	}
	got := rollup.Summarise(m, days)
	want := rollup.Summary{Month: m, Units: []rollup.UnitSums{
		{Unit: "A", Cells: []rollup.Cell{cell("sipas", "qr", "", 1)}},
		{Unit: "B", Cells: []rollup.Cell{cell("counter-quick", "kiosk", "", 1),
			{Dims: rollup.Dims{Questionnaire: "sipas", Channel: "qr"}, Tally: rollup.Tally{N: 5, Satisfied: 3,
				Items: []rollup.Item{{Q: "a", N: 3, Sum: 4}, {Q: "b", N: 1}}}}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("summary\n%+v\nwant\n%+v", got, want)
	}
	if got.Ratings() != 7 {
		t.Fatalf("the summary counts %d ratings, want 7", got.Ratings())
	}
}

// TestSummariesOfMonthsInMemory: the summaries made from the monthly sums
// equal those made from each month's days, as a checkpoint makes them.
func TestSummariesOfMonthsInMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	r := rollup.New()
	r.Add(lazyFacts(rng, 2000)...)
	r.AddTally("A", hailong.Date(20010), rollup.Dims{Procedure: "1.004122"}, rollup.Tally{Out: &rollup.Outcomes{Dossiers: 2, Bad: 1}})
	got := r.Summaries()
	var want []rollup.Summary
	for _, m := range r.Months() {
		want = append(want, rollup.Summarise(m, r.DaysOf(m)))
	}
	if len(got) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d summaries from the monthly sums differ from the %d made from the days", len(got), len(want))
	}
}

// TestSummable: only periods of whole months, with no fine filter, are
// answered from summaries.
func TestSummable(t *testing.T) {
	d := hailong.DateFromYMD
	tests := []struct {
		name     string
		from, to hailong.Date
		f        rollup.Filter
		want     bool
	}{
		{"a whole month", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{}, true},
		{"December to January", d(2025, 12, 1), d(2026, 1, 31), rollup.Filter{}, true},
		{"a leap February", d(2024, 2, 1), d(2024, 2, 29), rollup.Filter{}, true},
		{"February cut on the 28th of a leap year", d(2024, 2, 1), d(2024, 2, 28), rollup.Filter{}, false},
		{"the last day of a month alone", d(2026, 3, 31), d(2026, 3, 31), rollup.Filter{}, false},
		{"cut at the start", d(2026, 3, 2), d(2026, 4, 30), rollup.Filter{}, false},
		{"backwards", d(2026, 4, 1), d(2026, 3, 31), rollup.Filter{}, false},
		{"a channel and a questionnaire", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{Channel: hailong.ChannelQR, Questionnaire: "sipas"}, true},
		{"a procedure", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{Procedure: "1.004122"}, false},
		{"a field", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{Field: "Hộ tịch"}, false},
		{"an official", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{Official: "cb-1"}, false},
		{"a counter", d(2026, 3, 1), d(2026, 3, 31), rollup.Filter{Counter: "Q1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rollup.Summable(tt.from, tt.to, tt.f); got != tt.want {
				t.Fatalf("Summable(%s, %s, %+v) = %v, want %v", tt.from, tt.to, tt.f, got, tt.want)
			}
		})
	}
}
