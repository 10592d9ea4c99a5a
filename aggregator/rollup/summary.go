package rollup

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"hailong"
)

// A cold month need not be loaded for every query. Beside its segment a
// checkpoint persists its summary: the month's sums by unit,
// questionnaire and channel, with the answers to questions, which is what
// the rollup's monthly sums (series.months) hold of it. A unit's summary
// is a few cells where its segment holds about one a rating. A query over
// whole months with no fine filter (no procedure, field, official or
// counter: Query and Breakdown read only those sums for whole months)
// reads the summaries of the cold months it covers, loaded on first use,
// instead of loading the months; a month holding a part counted since the
// checkpoint adds the part's sums to its summary's. Anything else (a month
// cut by the period, a fine filter, a grouping, the days) loads the months
// as before. So the first read of a cold year of a province reads a dozen
// small documents, not the two million cells of its segments.

// Summary is one month of a rollup summed by unit, questionnaire and
// channel.
type Summary struct {
	Month Month
	Units []UnitSums
}

// UnitSums is one unit's sums in a Summary: a cell for each questionnaire
// and channel, its other dimensions empty.
type UnitSums struct {
	Unit  string
	Cells []Cell
}

// Ratings counts the ratings a summary holds; in a rollup of outcomes, the
// dossiers (Tally.count), as its segment's are counted.
func (s *Summary) Ratings() int64 {
	var n int64
	for _, u := range s.Units {
		for i := range u.Cells {
			n += u.Cells[i].count()
		}
	}
	return n
}

// Summarise sums the days of month m (a segment's, DaysOf) into its
// summary.
func Summarise(m Month, days []Day) Summary {
	type qc struct {
		q  string
		ch hailong.Channel
	}
	byUnit := map[string]map[qc]*Tally{}
	for _, d := range days {
		sums := byUnit[d.Unit]
		if sums == nil {
			sums = map[qc]*Tally{}
			byUnit[d.Unit] = sums
		}
		for i := range d.Cells {
			c := &d.Cells[i]
			k := qc{c.Questionnaire, c.Channel}
			t := sums[k]
			if t == nil {
				t = &Tally{}
				sums[k] = t
			}
			t.Add(c.Tally)
		}
	}
	s := Summary{Month: m}
	for _, unit := range slices.Sorted(maps.Keys(byUnit)) {
		u := UnitSums{Unit: unit}
		for k, t := range byUnit[unit] {
			u.Cells = append(u.Cells, Cell{Dims: Dims{Questionnaire: k.q, Channel: k.ch}, Tally: *t})
		}
		slices.SortFunc(u.Cells, func(a, b Cell) int {
			return cmp.Or(strings.Compare(a.Questionnaire, b.Questionnaire), strings.Compare(string(a.Channel), string(b.Channel)))
		})
		s.Units = append(s.Units, u)
	}
	return s
}

// SummaryLoader reads the persisted summary of a cold month; ok is false
// if the month has none (persisted before summaries were), and then the
// month is loaded whole.
type SummaryLoader func(ctx context.Context, m Month) (s Summary, ok bool, err error)

// summaries is the part of a Rollup that keeps the summaries of cold
// months. Its maps are guarded by Rollup.mu, sumLoader by lazyMu.
type summaries struct {
	// sums holds the summary of a cold month once read: only while the
	// month is cold (a load forgets it) and within the budget (evict).
	sums map[Month]*summaryOf
	// unsummed holds the cold months read to have no summary.
	unsummed  map[Month]bool
	sumLoader SummaryLoader
	sumLoads  atomic.Int64
}

// summaryOf is a summary in memory: each unit's sums (series.months of
// the one month), how many there are, and when it was last used.
type summaryOf struct {
	units map[string]*series
	cells int64
	used  atomic.Uint64 // Rollup.clock at its last use
}

// unit returns the sums of a unit; nil for none, or for no summary.
func (s *summaryOf) unit(u string) *series {
	if s == nil {
		return nil
	}
	return s.units[u]
}

func newSummaries() summaries {
	return summaries{sums: map[Month]*summaryOf{}, unsummed: map[Month]bool{}}
}

// SetSummaryLoader sets how the summaries of cold months are read. Without
// one every cold month a query covers is loaded whole.
func (r *Rollup) SetSummaryLoader(l SummaryLoader) {
	r.lazyMu.Lock()
	defer r.lazyMu.Unlock()
	r.sumLoader = l
}

// summable tells whether a query with filter f reads only the monthly sums
// of the whole months it covers.
func summable(f *Filter) bool {
	return f.Procedure == "" && f.Field == "" && f.Official == "" && f.Counter == ""
}

// wholeMonths returns the first and last months wholly within from..to;
// lo > hi if there is none.
func wholeMonths(from, to hailong.Date) (lo, hi Month) {
	lo, hi = MonthOf(from), MonthOf(to)
	if from != monthStart(int32(lo)) {
		lo++
	}
	if to != monthStart(int32(hi)+1)-1 {
		hi--
	}
	return lo, hi
}

// useSummed is use for a query with filter f: the cold months wholly
// within the period are read from their summaries where they have one, and
// only the others are loaded.
func (r *Rollup) useSummed(from, to hailong.Date, f *Filter) (release func()) {
	if from > to {
		return func() {}
	}
	if !summable(f) {
		return r.use(from, to)
	}
	lo, hi := wholeMonths(from, to)
	// Pinned while read, so that no other query's evict drops them before
	// useMonthsExcept pins the months for this one.
	pin := &[2]Month{lo, hi}
	r.lazyMu.Lock()
	r.pins[pin] = true
	r.lazyMu.Unlock()
	read := r.readSummaries(lo, hi)
	tick := r.clock.Add(1)
	done := r.useMonthsExcept(MonthOf(from), MonthOf(to), func(m Month) bool {
		if m < lo || m > hi || r.sums[m] == nil {
			return false
		}
		r.sums[m].used.Store(tick)
		return true
	})
	r.lazyMu.Lock()
	delete(r.pins, pin)
	r.lazyMu.Unlock()
	if read == 0 {
		return done
	}
	return func() {
		done()
		r.evict() // the summaries read count against the budget
	}
}

// readSummaries reads the summaries of the cold months from lo to hi that
// are not read yet, side by side, and returns how many it tried. One that
// cannot be read is left out: its month is loaded whole.
func (r *Rollup) readSummaries(lo, hi Month) int {
	r.mu.RLock()
	var want []Month
	for m := range r.cold {
		if m >= lo && m <= hi && r.sums[m] == nil && !r.unsummed[m] {
			want = append(want, m)
		}
	}
	r.mu.RUnlock()
	sideBySide(want, func(m Month) {
		_ = r.readSummary(context.Background(), m) // the loader logs a failure
	})
	return len(want)
}

// readSummary reads the summary of cold month m, once however many ask at
// once.
func (r *Rollup) readSummary(ctx context.Context, m Month) error {
	_, err, _ := r.flight.Do("summary "+m.String(), func() (any, error) {
		r.lazyMu.Lock()
		loader := r.sumLoader
		r.lazyMu.Unlock()
		r.mu.RLock()
		_, cold := r.cold[m]
		done := r.sums[m] != nil || r.unsummed[m]
		gen := r.gens[m]
		r.mu.RUnlock()
		if !cold || done {
			return nil, nil
		}
		if loader == nil {
			r.mu.Lock()
			r.unsummed[m] = true
			r.mu.Unlock()
			return nil, nil
		}
		s, ok, err := loader(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("read the summary of month %s of the rollup: %w", m, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		want, cold := r.cold[m]
		switch {
		case !cold || r.gens[m] != gen:
			// Loaded (and perhaps dropped again, its segment rewritten)
			// while the summary was read: the summary read may be of
			// another segment. The next query reads it again.
			return nil, nil
		case !ok:
			r.unsummed[m] = true
			return nil, nil
		case s.Month != m || s.Ratings() != want:
			r.unsummed[m] = true
			return nil, fmt.Errorf("the summary of month %s of the rollup is of month %s and holds %d ratings; its segment holds %d",
				m, s.Month, s.Ratings(), want)
		}
		sum := &summaryOf{units: make(map[string]*series, len(s.Units))}
		for _, u := range s.Units {
			sr := &series{}
			for i := range u.Cells {
				c := &u.Cells[i]
				sr.addTally(r, totalOf(sr.months.slot(int32(m)), r.names.ID(c.Questionnaire), r.names.ID(string(c.Channel))), &sr.sumItems, &c.Tally)
			}
			sum.units[u.Unit] = sr
			sum.cells += int64(len(u.Cells))
		}
		sum.used.Store(r.clock.Add(1))
		r.sums[m] = sum
		r.sumLoads.Add(1)
		return nil, nil
	})
	return err
}

// forgetSummary forgets the summary of month m, which is no longer cold.
// r.mu is held.
func (r *Rollup) forgetSummary(m Month) {
	delete(r.sums, m)
	delete(r.unsummed, m)
}

// Summaries returns the summary of every month in memory, from the
// monthly sums: what a checkpoint would write beside each segment, made
// without copying the cells. The outcome book saves its own with it, to
// answer while it is read.
func (r *Rollup) Summaries() []Summary {
	r.mu.RLock()
	defer r.mu.RUnlock()
	byMonth := map[Month]*Summary{}
	for _, unit := range slices.Sorted(maps.Keys(r.units)) {
		s := r.units[unit]
		for i, k := range s.months.keys {
			m := Month(k)
			if _, cold := r.cold[m]; cold {
				continue
			}
			sum := byMonth[m]
			if sum == nil {
				sum = &Summary{Month: m}
				byMonth[m] = sum
			}
			u := UnitSums{Unit: unit}
			for j := range s.months.sums[i] {
				t := &s.months.sums[i][j]
				u.Cells = append(u.Cells, Cell{Dims: Dims{Questionnaire: r.names.String(t.q), Channel: hailong.Channel(r.names.String(t.ch))},
					Tally: r.tallyIn(s, s.sumItems, &t.counts)})
			}
			slices.SortFunc(u.Cells, func(a, b Cell) int {
				return cmp.Or(strings.Compare(a.Questionnaire, b.Questionnaire), strings.Compare(string(a.Channel), string(b.Channel)))
			})
			sum.Units = append(sum.Units, u)
		}
	}
	out := make([]Summary, 0, len(byMonth))
	for _, m := range slices.Sorted(maps.Keys(byMonth)) {
		out = append(out, *byMonth[m])
	}
	return out
}

// Summable tells whether a query with filter f over from..to reads only
// the monthly sums of whole months, which summaries hold: no procedure,
// field, official or counter, and a period of whole months.
func Summable(from, to hailong.Date, f Filter) bool {
	lo, hi := wholeMonths(from, to)
	return summable(&f) && from <= to && lo == MonthOf(from) && hi == MonthOf(to)
}
