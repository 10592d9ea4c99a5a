package rollup

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"hailong"
)

// Dimension is what a GroupBy groups by.
type Dimension byte

// The dimensions a query can be grouped by.
const (
	ByProcedure     Dimension = 'p'
	ByOfficial      Dimension = 'o'
	ByCounter       Dimension = 'c'
	ByField         Dimension = 'f'
	ByChannel       Dimension = 'h'
	ByQuestionnaire Dimension = 'q'
)

// Valid reports whether d is one of the dimensions.
func (d Dimension) Valid() bool {
	return slices.Contains([]Dimension{ByProcedure, ByOfficial, ByCounter, ByField, ByChannel, ByQuestionnaire}, d)
}

// GroupBy answers Query(units, from, to, f) for each value of the
// dimension by, in one pass: the result for value v is exactly the query
// whose filter also names v. Ratings and outcomes with no value in the
// dimension (no official recorded, a procedure in no field) are in no
// group.
func (r *Rollup) GroupBy(units []string, from, to hailong.Date, f Filter, by Dimension) map[string]Result {
	return r.Groups(units, from, to, f, []Dimension{by}, true)[0]
}

// Groups answers GroupBy for each dimension of by at once: out[i] is
// GroupBy(units, from, to, f, by[i]), but each unit's cells are read once
// for all the dimensions that need them. Without items the results leave
// out the answers to questions (each questionnaire's Items is nil), which
// a breakdown does not show: summing them is most of the work for
// SIPAS-style ratings, and it lets procedures add up monthly sums.
//
// Officials, counters and fields have monthly sums per unit, so whole
// months read a handful of sums per value; procedures have monthly sums
// without answers, read when items are not wanted. Cut months, procedures
// with items, units holding dossier outcomes (which procedure sums leave
// out) and any filter naming a fine dimension read cells.
func (r *Rollup) Groups(units []string, from, to hailong.Date, f Filter, by []Dimension, items bool) []map[string]Result {
	defer r.use(from, to)()
	r.mu.RLock()
	defer r.mu.RUnlock()
	gs := r.group(units, from, to, &f, by, items)
	out := make([]map[string]Result, len(by))
	for i := range gs {
		out[i] = make(map[string]Result, len(gs[i].values))
		for j, v := range gs[i].values {
			if v != 0 {
				out[i][r.names.String(v)] = gs[i].result(r, j)
			}
		}
	}
	return out
}

// Sums are a group's counts of ratings without their answers to
// questions or their channels, and without outcomes: what a breakdown's
// row shows, made without the maps of a Result.
type Sums struct {
	Value        string
	N, Satisfied int64
	// ByQuestionnaire holds each questionnaire's counts and levels, in
	// no particular order.
	ByQuestionnaire []QuestionnaireSums
}

// QuestionnaireSums are the counts and levels of one questionnaire.
type QuestionnaireSums struct {
	Questionnaire string
	N, Satisfied  int64
	Levels        [MaxLevels]int64
}

// GroupSums answers Groups(units, from, to, f, by, false) as Sums, in no
// particular order: out[i][j] has the total and the questionnaires'
// counts and levels of the j-th value of by[i]'s Result. A value with
// only outcomes has a Sums of no ratings.
func (r *Rollup) GroupSums(units []string, from, to hailong.Date, f Filter, by []Dimension) [][]Sums {
	defer r.use(from, to)()
	r.mu.RLock()
	defer r.mu.RUnlock()
	gs := r.group(units, from, to, &f, by, false)
	out := make([][]Sums, len(by))
	for i := range gs {
		g := &gs[i]
		out[i] = make([]Sums, 0, len(g.values))
		for j, v := range g.values {
			if v == 0 {
				continue
			}
			sums := Sums{Value: r.names.String(v)}
			add := func(q id, n, sat int64, levels *[MaxLevels]int64) {
				sums.N += n
				sums.Satisfied += sat
				k := slices.IndexFunc(sums.ByQuestionnaire, func(s QuestionnaireSums) bool { return s.Questionnaire == r.names.String(q) })
				if k < 0 {
					sums.ByQuestionnaire = append(sums.ByQuestionnaire, QuestionnaireSums{Questionnaire: r.names.String(q)})
					k = len(sums.ByQuestionnaire) - 1
				}
				qs := &sums.ByQuestionnaire[k]
				qs.N += n
				qs.Satisfied += sat
				for l, x := range levels {
					qs.Levels[l] += x
				}
			}
			for _, qa := range g.accs[j].byQ {
				add(qa.q, qa.n, qa.sat, &qa.levels)
			}
			for p, row := range g.lean {
				if j < len(row) && row[j].seen {
					add(g.pairs[p].q, row[j].n, row[j].sat, &row[j].levels)
				}
			}
			out[i] = append(out[i], sums)
		}
	}
	return out
}

// group groups as Groups does. r.mu is held.
func (r *Rollup) group(units []string, from, to hailong.Date, f *Filter, by []Dimension, items bool) []grouper {
	gs := make([]grouper, len(by))
	var coarse, fine []int // indexes in by
	for i, d := range by {
		gs[i] = grouper{slot: make([]int32, r.names.Len()), noItems: !items}
		if d == ByChannel || d == ByQuestionnaire {
			coarse = append(coarse, i)
		} else {
			fine = append(fine, i)
		}
	}
	if len(coarse) > 0 {
		r.scan(units, from, to, f, func(_, _ int, s *series, items arena, q, ch id, c *counts) {
			for _, i := range coarse {
				v := q
				if by[i] == ByChannel {
					v = ch
				}
				gs[i].add(gs[i].index(v), s, items, q, ch, c)
			}
		})
	}
	if m, ok := r.matcher(f); ok && len(fine) > 0 && from <= to {
		kinds := make([]byte, len(fine))
		dst := make([]*grouper, len(fine))
		for j, i := range fine {
			kinds[j], dst[j] = byte(by[i]), &gs[i]
		}
		r.groupFineByMonth(units, from, to, f, m, kinds, items, dst)
	}
	return gs
}

// groupFine adds the units' data of from to to into dst, grouped by the
// fine kinds (dst[i] by kinds[i]). Its parts' groupers come from sc,
// reset, so that grouping month after month makes them once; nil makes
// them anew. r.mu is held.
func (r *Rollup) groupFine(units []string, from, to hailong.Date, m matcher, kinds []byte, items bool, dst []*grouper, sc *groupScratch) {
	if sc == nil {
		sc = &groupScratch{}
	}
	// The units are grouped in parts at once, each part into groups
	// of its own, which are then added to the first's: sums of whole
	// numbers, the same whatever the parts.
	parts := r.split(units)
	gg := make([]fineGrouping, len(parts))
	var wg sync.WaitGroup
	for p, part := range parts {
		g := &gg[p]
		*g = fineGrouping{m: m, named: m.fine(), from: from, to: to, items: items, kinds: kinds}
		if p == 0 {
			g.groups = dst
		} else {
			g.groups = sc.groupers(r, scratchKey{'k', p}, len(kinds), items)
		}
		g.whole()
		g.procs = sc.groupers(r, scratchKey{'p', p}, 1, false)[0]
		work := func() {
			for _, s := range part {
				r.groupSeries(s, g)
			}
			g.addProcs(r)
		}
		if p < len(parts)-1 {
			wg.Go(work)
		} else {
			work() // the last part on this goroutine
		}
	}
	wg.Wait()
	for _, g := range gg[1:] {
		for k, gk := range g.groups {
			gg[0].groups[k].merge(gk)
		}
	}
}

// groupScratch holds groupers for use again.
type groupScratch map[scratchKey][]*grouper

// scratchKey names the groupers of a use: a part's by kinds ('k') or by
// procedure ('p'), or a month's ('m').
type scratchKey struct {
	use  byte
	part int
}

// groupers returns n empty groupers for use, those of name made before
// if any, reset.
func (sc *groupScratch) groupers(r *Rollup, name scratchKey, n int, items bool) []*grouper {
	if *sc == nil {
		*sc = groupScratch{}
	}
	gs := (*sc)[name]
	for len(gs) < n {
		gs = append(gs, &grouper{})
	}
	(*sc)[name] = gs
	for _, g := range gs[:n] {
		g.reset()
		g.noItems = !items
		// Values may have been interned since it was made (a grouping
		// behind a query lets writers in between months).
		g.slot = slices.Grow(g.slot, r.names.Len()-len(g.slot))[:r.names.Len()]
	}
	return gs[:n]
}

// reset empties g for use again, keeping its room.
func (g *grouper) reset() {
	for _, v := range g.values {
		g.slot[v] = 0
	}
	g.values = g.values[:0]
	// Only what was used is cleared: nothing is written beyond a slice's
	// length, so the room beyond it is still zero, as sum needs a row's.
	clear(g.accs)
	g.accs = g.accs[:0]
	for p, row := range g.lean {
		clear(row)
		g.lean[p] = row[:0]
	}
}

// maxParts bounds the parts a grouping is split into, and minPartCells
// is the fewest cells a part has: fewer are not worth a goroutine.
const (
	maxParts     = 8
	minPartCells = 1024
)

// split splits the series of the units the rollup has into parts of
// about as many cells each, in the order of units: at least two when
// there are enough cells (a small server's two cores, or one core
// taking turns, at a cost of microseconds), up to one per processor.
// r.mu is held.
func (r *Rollup) split(units []string) [][]*series {
	var ss []*series
	var cells int
	for _, unit := range units {
		if s, ok := r.units[unit]; ok {
			ss = append(ss, s)
			cells += len(s.cells)
		}
	}
	n := min(max(2, runtime.GOMAXPROCS(0)), maxParts, len(ss), cells/minPartCells)
	if n <= 1 {
		return [][]*series{ss}
	}
	parts := make([][]*series, 0, n)
	start, sum := 0, 0
	for i, s := range ss {
		// Part k ends before the unit whose middle passes k+1 n-ths of
		// the cells: the nearest to the mark of the units' bounds.
		w := len(s.cells)
		if k := len(parts); k < n-1 && i > start && (2*sum+w)*n >= 2*cells*(k+1) {
			parts = append(parts, ss[start:i])
			start = i
		}
		sum += w
	}
	return append(parts, ss[start:])
}

// OutcomeGroups sums the dossier outcomes of the units per value of each
// dimension of by, as Groups sums ratings: out[i] is by by[i]. Outcomes
// have no channel or questionnaire: grouped by one there is nothing to
// group, and a filter naming one is ignored, as the outcome book's
// queries ignore it.
func (r *Rollup) OutcomeGroups(units []string, from, to hailong.Date, f Filter, by []Dimension) []map[string]Outcomes {
	f.Channel, f.Questionnaire = "", ""
	var fine []Dimension
	for _, d := range by {
		if d != ByChannel && d != ByQuestionnaire {
			fine = append(fine, d)
		}
	}
	defer r.use(from, to)()
	r.mu.RLock()
	defer r.mu.RUnlock()
	gs := r.group(units, from, to, &f, fine, false)
	out := make([]map[string]Outcomes, len(by))
	for i, d := range by {
		out[i] = map[string]Outcomes{}
		if d == ByChannel || d == ByQuestionnaire {
			continue
		}
		// Only the outcomes are wanted: no result is made of the rest.
		for j, v := range gs[0].values {
			if v != 0 {
				out[i][r.names.String(v)] = gs[0].accs[j].out
			}
		}
		gs = gs[1:]
	}
	return out
}

// grouper holds the sums of each value of a dimension. With answers to
// questions they are an accumulator per value. Without, the counts sit in
// a table by questionnaire-and-channel pair and value, small and in one
// piece, so that adding up hundreds of thousands of procedure sums stays
// in the processor's cache; only outcomes go to the accumulators.
type grouper struct {
	slot    []int32 // by value id: 1 + index in values, 0 for none yet
	values  []id
	accs    []accumulator // by index in values
	noItems bool          // leave out answers to questions
	pairs   []pair        // the questionnaire-channel pairs of lean
	lean    [][]leanSum   // by pair, by index in values
}

// pair is a questionnaire and a channel.
type pair struct{ q, ch id }

// leanSum adds up lean counts; seen tells a sum of nothing from none.
type leanSum struct {
	seen   bool
	n, sat int64
	levels [MaxLevels]int64
}

// index returns the index of value v, adding it if it is new.
func (g *grouper) index(v id) int {
	if g.slot[v] == 0 {
		g.values = append(g.values, v)
		g.accs = append(g.accs, accumulator{})
		g.slot[v] = int32(len(g.values))
	}
	return int(g.slot[v] - 1)
}

// add adds counts to the value of index i.
func (g *grouper) add(i int, s *series, items arena, q, ch id, c *counts) {
	if c.out != 0 || !g.noItems {
		g.accs[i].add(s, items, q, ch, c)
		return
	}
	g.addLean(i, q, ch, &c.lean)
}

// addLean adds lean counts to the value of index i; g.noItems is set.
func (g *grouper) addLean(i int, q, ch id, c *lean) {
	x := g.sum(i, q, ch)
	x.n += int64(c.n)
	x.sat += int64(c.sat)
	for l, v := range c.levels {
		x.levels[l] += int64(v)
	}
}

// addSum adds another grouper's sum to the value of index i.
func (g *grouper) addSum(i int, q, ch id, c *leanSum) {
	x := g.sum(i, q, ch)
	x.n += c.n
	x.sat += c.sat
	for l, v := range c.levels {
		x.levels[l] += v
	}
}

// sum returns the lean sum of the value of index i with questionnaire q
// and channel ch, marked seen.
func (g *grouper) sum(i int, q, ch id) *leanSum {
	p := 0
	for p < len(g.pairs) && (g.pairs[p].q != q || g.pairs[p].ch != ch) {
		p++
	}
	if p == len(g.pairs) {
		g.pairs = append(g.pairs, pair{q, ch})
		g.lean = append(g.lean, nil)
	}
	row := g.lean[p]
	if i >= len(row) {
		// Never written beyond its length, a row's room is zero.
		row = slices.Grow(row, len(g.values)-len(row))[:len(g.values)]
		g.lean[p] = row
	}
	x := &row[i]
	x.seen = true
	return x
}

// merge adds the sums of another grouper of the same dimension.
func (g *grouper) merge(o *grouper) {
	for j, v := range o.values {
		i := g.index(v)
		g.accs[i].merge(&o.accs[j])
		for p, row := range o.lean {
			if j < len(row) && row[j].seen {
				g.addSum(i, o.pairs[p].q, o.pairs[p].ch, &row[j])
			}
		}
	}
}

// result is the result of the value of index i.
func (g *grouper) result(r *Rollup, i int) Result {
	acc := &g.accs[i]
	for p, row := range g.lean {
		if i < len(row) && row[i].seen {
			x := &row[i]
			qa := acc.addCounts(g.pairs[p].q, g.pairs[p].ch, x.n, x.sat)
			for l, v := range x.levels {
				qa.levels[l] += v
			}
		}
	}
	return acc.result(r)
}

// fineGrouping is a grouping by fine dimensions (procedure, official,
// counter, field), the same for every unit.
type fineGrouping struct {
	m        matcher
	named    []dim // the fine dimensions the filter names
	from, to hailong.Date
	items    bool
	kinds    []byte // the dimensions grouped by
	groups   []*grouper
	// The whole months of the period, as month keys (none if the first is
	// after the last), and the days before and after them.
	firstWhole, lastWhole int32
	all                   []int // every index of kinds
	// procs adds up the procedure sums the units read, by procedure, for
	// the groups by procedure and by field, each procedure sum once.
	procs *grouper
}

// addProcs adds the procedure sums read to the groups by procedure and by
// field.
func (g *fineGrouping) addProcs(r *Rollup) {
	for j, proc := range g.procs.values {
		for p, row := range g.procs.lean {
			if j >= len(row) || !row[j].seen {
				continue
			}
			x, q, ch := &row[j], g.procs.pairs[p].q, g.procs.pairs[p].ch
			for k, kind := range g.kinds {
				switch v := proc; {
				case kind == 'f':
					if v = r.field(proc); v == 0 {
						continue
					}
					fallthrough
				case kind == 'p':
					gk := g.groups[k]
					gk.addSum(gk.index(v), q, ch, x)
				}
			}
		}
	}
}

// whole works out the period's whole months.
func (g *fineGrouping) whole() {
	g.firstWhole, g.lastWhole = monthKey(g.from), monthKey(g.to)
	if monthStart(g.firstWhole) != g.from {
		g.firstWhole++
	}
	if monthStart(g.lastWhole+1)-1 != g.to {
		g.lastWhole--
	}
	for k := range g.kinds {
		g.all = append(g.all, k)
	}
}

// inWhole reports whether d is in one of the period's whole months.
func (g *fineGrouping) inWhole(d hailong.Date) bool {
	return g.firstWhole <= g.lastWhole && d >= monthStart(g.firstWhole) && d < monthStart(g.lastWhole+1)
}

// valueOf returns a cell's value of a fine dimension.
func (r *Rollup) valueOf(kind byte, c *cell) id {
	switch kind {
	case 'p':
		return c.proc
	case 'o':
		return c.off
	case 'c':
		return c.ctr
	}
	return r.field(c.proc)
}

// groupSeries adds one unit's matching counts of the period to the group
// of their value of each kind of g. r.mu is held.
func (r *Rollup) groupSeries(s *series, g *fineGrouping) {
	// addCell adds a matching cell to the group of its value of each kind
	// of ks (indexes in g.kinds).
	addCell := func(c *cell, ks []int) {
		if !g.m.cell(r, c) {
			return
		}
		for _, k := range ks {
			if v := r.valueOf(g.kinds[k], c); v != 0 {
				gk := g.groups[k]
				gk.add(gk.index(v), s, s.cellItems, c.q, c.ch, &c.counts)
			}
		}
	}
	if len(g.named) > 0 {
		list := s.narrowest(g.named)
		for _, i := range list[s.firstOn(list, g.from):] {
			c := &s.cells[i]
			if c.date > g.to {
				break
			}
			addCell(c, g.all)
		}
		return
	}
	// Whole months read sums where a kind has them; the rest reads cells,
	// each once for every kind that needs it.
	var sums, cells []int
	procSums := false
	lean := !g.items && len(s.outs) == 0 // procedure sums hold no answers, nor outcomes
	for k, kind := range g.kinds {
		switch {
		case kind == 'p' && lean:
			procSums = true
		case summed(kind):
			sums = append(sums, k)
		default:
			cells = append(cells, k)
		}
	}
	if procSums {
		// Fields add up from the procedure sums when those are read
		// anyway (fineGrouping.addProcs): a month's procedure sums lie
		// together, but a unit's twenty fields' monthly sums lie all over
		// memory.
		sums = slices.DeleteFunc(sums, func(k int) bool { return g.kinds[k] == 'f' })
	}
	i, _ := slices.BinarySearch(s.dates, g.from)
	for ; i < len(s.dates) && s.dates[i] <= g.to; i++ {
		ks := g.all
		if g.inWhole(s.dates[i]) {
			if ks = cells; len(ks) == 0 {
				// Skip to the day after the whole months.
				i, _ = slices.BinarySearch(s.dates, monthStart(g.lastWhole+1))
				i--
				continue
			}
		}
		for _, ci := range s.days[i].cells {
			addCell(&s.cells[ci], ks)
		}
	}
	if g.firstWhole > g.lastWhole {
		return
	}
	if procSums {
		ms := &s.procMonths
		at, _ := slices.BinarySearch(ms.keys, g.firstWhole)
		for ; at < len(ms.keys) && ms.keys[at] <= g.lastWhole; at++ {
			for j := range ms.sums[at] {
				p := &ms.sums[at][j]
				if !g.m.coarse(p.q, p.ch) {
					continue
				}
				g.procs.addLean(g.procs.index(p.proc), p.q, p.ch, &p.lean)
			}
		}
	}
	if len(sums) == 0 {
		return
	}
	for d, months := range s.dimMonths {
		for _, k := range sums {
			if g.kinds[k] != d.kind {
				continue
			}
			gk, i := g.groups[k], -1 // found on the first matching sum: a value with none is in no group
			at, _ := slices.BinarySearch(months.keys, g.firstWhole)
			for ; at < len(months.keys) && months.keys[at] <= g.lastWhole; at++ {
				for j := range months.sums[at] {
					if t := &months.sums[at][j]; g.m.coarse(t.q, t.ch) {
						if i < 0 {
							i = gk.index(d.value)
						}
						gk.add(i, s, s.sumItems, t.q, t.ch, &t.counts)
					}
				}
			}
		}
	}
}

// firstOn returns the position of the first cell of a date-ordered list
// on or after d.
func (s *series) firstOn(list []int32, d hailong.Date) int {
	i, _ := slices.BinarySearchFunc(list, d, func(c int32, d hailong.Date) int { return cmp.Compare(s.cells[c].date, d) })
	return i
}
