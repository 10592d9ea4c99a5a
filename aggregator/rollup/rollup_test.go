package rollup_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

// TestQueryMatchesBruteForce checks every query against a sum over the raw
// facts: totals, channels, each questionnaire's levels and answers to
// questions, and outcomes, for random periods (whole and cut months),
// units and filters; with fields told halfway through the facts; and again
// after the rollup is persisted and loaded back.
func TestQueryMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	units := []string{"A", "B", "C", "D"}
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	type outcome struct {
		unit string
		date hailong.Date
		dims rollup.Dims
		out  rollup.Outcomes
	}
	var facts []rollup.Fact
	var outs []outcome
	r := rollup.New()
	fields := map[string]string{"1.004122": "Hộ tịch", "2.000908": "Hộ tịch", "3.000100": "Đất đai"}
	for i := 0; i < 5000; i++ {
		if i == 2500 { // half the facts come before the rollup knows the fields
			r.SetFields(fields)
		}
		f := rollup.Fact{Unit: pick(units...), Date: hailong.Date(20000 + rng.IntN(400)), Satisfied: rng.IntN(4) != 0, Level: rng.IntN(5),
			Dims: rollup.Dims{Questionnaire: pick("counter-quick", "sipas"), Channel: hailong.Channel(pick("kiosk", "qr")),
				Procedure: pick("", "1.004122", "2.000908", "3.000100"), Official: pick("", "cb-1", "cb-2"), Counter: pick("", "Q1", "Q2")}}
		// Answers to a random subset of questions, so cells gain
		// questions after they are made.
		for _, q := range []string{"a", "b", "c"} {
			if rng.IntN(2) == 0 {
				f.Items = append(f.Items, rollup.Item{Q: q, N: 1, Satisfied: int64(rng.IntN(2)), Sum: int64(rng.IntN(3))})
			}
		}
		facts = append(facts, f)
		r.Add(f)
		if rng.IntN(10) == 0 {
			// Every field of a dossier's tally, so that a sum that drops one
			// differs from the brute force's.
			o := outcome{unit: f.Unit, date: f.Date, dims: rollup.Dims{Procedure: f.Procedure, Official: f.Official},
				out: rollup.Outcomes{Dossiers: 1, Bad: int64(rng.IntN(2)), Overdue: int64(rng.IntN(2)), Complained: int64(rng.IntN(2)),
					Index1Sum: int64(rng.IntN(3))}}
			for i := range o.out.IndexSum {
				if rng.IntN(4) > 0 {
					o.out.IndexSum[i], o.out.IndexN[i] = int64(rng.IntN(3)), 1
				}
			}
			outs = append(outs, o)
			r.AddTally(o.unit, o.date, o.dims, rollup.Tally{Out: &o.out})
		}
		if len(outs) > 0 && rng.IntN(40) == 0 {
			// A dossier reported again: its tally taken back, as the
			// outcome book does, by a negative one.
			i := rng.IntN(len(outs))
			o := outs[i]
			neg := o.out.Negated()
			r.AddTally(o.unit, o.date, o.dims, rollup.Tally{Out: &neg})
			outs = slices.Delete(outs, i, i+1)
		}
	}
	loaded := rollup.New()
	loaded.SetFields(fields)
	loaded.Load(slices.Collect(r.Days())...)
	// A rollup counts its ratings and, in outcome cells, its dossiers.
	if want := int64(len(facts) + len(outs)); loaded.Ratings() != r.Ratings() || r.Ratings() != want {
		t.Fatalf("ratings and dossiers: %d, loaded %d, want %d", r.Ratings(), loaded.Ratings(), want)
	}
	for i := 0; i < 400; i++ {
		from := hailong.Date(20000 + rng.IntN(400))
		to := from + hailong.Date(rng.IntN(200))
		if rng.IntN(40) == 0 {
			from, to = to, from-1 // a reversed period counts nothing
		}
		n := 1 + rng.IntN(len(units))
		us := append(units[:n:n], "never-seen")
		f := rollup.Filter{}
		if rng.IntN(2) == 0 {
			f.Channel = hailong.Channel(pick("kiosk", "qr"))
		}
		if rng.IntN(3) == 0 {
			f.Official = pick("cb-1", "cb-2")
		}
		if rng.IntN(3) == 0 {
			f.Questionnaire = "sipas"
		}
		if rng.IntN(5) == 0 {
			f.Procedure = "1.004122"
		}
		if rng.IntN(4) == 0 {
			f.Counter = pick("Q1", "Q2")
		}
		if rng.IntN(4) == 0 {
			f.Field = pick("Hộ tịch", "Đất đai")
		}
		if rng.IntN(50) == 0 {
			f.Official = "cb-never-seen"
		}
		in := func(unit string, d hailong.Date, x rollup.Dims) bool {
			ok := false
			for _, u := range us {
				ok = ok || u == unit
			}
			return ok && d >= from && d <= to &&
				(f.Channel == "" || f.Channel == x.Channel) && (f.Official == "" || f.Official == x.Official) &&
				(f.Questionnaire == "" || f.Questionnaire == x.Questionnaire) &&
				(f.Procedure == "" || f.Procedure == x.Procedure) && (f.Counter == "" || f.Counter == x.Counter) &&
				(f.Field == "" || f.Field == fields[x.Procedure])
		}
		var want rollup.Tally
		byQ := map[string]*rollup.Tally{}
		for _, x := range facts {
			if !in(x.Unit, x.Date, x.Dims) {
				continue
			}
			want.N++
			q := byQ[x.Questionnaire]
			if q == nil {
				q = &rollup.Tally{}
				byQ[x.Questionnaire] = q
			}
			tt := rollup.Tally{N: 1, Items: x.Items}
			tt.Levels[x.Level] = 1
			if x.Satisfied {
				want.Satisfied++
				tt.Satisfied = 1
			}
			q.Add(tt)
		}
		var wantOut rollup.Outcomes
		for _, o := range outs {
			if in(o.unit, o.date, o.dims) {
				wantOut.Add(&o.out)
			}
		}
		for name, roll := range map[string]*rollup.Rollup{"maintained": r, "loaded": loaded} {
			got := roll.Query(us, from, to, f)
			if got.Total.N != want.N || got.Total.Satisfied != want.Satisfied {
				t.Fatalf("%s: query %v %v..%v %+v = %+v, want %+v", name, us, from, to, f, got.Total, want)
			}
			if sum := got.ByChannel["kiosk"].N + got.ByChannel["qr"].N; sum != want.N {
				t.Fatalf("%s: channels add up to %d, want %d", name, sum, want.N)
			}
			if len(got.ByQuestionnaire) != len(byQ) {
				t.Fatalf("%s: %d questionnaires, want %d", name, len(got.ByQuestionnaire), len(byQ))
			}
			for q, w := range byQ {
				if g := got.ByQuestionnaire[q]; !reflect.DeepEqual(g, *w) {
					t.Fatalf("%s: query %v %v..%v %+v, questionnaire %s = %+v, want %+v", name, us, from, to, f, q, g, *w)
				}
			}
			if got.Outcomes != wantOut {
				t.Fatalf("%s: outcomes %+v, want %+v", name, got.Outcomes, wantOut)
			}
			checkBreakdown(t, roll, us, from, to, f, got)
		}
	}
}

// checkBreakdown checks that a breakdown answers as the queries it stands
// for: the whole, each group of units, each month cut to the period.
func checkBreakdown(t *testing.T, r *rollup.Rollup, units []string, from, to hailong.Date, f rollup.Filter, whole rollup.Result) {
	t.Helper()
	group := make([]int, len(units))
	var members [2][]string
	for i, u := range units { // the first unit in no group, then alternately
		group[i] = -1
		if i > 0 {
			group[i] = (i - 1) % 2
			members[group[i]] = append(members[group[i]], u)
		}
	}
	all, groups, months := r.Breakdown(units, group, from, to, f)
	if !reflect.DeepEqual(all, whole) {
		t.Fatalf("breakdown %v %v..%v %+v: whole %+v, want %+v", units, from, to, f, all, whole)
	}
	for g, us := range members {
		if len(us) == 0 {
			continue
		}
		if len(groups) <= g {
			t.Fatalf("breakdown %v: %d groups, want %d", units, len(groups), g+1)
		}
		if want := r.Query(us, from, to, f); !reflect.DeepEqual(groups[g], want) {
			t.Fatalf("breakdown %v %v..%v %+v: group %v = %+v, want %+v", units, from, to, f, us, groups[g], want)
		}
	}
	i := 0
	for start := from; start <= to; i++ {
		y, m := start.YearMonth()
		next := hailong.DateFromYMD(y, m+1, 1)
		if i >= len(months) {
			t.Fatalf("breakdown %v..%v: %d months", from, to, len(months))
		}
		if want := r.Query(units, start, min(next-1, to), f); !reflect.DeepEqual(months[i], want) {
			t.Fatalf("breakdown %v %v..%v %+v: month %d = %+v, want %+v", units, from, to, f, i, months[i], want)
		}
		start = next
	}
	if i != len(months) {
		t.Fatalf("breakdown %v..%v: %d months, want %d", from, to, len(months), i)
	}
}

func TestPersistedDaysLoadBack(t *testing.T) {
	r := rollup.New()
	f := rollup.Fact{Unit: "A", Date: 1, Dims: rollup.Dims{Questionnaire: "q", Channel: "kiosk"}, Satisfied: true, Level: 2,
		Items: []rollup.Item{{Q: "x", N: 1, Satisfied: 1}}}
	r.Add(f, f)
	days := slices.Collect(r.Days())
	if len(days) != 1 || days[0].Cells[0].N != 2 || days[0].Cells[0].Levels[2] != 2 || days[0].Cells[0].Items[0].N != 2 {
		t.Fatalf("days = %+v", days)
	}
	loaded := rollup.New()
	loaded.Load(days...)
	if loaded.Ratings() != 2 {
		t.Fatalf("loaded %d ratings", loaded.Ratings())
	}
	got := loaded.Query([]string{"A"}, 0, 10, rollup.Filter{}).ByQuestionnaire["q"]
	if got.N != 2 || got.Levels[2] != 2 || len(got.Items) != 1 || got.Items[0].Satisfied != 2 {
		t.Fatalf("query after load = %+v", got)
	}
}

// TestFieldsToldAgain moves a procedure to another field and takes one out
// of every field: queries by field follow the latest catalogue, for whole
// months (monthly sums) and cut ones (cells).
func TestFieldsToldAgain(t *testing.T) {
	r := rollup.New()
	r.SetFields(map[string]string{"p1": "A", "p2": "A", "p3": "B"})
	start := hailong.DateFromYMD(2026, 1, 1)
	for i, p := range []string{"p1", "p2", "p2", "p3", "p3", "p3"} {
		r.Add(rollup.Fact{Unit: "U", Date: start + hailong.Date(i), Satisfied: true,
			Dims: rollup.Dims{Questionnaire: "q", Channel: "kiosk", Procedure: p}})
	}
	count := func(field string, from, to hailong.Date) int64 {
		return r.Query([]string{"U"}, from, to, rollup.Filter{Field: field}).Total.N
	}
	month, cut := [2]hailong.Date{start, start + 30}, [2]hailong.Date{start + 1, start + 20}
	tests := []struct {
		name   string
		fields map[string]string
		want   map[string][2]int64 // field: whole month, cut month
	}{
		{"first catalogue", map[string]string{"p1": "A", "p2": "A", "p3": "B"}, map[string][2]int64{"A": {3, 2}, "B": {3, 3}}},
		{"p3 moved to A", map[string]string{"p1": "A", "p2": "A", "p3": "A"}, map[string][2]int64{"A": {6, 5}, "B": {0, 0}}},
		{"p1 in no field, p2 in C", map[string]string{"p2": "C", "p3": "B"}, map[string][2]int64{"A": {0, 0}, "B": {3, 3}, "C": {2, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.SetFields(tt.fields)
			for field, want := range tt.want {
				if got := [2]int64{count(field, month[0], month[1]), count(field, cut[0], cut[1])}; got != want {
					t.Errorf("field %s: whole month, cut month = %v, want %v", field, got, want)
				}
			}
		})
	}
}

// TestOutcomesTakenBack counts an outcome, takes it back with a negative
// tally and counts its replacement, as the outcome book does when a dossier
// is reported again.
func TestOutcomesTakenBack(t *testing.T) {
	r := rollup.New()
	r.SetFields(map[string]string{"p1": "A"})
	d := hailong.DateFromYMD(2026, 3, 10)
	dims := rollup.Dims{Procedure: "p1", Official: "cb-1", Counter: "Q1"}
	first := rollup.Outcomes{Dossiers: 1, Bad: 1, Overdue: 1, Index1Sum: 0}
	back := rollup.Outcomes{Dossiers: -1, Bad: -1, Overdue: -1}
	second := rollup.Outcomes{Dossiers: 1, Index1Sum: 2, IndexSum: [5]int64{2}, IndexN: [5]int64{1}}
	for _, o := range []rollup.Outcomes{first, back, second} {
		r.AddTally("U", d, dims, rollup.Tally{Out: &o})
	}
	march := [2]hailong.Date{hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31)}
	for _, f := range []rollup.Filter{{}, {Field: "A"}, {Official: "cb-1"}, {Counter: "Q1"}, {Procedure: "p1"}} {
		for _, period := range [][2]hailong.Date{march, {d, d}} {
			if got := r.Query([]string{"U"}, period[0], period[1], f).Outcomes; got != second {
				t.Errorf("filter %+v, %v..%v: outcomes %+v, want %+v", f, period[0], period[1], got, second)
			}
		}
	}
}

// TestCellsCounted counts a cell per unit, day and combination of
// dimensions: the same rating twice is one cell, another day or unit more.
func TestCellsCounted(t *testing.T) {
	r := rollup.New()
	if r.Cells() != 0 {
		t.Fatalf("empty rollup has %d cells", r.Cells())
	}
	f := rollup.Fact{Unit: "A", Date: 1, Dims: rollup.Dims{Questionnaire: "q", Channel: "kiosk"}, Level: 1}
	g, h := f, f
	g.Date, h.Unit = 2, "B"
	r.Add(f, f, g, h)
	if r.Cells() != 3 || r.Ratings() != 4 {
		t.Fatalf("cells %d, ratings %d; want 3 and 4", r.Cells(), r.Ratings())
	}
}

// TestTallyCheck: a tally whose counts a cell holds passes; any count
// negative or past 32 bits is named.
func TestTallyCheck(t *testing.T) {
	tests := []struct {
		name    string
		tally   rollup.Tally
		wantErr string
	}{
		{"counts a cell holds", rollup.Tally{N: math.MaxInt32, Satisfied: 3, Levels: [rollup.MaxLevels]int64{1, 2},
			Items: []rollup.Item{{Q: "q1", N: 2, Satisfied: 1, Sum: 3, Zero: 1}}, Out: &rollup.Outcomes{Dossiers: 5, IndexSum: [5]int64{9}}}, ""},
		{"ratings past 32 bits", rollup.Tally{N: math.MaxInt32 + 1}, "count n is 2147483648"},
		{"a negative level", rollup.Tally{N: 1, Levels: [rollup.MaxLevels]int64{0, -1}}, "count levels[1] is -1"},
		{"an answer's sum past 32 bits", rollup.Tally{N: 1, Items: []rollup.Item{{Q: "q7", N: 1, Sum: 1 << 40}}}, "count items[q7].sum is"},
		{"dossiers past 32 bits", rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1 << 32}}, "count out.dossiers is 4294967296"},
		{"a negative index count", rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1, IndexN: [5]int64{0, 0, 0, 0, -2}}}, "count out.index_n[4] is -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tally.Check()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check: %v, want %q", err, tt.wantErr)
			}
		})
	}
}
