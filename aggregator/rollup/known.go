package rollup

import (
	"cmp"
	"slices"

	"hailong"
)

// Officials returns the officials rated in any of the units from from to
// to, sorted: the officials a report lists one by one.
func (r *Rollup) Officials(units []string, from, to hailong.Date) []string {
	return r.known(units, 'o', from, to)
}

// Procedures returns the procedures rated in any of the units from from to
// to, sorted.
func (r *Rollup) Procedures(units []string, from, to hailong.Date) []string {
	return r.known(units, 'p', from, to)
}

// known lists the values of a fine dimension that some cell of the units
// holds within the period, reading the index lists' first and last dates
// only.
func (r *Rollup) known(units []string, kind byte, from, to hailong.Date) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := map[id]bool{}
	for _, unit := range units {
		s, ok := r.units[unit]
		if !ok {
			continue
		}
		for d, list := range s.index {
			if d.kind != kind || seen[d.value] || len(list) == 0 {
				continue
			}
			// The list is in date order: one binary search says whether a
			// cell falls in the period.
			i, _ := slices.BinarySearchFunc(list, from, func(c int32, d hailong.Date) int { return cmp.Compare(s.cells[c].date, d) })
			if i < len(list) && s.cells[list[i]].date <= to {
				seen[d.value] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, r.names[v])
	}
	slices.Sort(out)
	return out
}
