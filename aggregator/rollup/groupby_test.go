package rollup_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

// TestGroupByMatchesBruteForce checks every group of a GroupBy against a sum
// over the raw facts with the group's value added to the filter — total,
// channels, each questionnaire's levels and answers, outcomes — for each
// dimension, random periods (whole and cut months), units and filters, on
// the maintained rollup and on one persisted and loaded back; and that no
// value with facts is missing. It checks Groups alike, for one to three
// dimensions at once, with and without answers to questions, on those
// rollups and on one of ratings only (whose procedures add up monthly sums
// when answers are left out), and GroupSums alike. Queries of two or
// three units are grouped in as many parts at once and merged (three
// processors are asked for, whatever the machine has): a part dropped or
// added twice fails.
func TestGroupByMatchesBruteForce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	rng := rand.New(rand.NewPCG(10, 10))
	units := []string{"A", "B", "C"}
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	fields := map[string]string{"1.004122": "Hộ tịch", "2.000908": "Hộ tịch", "3.000100": "Đất đai"}
	type outcome struct {
		unit string
		date hailong.Date
		dims rollup.Dims
		out  rollup.Outcomes
	}
	var facts []rollup.Fact
	var outs []outcome
	r, ratingsOnly, loaded := rollup.New(), rollup.New(), rollup.New()
	// add adds n random facts and outcomes to r and ratingsOnly, and to
	// loaded if it is loaded already.
	add := func(n int, toLoaded bool) {
		for range n {
			f := rollup.Fact{Unit: pick(units...), Date: hailong.Date(20000 + rng.IntN(300)), Satisfied: rng.IntN(3) != 0, Level: rng.IntN(5),
				Dims: rollup.Dims{Questionnaire: pick("counter-quick", "sipas"), Channel: hailong.Channel(pick("kiosk", "qr")),
					Procedure: pick("", "1.004122", "2.000908", "3.000100", "9.999999"), Official: pick("", "cb-1", "cb-2", "cb-3"), Counter: pick("", "Q1", "Q2")}}
			for _, q := range []string{"a", "b"} {
				if rng.IntN(2) == 0 {
					f.Items = append(f.Items, rollup.Item{Q: q, N: 1, Satisfied: int64(rng.IntN(2)), Sum: int64(rng.IntN(3))})
				}
			}
			facts = append(facts, f)
			r.Add(f)
			ratingsOnly.Add(f)
			if toLoaded {
				loaded.Add(f)
			}
			if rng.IntN(8) == 0 {
				o := outcome{unit: f.Unit, date: f.Date, dims: rollup.Dims{Procedure: f.Procedure, Official: f.Official, Counter: f.Counter},
					out: rollup.Outcomes{Dossiers: 1, Bad: int64(rng.IntN(2)), Index1Sum: int64(rng.IntN(3))}}
				outs = append(outs, o)
				r.AddTally(o.unit, o.date, o.dims, rollup.Tally{Out: &o.out})
				if toLoaded {
					loaded.AddTally(o.unit, o.date, o.dims, rollup.Tally{Out: &o.out})
				}
			}
		}
	}
	add(2000, false)
	r.SetFields(fields)
	ratingsOnly.SetFields(fields)
	add(2000, false)
	loaded.SetFields(fields)
	loaded.Load(slices.Collect(r.Days())...)

	valueOf := func(by rollup.Dimension, x rollup.Dims) string {
		switch by {
		case rollup.ByProcedure:
			return x.Procedure
		case rollup.ByOfficial:
			return x.Official
		case rollup.ByCounter:
			return x.Counter
		case rollup.ByField:
			return fields[x.Procedure]
		case rollup.ByChannel:
			return string(x.Channel)
		}
		return x.Questionnaire
	}
	dims := []rollup.Dimension{rollup.ByProcedure, rollup.ByOfficial, rollup.ByCounter, rollup.ByField, rollup.ByChannel, rollup.ByQuestionnaire}
	parts := map[int]int{} // queries by the parts they are grouped in
	for i := 0; i < 300; i++ {
		// Whole months' groups are kept between queries: ratings added to
		// them, and the fields of procedures told again, must show.
		switch {
		case i%60 == 59:
			add(100, true)
		case i == 150:
			fields = map[string]string{"1.004122": "Hộ tịch", "2.000908": "Tư pháp", "3.000100": "Đất đai", "9.999999": "Hộ tịch"}
			for _, roll := range []*rollup.Rollup{r, ratingsOnly, loaded} {
				roll.SetFields(fields)
			}
		}
		from := hailong.Date(20000 + rng.IntN(300))
		to := from + hailong.Date(rng.IntN(150))
		us := append(slices.Clone(units[:1+rng.IntN(len(units))]), "never-seen")
		parts[r.Parts(us)]++
		f := rollup.Filter{}
		if rng.IntN(3) == 0 {
			f.Channel = hailong.Channel(pick("kiosk", "qr"))
		}
		if rng.IntN(4) == 0 {
			f.Questionnaire = "sipas"
		}
		if rng.IntN(5) == 0 {
			f.Official = pick("cb-1", "cb-2")
		}
		if rng.IntN(6) == 0 {
			f.Procedure = "1.004122"
		}
		if rng.IntN(6) == 0 {
			f.Field = "Hộ tịch"
		}
		if rng.IntN(6) == 0 {
			f.Counter = "Q2"
		}
		var by []rollup.Dimension
		for range 1 + rng.IntN(3) {
			by = append(by, dims[rng.IntN(len(dims))])
		}
		items := rng.IntN(2) == 0
		inWith := func(f rollup.Filter, unit string, d hailong.Date, x rollup.Dims) bool {
			return slices.Contains(us, unit) && d >= from && d <= to &&
				(f.Channel == "" || f.Channel == x.Channel) && (f.Official == "" || f.Official == x.Official) &&
				(f.Questionnaire == "" || f.Questionnaire == x.Questionnaire) &&
				(f.Procedure == "" || f.Procedure == x.Procedure) && (f.Counter == "" || f.Counter == x.Counter) &&
				(f.Field == "" || f.Field == fields[x.Procedure])
		}
		in := func(unit string, d hailong.Date, x rollup.Dims) bool { return inWith(f, unit, d, x) }
		// The brute force: sum each value's facts, and outcomes if asked.
		type sum struct {
			total rollup.Tally
			byQ   map[string]*rollup.Tally
			out   rollup.Outcomes
		}
		bruteForce := func(by rollup.Dimension, withOutcomes bool) map[string]*sum {
			want := map[string]*sum{}
			of := func(v string) *sum {
				if want[v] == nil {
					want[v] = &sum{byQ: map[string]*rollup.Tally{}}
				}
				return want[v]
			}
			for _, x := range facts {
				v := valueOf(by, x.Dims)
				if !in(x.Unit, x.Date, x.Dims) || v == "" {
					continue
				}
				s := of(v)
				tt := rollup.Tally{N: 1, Items: x.Items}
				tt.Levels[x.Level] = 1
				if x.Satisfied {
					tt.Satisfied = 1
				}
				s.total.N++
				s.total.Satisfied += tt.Satisfied
				if s.byQ[x.Questionnaire] == nil {
					s.byQ[x.Questionnaire] = &rollup.Tally{}
				}
				s.byQ[x.Questionnaire].Add(tt)
			}
			if withOutcomes && by != rollup.ByChannel && by != rollup.ByQuestionnaire {
				for _, o := range outs {
					// Outcomes have no questionnaire or channel: a filter
					// naming one leaves them out, as Query does.
					if v := valueOf(by, o.dims); v != "" && in(o.unit, o.date, o.dims) {
						of(v).out.Add(&o.out)
					}
				}
			}
			return want
		}
		check := func(name string, by rollup.Dimension, got map[string]rollup.Result, want map[string]*sum, items bool) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s: group by %c %v %v..%v %+v: %d groups, want %d", name, by, us, from, to, f, len(got), len(want))
			}
			for v, w := range want {
				g, ok := got[v]
				if !ok {
					t.Fatalf("%s: group by %c %+v: no group %q", name, by, f, v)
				}
				if g.Total.N != w.total.N || g.Total.Satisfied != w.total.Satisfied || g.Outcomes != w.out {
					t.Fatalf("%s: group by %c %v %v..%v %+v, %q = %+v %+v, want %+v %+v", name, by, us, from, to, f, v, g.Total, g.Outcomes, w.total, w.out)
				}
				if len(g.ByQuestionnaire) != len(w.byQ) {
					t.Fatalf("%s: group %q: %d questionnaires, want %d", name, v, len(g.ByQuestionnaire), len(w.byQ))
				}
				for q, wq := range w.byQ {
					want := *wq
					if !items {
						want.Items = nil
					}
					if gq := g.ByQuestionnaire[q]; !reflect.DeepEqual(gq, want) {
						t.Fatalf("%s: group by %c %+v, %q questionnaire %s = %+v, want %+v", name, by, f, v, q, gq, want)
					}
				}
				var channels rollup.Tally
				for _, c := range g.ByChannel {
					channels.N, channels.Satisfied = channels.N+c.N, channels.Satisfied+c.Satisfied
				}
				if channels.N != w.total.N || channels.Satisfied != w.total.Satisfied {
					t.Fatalf("%s: group by %c %+v, %q: channels add up to %+v, want %+v", name, by, f, v, channels, w.total)
				}
			}
		}
		for name, roll := range map[string]*rollup.Rollup{"maintained": r, "loaded": loaded, "ratings only": ratingsOnly} {
			withOutcomes := roll != ratingsOnly
			if len(by) == 1 && items {
				check(name+" GroupBy", by[0], roll.GroupBy(us, from, to, f, by[0]), bruteForce(by[0], withOutcomes), true)
			}
			for j, got := range roll.Groups(us, from, to, f, by, items) {
				check(fmt.Sprintf("%s Groups %c items %t", name, by, items), by[j], got, bruteForce(by[j], withOutcomes), items)
			}
			for j, got := range roll.GroupSums(us, from, to, f, by) {
				want := bruteForce(by[j], withOutcomes)
				if len(got) != len(want) {
					t.Fatalf("%s GroupSums by %c %v %v..%v %+v: %d groups, want %d", name, by[j], us, from, to, f, len(got), len(want))
				}
				for _, g := range got {
					w := want[g.Value]
					if w == nil || g.N != w.total.N || g.Satisfied != w.total.Satisfied || len(g.ByQuestionnaire) != len(w.byQ) {
						t.Fatalf("%s GroupSums by %c %v %v..%v %+v: %+v, want %+v", name, by[j], us, from, to, f, g, w)
					}
					for _, q := range g.ByQuestionnaire {
						if wq := w.byQ[q.Questionnaire]; wq == nil || q.N != wq.N || q.Satisfied != wq.Satisfied || q.Levels != wq.Levels {
							t.Fatalf("%s GroupSums by %c %+v, %q questionnaire %+v, want %+v", name, by[j], f, g.Value, q, wq)
						}
					}
				}
			}
		}
		// The outcome book's groups: a filter's channel and questionnaire
		// are ignored, and grouping by them gives nothing.
		fo := f
		fo.Channel, fo.Questionnaire = "", ""
		for j, got := range r.OutcomeGroups(us, from, to, f, by) {
			want := map[string]rollup.Outcomes{}
			for _, o := range outs {
				if v := valueOf(by[j], o.dims); v != "" && by[j] != rollup.ByChannel && by[j] != rollup.ByQuestionnaire && inWith(fo, o.unit, o.date, o.dims) {
					sum := want[v]
					sum.Add(&o.out)
					want[v] = sum
				}
			}
			for v, g := range got {
				if g != want[v] {
					t.Fatalf("outcome groups by %c %v %v..%v %+v, %q = %+v, want %+v", by[j], us, from, to, f, v, g, want[v])
				}
				delete(want, v)
			}
			if len(want) > 0 {
				t.Fatalf("outcome groups by %c %v %v..%v %+v: missing %v", by[j], us, from, to, f, want)
			}
		}
	}
	h, m, b := r.MonthGroupStats()
	t.Logf("kept months: %d found, %d grouped anew, %d bytes", h, m, b)
	if parts[2] == 0 || parts[3] == 0 {
		t.Errorf("queries by parts grouped at once: %v, want some in two and some in three", parts)
	}
}
