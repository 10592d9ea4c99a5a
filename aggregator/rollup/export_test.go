package rollup

import (
	"fmt"
	"slices"

	"hailong"
)

// Parts is how many parts, grouped at once, a grouping of the units is
// split into: for tests to know they cover the parts' merging.
func (r *Rollup) Parts(units []string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.split(units))
}

// MonthStart returns the first day of month m.
func MonthStart(m Month) hailong.Date { return monthStart(int32(m)) }

// CheckIndexes reports the first broken invariant of the cells' index
// lists and procedure sums: each list in date order, holding every cell
// of its value once and no other; each month's procedure sum shared by
// all its cells of one procedure, questionnaire and channel, and no two
// sums of one.
func (r *Rollup) CheckIndexes() error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for unit, s := range r.units {
		want := map[dim]int{}
		for i := range s.cells {
			for _, x := range r.fine(&s.cells[i].key) {
				if x.value != 0 {
					want[x]++
				}
			}
		}
		for d, list := range s.index {
			if len(list) != want[d] {
				return fmt.Errorf("unit %s: the index list of %c %s holds %d cells, want %d", unit, d.kind, r.names.String(d.value), len(list), want[d])
			}
			seen := map[int32]bool{}
			for k, i := range list {
				c := &s.cells[i]
				if seen[i] || r.fine(&c.key)[slices.IndexFunc([]byte("pocf"), func(b byte) bool { return b == d.kind })] != d {
					return fmt.Errorf("unit %s: the index list of %c %s lists cell %d twice or of another value", unit, d.kind, r.names.String(d.value), i)
				}
				seen[i] = true
				if k > 0 && s.cells[list[k-1]].date > c.date {
					return fmt.Errorf("unit %s: the index list of %c %s is out of date order", unit, d.kind, r.names.String(d.value))
				}
			}
		}
		type sumKey struct {
			month       int32
			proc, q, ch id
		}
		sums := map[sumKey]int32{}
		for i := range s.cells {
			c := &s.cells[i]
			if c.psum == 0 {
				continue
			}
			k := sumKey{monthKey(c.date), c.proc, c.q, c.ch}
			if p, ok := sums[k]; ok && p != c.psum {
				return fmt.Errorf("unit %s: two procedure sums of %s %s %s in %s", unit, r.names.String(c.proc), r.names.String(c.q), r.names.String(c.ch), Month(k.month))
			}
			sums[k] = c.psum
		}
	}
	return nil
}

// NoFillDelay lets the groupings kept behind queries start at once, for
// tests that wait for them after each query.
func (r *Rollup) NoFillDelay() { r.monthGroups.delay.Store(0) }
