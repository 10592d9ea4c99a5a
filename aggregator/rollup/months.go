package rollup

import (
	"maps"
	"slices"

	"hailong"
)

// Months returns the months the rollup holds any day of, in memory or
// cold (persisted and not loaded), in order: what a provincial aggregator
// offers the national one (GET /api/v1/rollups/months). It reads the
// months of each unit's series, not the cells, and loads nothing.
func (r *Rollup) Months() []Month {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := map[Month]bool{}
	for m := range r.cold {
		seen[m] = true
	}
	for _, s := range r.units {
		for _, k := range s.months.keys {
			seen[Month(k)] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// MonthFrom returns the month of year y and month m (1–12).
func MonthFrom(y, m int) Month { return Month(y*12 + m - 1) }

// YearMonth returns the year and month (1–12) of the month.
func (m Month) YearMonth() (y, month int) { return int(m) / 12, int(m)%12 + 1 }

// Generation returns how many times the month's cells changed: equal
// generations of one rollup, equal cells (DaysOf). A provincial aggregator
// keeps each month's digest until its generation moves.
func (r *Rollup) Generation(m Month) uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.gens[m]
}

// FirstDay returns the first day of month m.
func FirstDay(m Month) hailong.Date { return monthStart(int32(m)) }
