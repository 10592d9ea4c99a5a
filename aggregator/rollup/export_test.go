package rollup

import "hailong"

// Parts is how many parts, grouped at once, a grouping of the units is
// split into: for tests to know they cover the parts' merging.
func (r *Rollup) Parts(units []string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.split(units))
}

// MonthStart returns the first day of month m.
func MonthStart(m Month) hailong.Date { return monthStart(int32(m)) }
