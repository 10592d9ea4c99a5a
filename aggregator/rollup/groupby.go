package rollup

import (
	"cmp"
	"slices"

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
//
// Officials, counters and fields have monthly sums per unit, so whole
// months read a handful of sums per value and only cut months read cells;
// procedures have none (a unit has thousands), nor does any filter naming a
// fine dimension, so those read the period's cells, once, grouping them as
// they go.
func (r *Rollup) GroupBy(units []string, from, to hailong.Date, f Filter, by Dimension) map[string]Result {
	r.mu.RLock()
	defer r.mu.RUnlock()
	g := grouper{slot: make([]int32, len(r.names))}
	switch by {
	case ByChannel, ByQuestionnaire:
		r.scan(units, from, to, &f, func(_, _ int, s *series, items arena, q, ch id, c *counts) {
			v := q
			if by == ByChannel {
				v = ch
			}
			g.at(v).add(s, items, q, ch, c)
		})
	default:
		m, ok := r.matcher(&f)
		if !ok {
			break
		}
		named := m.fine()
		for _, unit := range units {
			if s, ok := r.units[unit]; ok {
				r.groupSeries(s, &m, named, from, to, byte(by), &g)
			}
		}
	}
	out := make(map[string]Result, len(g.values))
	for i, v := range g.values {
		if v != 0 {
			out[r.names[v]] = g.accs[i].result(r)
		}
	}
	return out
}

// grouper holds an accumulator per value of a dimension.
type grouper struct {
	slot   []int32 // by value id: 1 + index in accs, 0 for none yet
	values []id
	accs   []accumulator
}

func (g *grouper) at(v id) *accumulator {
	if g.slot[v] == 0 {
		g.values = append(g.values, v)
		g.accs = append(g.accs, accumulator{})
		g.slot[v] = int32(len(g.accs))
	}
	return &g.accs[g.slot[v]-1]
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

// groupSeries adds one unit's matching counts from from to to to the group
// of their value of kind. r.mu is held.
func (r *Rollup) groupSeries(s *series, m *matcher, named []dim, from, to hailong.Date, kind byte, g *grouper) {
	addCell := func(c *cell) {
		if m.cell(r, c) {
			if v := r.valueOf(kind, c); v != 0 {
				g.at(v).add(s, s.cellItems, c.q, c.ch, &c.counts)
			}
		}
	}
	if len(named) > 0 || !summed(kind) {
		if len(named) > 0 {
			list := s.narrowest(named)
			for _, i := range list[s.firstOn(list, from):] {
				if c := &s.cells[i]; c.date <= to {
					addCell(c)
				} else {
					break
				}
			}
			return
		}
		i, _ := slices.BinarySearch(s.dates, from)
		for ; i < len(s.dates) && s.dates[i] <= to; i++ {
			for _, ci := range s.days[i].cells {
				addCell(&s.cells[ci])
			}
		}
		return
	}
	first := monthKey(from)
	for d, months := range s.dimMonths {
		if d.kind != kind {
			continue
		}
		acc := (*accumulator)(nil)
		at := func() *accumulator {
			if acc == nil {
				acc = g.at(d.value)
			}
			return acc
		}
		list := s.index[d]
		walk, _ := slices.BinarySearch(months.keys, first)
		for cur := from; cur <= to; {
			mk := monthKey(cur)
			next := monthStart(mk + 1)
			end := min(next-1, to)
			if cur == monthStart(mk) && next-1 <= to {
				ts := months.next(&walk, mk)
				for i := range ts {
					if t := &ts[i]; m.coarse(t.q, t.ch) {
						at().add(s, s.sumItems, t.q, t.ch, &t.counts)
					}
				}
			} else {
				for _, i := range list[s.firstOn(list, cur):] {
					c := &s.cells[i]
					if c.date > end {
						break
					}
					if m.coarse(c.q, c.ch) {
						at().add(s, s.cellItems, c.q, c.ch, &c.counts)
					}
				}
			}
			cur = end + 1
		}
	}
}

// firstOn returns the position of the first cell of a date-ordered list
// on or after d.
func (s *series) firstOn(list []int32, d hailong.Date) int {
	i, _ := slices.BinarySearchFunc(list, d, func(c int32, d hailong.Date) int { return cmp.Compare(s.cells[c].date, d) })
	return i
}
