package rollup_test

import (
	"cmp"
	"context"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"hailong"
	"hailong/aggregator/rollup"
)

// persisted is a rollup persisted month by month, as checkpoints leave it,
// with a loader that counts its loads.
type persisted struct {
	months map[rollup.Month][]rollup.Day
	mu     sync.Mutex
	loads  map[rollup.Month]int
}

func persist(r *rollup.Rollup) *persisted {
	p := &persisted{months: map[rollup.Month][]rollup.Day{}, loads: map[rollup.Month]int{}}
	for d := range r.Days() {
		m := rollup.MonthOf(d.Date)
		p.months[m] = append(p.months[m], d)
	}
	return p
}

func (p *persisted) load(_ context.Context, m rollup.Month) ([]rollup.Day, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loads[m]++
	return p.months[m], nil
}

func (p *persisted) loaded() map[rollup.Month]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.loads)
}

// start makes a rollup as a start does: the months from first on loaded,
// the older ones cold.
func (p *persisted) start(fields map[string]string, first rollup.Month, load rollup.Loader) *rollup.Rollup {
	r := rollup.New()
	r.SetFields(fields)
	r.SetLoader(load)
	cold := map[rollup.Month]int64{}
	var resident []rollup.Month
	for m, days := range p.months {
		if m >= first {
			r.Load(days...)
			resident = append(resident, m)
			continue
		}
		for _, d := range days {
			for _, c := range d.Cells {
				cold[m] += c.N
			}
		}
	}
	r.SetCold(cold)
	r.TakeDirty()
	r.Saved(resident...)
	return r
}

// lazyFacts returns random facts over about three years of three units.
func lazyFacts(rng *rand.Rand, n int) []rollup.Fact {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	facts := make([]rollup.Fact, n)
	for i := range facts {
		f := rollup.Fact{Unit: pick("A", "B", "C"), Date: hailong.Date(20000 + rng.IntN(1100)), Satisfied: rng.IntN(3) != 0, Level: rng.IntN(5),
			Dims: rollup.Dims{Questionnaire: pick("counter-quick", "sipas"), Channel: hailong.Channel(pick("kiosk", "qr")),
				Procedure: pick("", "1.004122", "2.000908"), Official: pick("", "cb-1", "cb-2"), Counter: pick("", "Q1")}}
		if rng.IntN(2) == 0 {
			f.Items = []rollup.Item{{Q: "a", N: 1, Satisfied: int64(rng.IntN(2)), Sum: int64(rng.IntN(3))}}
		}
		facts[i] = f
	}
	return facts
}

// answers is what every kind of query answers over a period: the same on
// a rollup with cold months as on one wholly in memory.
type answers struct {
	Query, Official rollup.Result
	All             rollup.Result
	Groups          []rollup.Result
	Months          []rollup.Result
	ByDimension     []map[string]rollup.Result
	Sums            [][]rollup.Sums
}

func answer(r *rollup.Rollup, from, to hailong.Date) answers {
	units := []string{"A", "B", "C"}
	var a answers
	a.Query = r.Query(units, from, to, rollup.Filter{})
	a.Official = r.Query(units[:2], from, to, rollup.Filter{Official: "cb-1", Channel: hailong.ChannelKiosk})
	a.All, a.Groups, a.Months = r.Breakdown(units, []int{0, 1, 0}, from, to, rollup.Filter{})
	a.ByDimension = r.Groups(units, from, to, rollup.Filter{}, []rollup.Dimension{rollup.ByProcedure, rollup.ByField, rollup.ByChannel}, true)
	a.Sums = r.GroupSums(units, from, to, rollup.Filter{Questionnaire: "sipas"}, []rollup.Dimension{rollup.ByOfficial, rollup.ByProcedure})
	for _, sums := range a.Sums {
		slices.SortFunc(sums, func(x, y rollup.Sums) int { return cmp.Compare(x.Value, y.Value) })
		for _, s := range sums {
			slices.SortFunc(s.ByQuestionnaire, func(x, y rollup.QuestionnaireSums) int { return cmp.Compare(x.Questionnaire, y.Questionnaire) })
		}
	}
	return a
}

// TestColdMonthsAnswerAsIfLoaded: a rollup started with only its recent
// months in memory answers every kind of query over periods reaching into
// older months as the rollup wholly in memory does, loading only the months
// a query covers, each once, even for queries at once; a rating counted
// into a month not loaded stays exact and is whole once the month is
// loaded; under a budget of a few cells the months least recently used are
// dropped and loaded again, and the answers stay the same; months changed
// since the last checkpoint are never dropped.
func TestColdMonthsAnswerAsIfLoaded(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	fields := map[string]string{"1.004122": "Hộ tịch", "2.000908": "Đất đai"}
	facts := lazyFacts(rng, 3000)
	full := rollup.New()
	full.SetFields(fields)
	full.Add(facts...)
	p := persist(full)
	first := rollup.MonthOf(hailong.Date(20000 + 1100 - 400)) // about a year resident
	randomPeriod := func() (hailong.Date, hailong.Date) {
		from := hailong.Date(19990 + rng.IntN(1120))
		return from, from + hailong.Date(rng.IntN(400))
	}

	t.Run("queries reaching into cold months", func(t *testing.T) {
		p.loads = map[rollup.Month]int{}
		r := p.start(fields, first, p.load)
		if got, want := r.Ratings(), full.Ratings(); got != want {
			t.Fatalf("a rollup with cold months counts %d ratings, want %d", got, want)
		}
		if res := r.Residence(); res.Cold == 0 || res.Months == 0 {
			t.Fatalf("residence %+v: want months both in memory and cold", res)
		}
		for i := range 40 {
			from, to := randomPeriod()
			before := p.loaded()
			if got, want := answer(r, from, to), answer(full, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): the answers differ from those of the rollup wholly in memory", i, from, to)
			}
			for m, n := range p.loaded() {
				if n > 1 {
					t.Fatalf("month %s loaded %d times", m, n)
				}
				if before[m] == 0 && (m < rollup.MonthOf(from) || m > rollup.MonthOf(to)) {
					t.Fatalf("month %s loaded by a query of %s to %s", m, from, to)
				}
			}
		}
		if !reflect.DeepEqual(normaliseDays(slices.Collect(r.Days())), normaliseDays(slices.Collect(full.Days()))) {
			t.Fatal("every day, loaded, differs from the rollup wholly in memory")
		}
		if err := r.CheckIndexes(); err != nil {
			t.Fatalf("loaded month by month: %v", err)
		}
	})

	t.Run("queries at once load a month once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var mu sync.Mutex
			entered := 0
			release := make(chan struct{})
			r := p.start(fields, first, func(ctx context.Context, m rollup.Month) ([]rollup.Day, error) {
				mu.Lock()
				entered++
				mu.Unlock()
				<-release
				return p.months[m], nil
			})
			m := slices.Min(r.Cold())
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() { r.Query([]string{"A"}, rollup.MonthStart(m), rollup.MonthStart(m)+27, rollup.Filter{}) })
			}
			synctest.Wait() // every query is waiting for the load
			mu.Lock()
			if entered != 1 {
				t.Errorf("8 queries at once read the month %d times, want once", entered)
			}
			mu.Unlock()
			close(release)
			wg.Wait()
		})
	})

	t.Run("a rating counted into a cold month", func(t *testing.T) {
		p.loads = map[rollup.Month]int{}
		r := p.start(fields, first, p.load)
		late := lazyFacts(rng, 20)
		for i := range late {
			late[i].Date = hailong.Date(20000 + rng.IntN(200)) // months that are cold
		}
		want := rollup.New()
		want.SetFields(fields)
		want.Add(facts...)
		want.Add(late...)
		r.Add(late...)
		if got := r.Ratings(); got != want.Ratings() {
			t.Fatalf("%d ratings after late ones, want %d", got, want.Ratings())
		}
		if len(p.loaded()) != 0 {
			t.Fatalf("counting late ratings loaded months %v", p.loaded())
		}
		lateFrom := slices.MinFunc(late, func(a, b rollup.Fact) int { return cmp.Compare(a.Date, b.Date) }).Date
		if !reflect.DeepEqual(answer(r, lateFrom, lateFrom+40), answer(want, lateFrom, lateFrom+40)) {
			t.Fatal("the answers over months with late ratings, not loaded before, differ from the recomputation")
		}
		dirty := r.TakeDirty()
		// As a checkpoint does: the changed months loaded, then written.
		if err := r.LoadMonths(context.Background(), dirty...); err != nil {
			t.Fatal(err)
		}
		for _, m := range dirty {
			if !reflect.DeepEqual(normaliseDays(r.DaysOf(m)), normaliseDays(want.DaysOf(m))) {
				t.Fatalf("month %s with late ratings, loaded, differs from the recomputation", m)
			}
		}
		from, to := randomPeriod()
		if !reflect.DeepEqual(answer(r, hailong.Date(19990), hailong.Date(21200)), answer(want, hailong.Date(19990), hailong.Date(21200))) ||
			!reflect.DeepEqual(answer(r, from, to), answer(want, from, to)) {
			t.Fatal("the answers with late ratings differ from the recomputation")
		}
	})

	t.Run("a budget of a few cells", func(t *testing.T) {
		p.loads = map[rollup.Month]int{}
		r := p.start(fields, first, p.load)
		r.SetBudget(200)
		late := lazyFacts(rng, 1)
		late[0].Date = rollup.MonthStart(first) + 3 // a resident month, changed and not checkpointed
		r.Add(late...)
		want := rollup.New()
		want.SetFields(fields)
		want.Add(facts...)
		want.Add(late...)
		for i := range 40 {
			from, to := randomPeriod()
			if got, want := answer(r, from, to), answer(want, from, to); !reflect.DeepEqual(got, want) {
				t.Fatalf("period %d (%s to %s): the answers under a budget differ from those of the rollup wholly in memory", i, from, to)
			}
		}
		res := r.Residence()
		if res.Drops == 0 {
			t.Fatalf("residence %+v: no month dropped under a budget of 200 cells", res)
		}
		reloaded := 0
		for _, n := range p.loaded() {
			if n > 1 {
				reloaded++
			}
		}
		if reloaded == 0 {
			t.Fatal("no month dropped was loaded again")
		}
		if slices.Contains(r.Cold(), rollup.MonthOf(late[0].Date)) {
			t.Fatal("a month changed since its checkpoint was dropped")
		}
		if got := r.Ratings(); got != want.Ratings() {
			t.Fatalf("%d ratings under a budget, want %d", got, want.Ratings())
		}
	})
}

// normaliseDays orders each day's cells by their dimensions.
func normaliseDays(days []rollup.Day) []rollup.Day {
	for _, d := range days {
		slices.SortFunc(d.Cells, func(a, b rollup.Cell) int {
			return cmp.Or(cmp.Compare(a.Questionnaire, b.Questionnaire), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Procedure, b.Procedure),
				cmp.Compare(a.Official, b.Official), cmp.Compare(a.Counter, b.Counter))
		})
	}
	return days
}
