package rollup

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"hailong"
)

// A rollup need not hold every month in memory. The months persisted and
// not loaded are cold (SetCold): a query covering one loads it first,
// through the Loader (SetLoader), once however many queries ask at once.
// A rating counted into a cold month is added at once, as a part of the
// month (counts add), and the rest is loaded before anything reads the
// month or a checkpoint writes it, so that neither a query nor a segment
// ever sees a part month. With a budget (SetBudget), the months least
// recently used are dropped from memory when the cells exceed it, if they
// are persisted as they are (Saved) and no query is reading them: a month
// changed since its last checkpoint is never dropped.

// Loader reads the persisted days of a month of a rollup.
type Loader func(ctx context.Context, m Month) ([]Day, error)

// lazy is the part of a Rollup that keeps track of which months are in
// memory. Its maps are guarded by Rollup.mu; loader, budget and pins by
// lazyMu, which is never held while taking Rollup.mu.
type lazy struct {
	// stats counts the cells and ratings in memory of each month.
	stats map[Month]*monthStat
	// cold holds the months persisted and not (wholly) in memory, each
	// with the ratings its segment holds; coldRatings sums them.
	cold        map[Month]int64
	coldRatings int64
	// saved holds the months persisted as they are in memory: they may
	// be dropped unless dirty again.
	saved map[Month]bool
	clock atomic.Uint64 // ticks at each use, for least recently used

	lazyMu sync.Mutex
	loader Loader
	budget int64
	pins   map[*[2]Month]bool // the months queries under way read
	flight singleflight.Group
	// loads and drops count the months loaded and dropped.
	loads, drops atomic.Int64
}

// monthStat is what a month holds in memory.
type monthStat struct {
	cells, ratings int64
	used           atomic.Uint64 // the clock at its last use
}

func newLazy() lazy {
	return lazy{stats: map[Month]*monthStat{}, cold: map[Month]int64{}, saved: map[Month]bool{}, pins: map[*[2]Month]bool{}}
}

// stat returns the counts of month m, making them if new. r.mu is held.
func (r *Rollup) stat(m Month) *monthStat {
	s := r.stats[m]
	if s == nil {
		s = &monthStat{}
		r.stats[m] = s
	}
	s.used.Store(r.clock.Add(1))
	return s
}

// SetLoader sets how cold months are read (SetCold).
func (r *Rollup) SetLoader(l Loader) {
	r.lazyMu.Lock()
	defer r.lazyMu.Unlock()
	r.loader = l
}

// SetBudget bounds the cells held in memory: past it, the least recently
// used months persisted as they are (Saved) are dropped until the cells are
// within three quarters of it. A query's own months stay while it runs, and
// months changed since their last checkpoint always stay, so the cells may
// pass the budget for a while. 0: no bound.
func (r *Rollup) SetBudget(cells int64) {
	r.lazyMu.Lock()
	r.budget = cells
	r.lazyMu.Unlock()
	r.evict()
}

// SetCold declares months persisted and not loaded, with the ratings each
// one's segment holds (the dossiers, in a rollup of outcomes): a query
// covering one loads it first. A month may
// already hold a part in memory (counted since the checkpoint): the load
// adds the segment to it.
func (r *Rollup) SetCold(months map[Month]int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for m, n := range months {
		if old, ok := r.cold[m]; ok {
			r.coldRatings -= old
		}
		r.cold[m] = n
		r.coldRatings += n
	}
}

// Saved tells the rollup that months are persisted as they were when
// TakeDirty took them: unless changed since, they may be dropped from
// memory to keep within the budget.
func (r *Rollup) Saved(months ...Month) {
	r.mu.Lock()
	for _, m := range months {
		r.saved[m] = true
	}
	r.mu.Unlock()
	r.evict()
}

// Residence tells what a rollup holds in memory.
type Residence struct {
	// Months in memory (wholly), and Cold persisted and not loaded.
	Months, Cold int
	Cells        int64 // in memory
	Budget       int64 // 0: none
	// Loads and Drops count the months loaded on first use and dropped
	// for the budget since the rollup was made.
	Loads, Drops int64
	// Summaries counts the cold months whose summary is in memory, with
	// SummaryCells sums (counted against the budget beside Cells), and
	// SummaryReads the summaries read since the rollup was made.
	Summaries    int
	SummaryCells int64
	SummaryReads int64
}

// Full reports whether the cells held, with the summaries', have reached
// three quarters of the budget, where an eviction leaves them: a month
// loaded past it, other than for a query, would only push out a month
// read more recently. False with no budget.
func (res Residence) Full() bool {
	return res.Budget > 0 && res.Cells+res.SummaryCells >= res.Budget*3/4
}

// Residence tells what the rollup holds in memory.
func (r *Rollup) Residence() Residence {
	r.lazyMu.Lock()
	budget := r.budget
	r.lazyMu.Unlock()
	r.mu.RLock()
	defer r.mu.RUnlock()
	res := Residence{Cold: len(r.cold), Budget: budget, Loads: r.loads.Load(), Drops: r.drops.Load(),
		Summaries: len(r.sums), SummaryReads: r.sumLoads.Load()}
	for _, s := range r.sums {
		res.SummaryCells += s.cells
	}
	for m, s := range r.stats {
		res.Cells += s.cells
		if _, cold := r.cold[m]; !cold {
			res.Months++
		}
	}
	return res
}

// Cold returns the months persisted and not loaded, in order.
func (r *Rollup) Cold() []Month {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.cold))
}

// LoadDirty loads the cold months changed since the last checkpoint (a
// late rating of an old month), so that a checkpoint can write them whole.
func (r *Rollup) LoadDirty(ctx context.Context) error {
	r.mu.RLock()
	var months []Month
	for m := range r.dirty {
		if _, cold := r.cold[m]; cold {
			months = append(months, m)
		}
	}
	r.mu.RUnlock()
	return r.LoadMonths(ctx, months...)
}

// LoadMonths loads the months that are cold among months.
func (r *Rollup) LoadMonths(ctx context.Context, months ...Month) error {
	for _, m := range months {
		if err := r.load(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// load loads month m if it is cold, once however many ask at once.
func (r *Rollup) load(ctx context.Context, m Month) error {
	r.mu.RLock()
	_, cold := r.cold[m]
	r.mu.RUnlock()
	if !cold {
		return nil
	}
	_, err, _ := r.flight.Do(m.String(), func() (any, error) {
		r.lazyMu.Lock()
		loader := r.loader
		r.lazyMu.Unlock()
		r.mu.RLock()
		want, cold := r.cold[m]
		r.mu.RUnlock()
		if !cold { // loaded by the call before this one
			return nil, nil
		}
		if loader == nil {
			return nil, fmt.Errorf("month %s of the rollup is not in memory and there is no loader", m)
		}
		days, err := loader(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("load month %s of the rollup: %w", m, err)
		}
		var n int64
		for _, d := range days {
			if MonthOf(d.Date) != m {
				return nil, fmt.Errorf("load month %s of the rollup: it holds a day of %s", m, MonthOf(d.Date))
			}
			for i := range d.Cells {
				n += d.Cells[i].count()
			}
		}
		if n != want {
			return nil, fmt.Errorf("load month %s of the rollup: its segment holds %d ratings, the checkpoint says %d", m, n, want)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		// Cold months change only under the flight (load) or under mu
		// with the month not cold (drop): it is still cold.
		dirty := r.dirty[m]
		for _, d := range days {
			for i := range d.Cells {
				c := &d.Cells[i]
				r.add(d.Unit, d.Date, &c.Dims, &c.Tally)
			}
		}
		if !dirty {
			delete(r.dirty, m)
		}
		delete(r.cold, m)
		r.forgetSummary(m)
		r.coldRatings -= want
		r.saved[m] = true // with dirty set if a part was counted before
		r.loads.Add(1)
		return nil, nil
	})
	return err
}

// loadsAtOnce is how many months a query loads side by side.
const loadsAtOnce = 4

// use makes the months from from to to ready to read: loaded, and kept
// in memory until the returned function is called. A month that cannot be
// loaded is left out of the answer (the loader logs why).
func (r *Rollup) use(from, to hailong.Date) (release func()) {
	if from > to {
		return func() {}
	}
	return r.useMonths(MonthOf(from), MonthOf(to))
}

// useMonths is use for months lo to hi.
func (r *Rollup) useMonths(lo, hi Month) (release func()) { return r.useMonthsExcept(lo, hi, nil) }

// useMonthsExcept is useMonths, leaving cold the cold months for which
// summed, called with r.mu held for reading, is true: their summaries are
// read instead (useSummed).
func (r *Rollup) useMonthsExcept(lo, hi Month, summed func(Month) bool) (release func()) {
	pin := &[2]Month{lo, hi}
	r.lazyMu.Lock()
	r.pins[pin] = true
	r.lazyMu.Unlock()
	r.mu.RLock()
	var cold []Month
	for m := range r.cold {
		if m >= lo && m <= hi && (summed == nil || !summed(m)) {
			cold = append(cold, m)
		}
	}
	tick := r.clock.Add(1)
	for m, s := range r.stats {
		if m >= lo && m <= hi {
			s.used.Store(tick)
		}
	}
	r.mu.RUnlock()
	// Side by side: the database reads and decodes several segments at
	// once, while each is added under the write lock in turn.
	slices.Sort(cold)
	sideBySide(cold, func(m Month) {
		_ = r.load(context.Background(), m) // the loader logs a failure
	})
	return func() {
		r.lazyMu.Lock()
		delete(r.pins, pin)
		r.lazyMu.Unlock()
		if len(cold) > 0 {
			r.evict()
		}
	}
}

// sideBySide calls fn for each month, loadsAtOnce at a time, and returns
// when all have returned.
func sideBySide(months []Month, fn func(Month)) {
	var wg sync.WaitGroup
	next := make(chan Month)
	for range min(len(months), loadsAtOnce) {
		wg.Go(func() {
			for m := range next {
				fn(m)
			}
		})
	}
	for _, m := range months {
		next <- m
	}
	close(next)
	wg.Wait()
}

// evict drops the least recently used months it may while the cells are
// over the budget.
func (r *Rollup) evict() {
	r.lazyMu.Lock()
	budget := r.budget
	r.lazyMu.Unlock()
	if budget <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var cells int64
	for _, s := range r.stats {
		cells += s.cells
	}
	for _, s := range r.sums {
		cells += s.cells
	}
	if cells <= budget {
		return
	}
	r.lazyMu.Lock()
	pinned := func(m Month) bool {
		for p := range r.pins {
			if m >= p[0] && m <= p[1] {
				return true
			}
		}
		return false
	}
	var victims []Month
	for m := range r.stats {
		if _, cold := r.cold[m]; r.saved[m] && !r.dirty[m] && !cold && !pinned(m) {
			victims = append(victims, m)
		}
	}
	r.lazyMu.Unlock()
	// Summaries of cold months go by the same measure, least recently
	// used first; dropping one costs a read of a small document.
	type victim struct {
		m       Month
		summary bool
		used    uint64
		cells   int64
	}
	var vs []victim
	for _, m := range victims {
		vs = append(vs, victim{m, false, r.stats[m].used.Load(), r.stats[m].cells})
	}
	r.lazyMu.Lock()
	for m, s := range r.sums {
		if !pinned(m) {
			vs = append(vs, victim{m, true, s.used.Load(), s.cells})
		}
	}
	r.lazyMu.Unlock()
	slices.SortFunc(vs, func(a, b victim) int { return cmp.Compare(a.used, b.used) })
	drop := map[Month]bool{}
	for _, v := range vs {
		if cells <= budget*3/4 {
			break
		}
		if v.summary {
			delete(r.sums, v.m)
		} else {
			drop[v.m] = true
		}
		cells -= v.cells
	}
	if len(drop) > 0 {
		r.drop(drop)
	}
}

// drop drops months from memory, leaving them cold. Each series holding
// any of them is made again from its other days. r.mu is held.
func (r *Rollup) drop(months map[Month]bool) {
	// Adding the kept days again counts them again: what is counted is
	// put back as it was, and so are the generations of the kept months,
	// whose cells are as they were (the groups kept of them still hold).
	ratings, dirty, gens := r.ratings, maps.Clone(r.dirty), maps.Clone(r.gens)
	type counts struct {
		cells, ratings int64
		used           uint64
	}
	kept := map[Month]counts{}
	for m, s := range r.stats {
		if !months[m] {
			kept[m] = counts{s.cells, s.ratings, s.used.Load()}
		}
	}
	for unit, s := range r.units {
		if !slices.ContainsFunc(s.months.keys, func(k int32) bool { return months[Month(k)] }) {
			continue
		}
		var days []Day
		for i, d := range s.dates {
			if !months[MonthOf(d)] {
				days = append(days, r.day(unit, s, i))
			}
		}
		delete(r.units, unit)
		for _, d := range days {
			for i := range d.Cells {
				c := &d.Cells[i]
				r.add(unit, d.Date, &c.Dims, &c.Tally)
			}
		}
	}
	r.ratings, r.dirty, r.gens = ratings, dirty, gens
	for m, k := range kept {
		s := r.stats[m]
		s.cells, s.ratings = k.cells, k.ratings
		s.used.Store(k.used)
	}
	for m := range months {
		s := r.stats[m]
		r.ratings -= s.ratings
		r.cold[m] = s.ratings
		r.coldRatings += s.ratings
		delete(r.stats, m)
		delete(r.saved, m)
	}
	// A dropped month's groups are let go: no grouping reads them while
	// the month is out of memory (it groups the months in memory only),
	// and loading it again moves its generation.
	r.monthGroups.forget(func(m Month) bool { return months[m] })
	r.drops.Add(int64(len(months)))
}

// ReadMonth returns DaysOf(m) with a cold month loaded first and kept in
// memory while its days are copied: what a provincial aggregator serves the
// national one. Unlike a query, which leaves out a month it cannot load, it
// fails, so that a part month is never served as the whole.
func (r *Rollup) ReadMonth(ctx context.Context, m Month) ([]Day, error) {
	pin := &[2]Month{m, m}
	r.lazyMu.Lock()
	r.pins[pin] = true
	r.lazyMu.Unlock()
	defer func() {
		r.lazyMu.Lock()
		delete(r.pins, pin)
		r.lazyMu.Unlock()
		r.evict()
	}()
	if err := r.load(ctx, m); err != nil {
		return nil, err
	}
	return r.DaysOf(m), nil
}
