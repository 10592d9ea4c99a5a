package rollup

import (
	"cmp"
	"slices"
	"strings"

	"hailong"
)

// Filter narrows a query; empty fields match everything.
type Filter struct {
	Questionnaire string
	Channel       hailong.Channel
	Procedure     string
	// Field matches the procedures of a field, as SetFields told them.
	Field    string
	Official string
	Counter  string
}

// matcher is a filter in interned ids; 0 matches everything.
type matcher struct {
	q, ch, proc, field, off, ctr id
}

// matcher returns the filter in ids, and false if it names a value that
// the rollup never saw, which no cell can match.
func (r *Rollup) matcher(f *Filter) (matcher, bool) {
	var m matcher
	for _, x := range []struct {
		value string
		id    *id
	}{{f.Questionnaire, &m.q}, {string(f.Channel), &m.ch}, {f.Procedure, &m.proc}, {f.Field, &m.field}, {f.Official, &m.off}, {f.Counter, &m.ctr}} {
		if x.value == "" {
			continue
		}
		v, ok := r.names.Lookup(x.value)
		if !ok {
			return m, false
		}
		*x.id = v
	}
	return m, true
}

// fine returns the fine dimensions the filter names.
func (m *matcher) fine() []dim {
	var out []dim
	for _, d := range []dim{{'p', m.proc}, {'o', m.off}, {'c', m.ctr}, {'f', m.field}} {
		if d.value != 0 {
			out = append(out, d)
		}
	}
	return out
}

func (m *matcher) coarse(q, ch id) bool {
	return (m.q == 0 || m.q == q) && (m.ch == 0 || m.ch == ch)
}

func (m *matcher) cell(r *Rollup, c *cell) bool {
	return m.coarse(c.q, c.ch) && (m.proc == 0 || m.proc == c.proc) && (m.off == 0 || m.off == c.off) &&
		(m.ctr == 0 || m.ctr == c.ctr) && (m.field == 0 || m.field == r.field(c.proc))
}

// Result is the answer to a query.
type Result struct {
	Total     Tally // Levels mix scales here: use ByQuestionnaire for them
	ByChannel map[hailong.Channel]Tally
	// ByQuestionnaire holds each questionnaire's tally with its levels and
	// items.
	ByQuestionnaire map[string]Tally
	// Outcomes sums outcome cells.
	Outcomes Outcomes
}

// Query sums the cells of the given rating units from from to to inclusive.
func (r *Rollup) Query(units []string, from, to hailong.Date, f Filter) Result {
	defer r.useSummed(from, to, &f)()
	r.mu.RLock()
	defer r.mu.RUnlock()
	var acc accumulator
	r.scan(units, from, to, &f, func(_, _ int, s *series, items arena, q, ch id, c *counts) {
		acc.add(s, items, q, ch, c)
	})
	return acc.result(r)
}

// Breakdown answers Query(units, from, to, f) and, in the same pass, the
// same query for groups of the units (group[i] is the group of units[i], or
// -1 for none) and for each calendar month of the period, cut to it. A
// breakdown by child unit and by month reads each unit's sums once rather
// than three times.
func (r *Rollup) Breakdown(units []string, group []int, from, to hailong.Date, f Filter) (all Result, groups, months []Result) {
	defer r.useSummed(from, to, &f)()
	r.mu.RLock()
	defer r.mu.RUnlock()
	var acc accumulator
	byGroup := make([]accumulator, slices.Max(append([]int{-1}, group...))+1)
	var byMonth []accumulator
	if from <= to {
		byMonth = make([]accumulator, monthKey(to)-monthKey(from)+1)
	}
	r.scan(units, from, to, &f, func(unit, month int, s *series, items arena, q, ch id, c *counts) {
		acc.add(s, items, q, ch, c)
		if g := group[unit]; g >= 0 {
			byGroup[g].add(s, items, q, ch, c)
		}
		byMonth[month].add(s, items, q, ch, c)
	})
	for i := range byGroup {
		groups = append(groups, byGroup[i].result(r))
	}
	for i := range byMonth {
		months = append(months, byMonth[i].result(r))
	}
	return acc.result(r), groups, months
}

// scan calls add for every cell, or sum of cells, of the units from from to
// to that matches the filter, with the index of its unit in units and of its
// month in the period. r.mu is held.
func (r *Rollup) scan(units []string, from, to hailong.Date, f *Filter, add func(unit, month int, s *series, items arena, q, ch id, c *counts)) {
	m, ok := r.matcher(f)
	if !ok {
		return
	}
	first := monthKey(from)
	var starts []hailong.Date // of the months after the first
	for k := first + 1; k <= monthKey(to); k++ {
		starts = append(starts, monthStart(k))
	}
	monthOf := func(d hailong.Date) int {
		i, found := slices.BinarySearch(starts, d)
		if found {
			i++
		}
		return i
	}
	named := m.fine()
	// The cold months read from their summaries (useSummed); only whole
	// months with no fine filter have any.
	var sums map[Month]*summaryOf
	if len(named) == 0 && len(r.sums) > 0 {
		sums = r.sums
	}
	for u, unit := range units {
		s, ok := r.units[unit]
		if !ok {
			if sums == nil {
				continue
			}
			s = noSeries // its summaries may hold it
		}
		// cells adds the matching cells of a list from from to to.
		cells := func(list []int32, from, to hailong.Date) {
			lo, _ := slices.BinarySearchFunc(list, from, func(c int32, d hailong.Date) int { return cmp.Compare(s.cells[c].date, d) })
			for _, i := range list[lo:] {
				c := &s.cells[i]
				if c.date > to {
					break
				}
				if m.cell(r, c) {
					add(u, monthOf(c.date), s, s.cellItems, c.q, c.ch, &c.counts)
				}
			}
		}
		// Whole months add up monthly sums where there are some for the
		// filter; the rest of the period, and filters that name more
		// than one fine dimension or a procedure, read cells.
		months, list := &s.months, []int32(nil)
		switch {
		case len(named) == 0:
		case len(named) == 1 && summed(named[0].kind):
			if months, list = s.dimMonths[named[0]], s.index[named[0]]; months == nil {
				continue // nothing in this unit has the value
			}
		default:
			cells(s.narrowest(named), from, to)
			continue
		}
		walk, _ := slices.BinarySearch(months.keys, first) // in months, for whole months
		for cur := from; cur <= to; {
			mk := monthKey(cur)
			month := int(mk - first)
			next := monthStart(mk + 1)
			end := min(next-1, to)
			switch {
			case cur == monthStart(mk) && next-1 <= to:
				ts := months.next(&walk, mk)
				for i := range ts {
					if t := &ts[i]; m.coarse(t.q, t.ch) {
						add(u, month, s, s.sumItems, t.q, t.ch, &t.counts)
					}
				}
				if us := sums[Month(mk)].unit(unit); us != nil {
					ts := us.months.sums[0]
					for i := range ts {
						if t := &ts[i]; m.coarse(t.q, t.ch) {
							add(u, month, us, us.sumItems, t.q, t.ch, &t.counts)
						}
					}
				}
			case len(named) > 0:
				cells(list, cur, end)
			default:
				i, _ := slices.BinarySearch(s.dates, cur)
				for ; i < len(s.dates) && s.dates[i] <= end; i++ {
					ts := s.days[i].totals
					for j := range ts {
						if t := &ts[j]; m.coarse(t.q, t.ch) {
							add(u, month, s, s.sumItems, t.q, t.ch, &t.counts)
						}
					}
				}
			}
			cur = end + 1
		}
	}
}

// noSeries stands for a unit with nothing in memory, to be read only.
var noSeries = &series{}

// narrowest returns the shortest of the index lists of the dimensions.
func (s *series) narrowest(dims []dim) []int32 {
	var list []int32
	for i, d := range dims {
		if l := s.index[d]; i == 0 || len(l) < len(list) {
			list = l
		}
	}
	return list
}

// accumulator adds up counts by channel and questionnaire. There are a
// handful of each, and of questions, so they are found by a linear search
// rather than hashed: queries add up to hundreds of thousands of cells.
type accumulator struct {
	channels []chAcc
	byQ      []qAcc
	out      Outcomes
}

type chAcc struct {
	ch     id
	n, sat int64
}

type qAcc struct {
	q      id
	n, sat int64
	levels [MaxLevels]int64
	items  []itemAcc
}

type itemAcc struct {
	q                 id
	n, sat, sum, zero int64
}

func (a *accumulator) add(s *series, items arena, q, ch id, c *counts) {
	if c.out != 0 {
		s.outs[c.out-1].addTo(&a.out)
		return
	}
	qa := a.addLean(q, ch, &c.lean)
	for _, it := range items.of(c) {
		x := qa.item(it.q)
		x.n, x.sat, x.sum, x.zero = x.n+int64(it.n), x.sat+int64(it.sat), x.sum+int64(it.sum), x.zero+int64(it.zero)
	}
}

// addLean adds counts without answers to questions and returns the
// questionnaire's sums, for its answers.
func (a *accumulator) addLean(q, ch id, c *lean) *qAcc {
	qa := a.addCounts(q, ch, int64(c.n), int64(c.sat))
	for i, v := range c.levels {
		qa.levels[i] += int64(v)
	}
	return qa
}

// addCounts adds n ratings, sat of them satisfied, to the channel and the
// questionnaire, and returns the questionnaire's sums, for its levels and
// answers.
func (a *accumulator) addCounts(q, ch id, n, sat int64) *qAcc {
	c := a.channel(ch)
	c.n += n
	c.sat += sat
	qa := a.questionnaire(q)
	qa.n += n
	qa.sat += sat
	return qa
}

// merge adds the sums of another accumulator.
func (a *accumulator) merge(b *accumulator) {
	a.out.Add(&b.out)
	for _, bc := range b.channels {
		c := a.channel(bc.ch)
		c.n += bc.n
		c.sat += bc.sat
	}
	for _, bq := range b.byQ {
		qa := a.questionnaire(bq.q)
		qa.n += bq.n
		qa.sat += bq.sat
		for l, v := range bq.levels {
			qa.levels[l] += v
		}
		for _, it := range bq.items {
			x := qa.item(it.q)
			x.n, x.sat, x.sum, x.zero = x.n+it.n, x.sat+it.sat, x.sum+it.sum, x.zero+it.zero
		}
	}
}

// channel returns the sums of channel ch, adding them if new.
func (a *accumulator) channel(ch id) *chAcc {
	k := 0
	for k < len(a.channels) && a.channels[k].ch != ch {
		k++
	}
	if k == len(a.channels) {
		a.channels = append(a.channels, chAcc{ch: ch})
	}
	return &a.channels[k]
}

// questionnaire returns the sums of questionnaire q, adding them if new.
func (a *accumulator) questionnaire(q id) *qAcc {
	k := 0
	for k < len(a.byQ) && a.byQ[k].q != q {
		k++
	}
	if k == len(a.byQ) {
		a.byQ = append(a.byQ, qAcc{q: q})
	}
	return &a.byQ[k]
}

// item returns the sums of the answers to question q, adding them if new.
func (qa *qAcc) item(q id) *itemAcc {
	j := 0
	for j < len(qa.items) && qa.items[j].q != q {
		j++
	}
	if j == len(qa.items) {
		qa.items = append(qa.items, itemAcc{q: q})
	}
	return &qa.items[j]
}

func (a *accumulator) result(r *Rollup) Result {
	res := Result{ByChannel: map[hailong.Channel]Tally{hailong.ChannelKiosk: {}, hailong.ChannelQR: {}},
		ByQuestionnaire: map[string]Tally{}, Outcomes: a.out}
	for _, c := range a.channels {
		res.ByChannel[hailong.Channel(r.names.String(c.ch))] = Tally{N: c.n, Satisfied: c.sat}
		res.Total.N += c.n
		res.Total.Satisfied += c.sat
	}
	for _, q := range a.byQ {
		t := Tally{N: q.n, Satisfied: q.sat, Levels: q.levels}
		for _, it := range q.items {
			t.Items = append(t.Items, Item{Q: r.names.String(it.q), N: it.n, Satisfied: it.sat, Sum: it.sum, Zero: it.zero})
		}
		slices.SortFunc(t.Items, func(a, b Item) int { return strings.Compare(a.Q, b.Q) })
		res.ByQuestionnaire[r.names.String(q.q)] = t
	}
	return res
}
