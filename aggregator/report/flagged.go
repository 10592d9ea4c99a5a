package report

import "hailong/aggregator/rollup"

// Flagged counts the flagged ratings of a query (misuse a kiosk node saw):
// kept, and left out of its measures unless Query.IncludeFlagged.
type Flagged struct {
	N        int64 `json:"n"`
	Included bool  `json:"included"`
}

// flaggedRollup returns the rollup of flagged ratings, or nil when there
// is none.
func (r *Reporter) flaggedRollup() *rollup.Rollup {
	if r.Flagged == nil {
		return nil
	}
	return r.Flagged()
}

// ratings answers q over the ratings, the flagged ones added when asked,
// and counts the flagged ones.
func (r *Reporter) ratings(q Query) (rollup.Result, Flagged) {
	res := r.Rollup().Query(q.Units, q.From, q.To, q.Filter)
	fl := Flagged{Included: q.IncludeFlagged}
	if f := r.flaggedRollup(); f != nil {
		got := f.Query(q.Units, q.From, q.To, q.Filter)
		fl.N = got.Total.N
		if q.IncludeFlagged {
			res.Add(got)
		}
	}
	return res, fl
}

// ratingsBreakdown is Rollup.Breakdown with the flagged ratings added when
// asked, and their count.
func (r *Reporter) ratingsBreakdown(q Query, group []int) (all rollup.Result, groups, months []rollup.Result, fl Flagged) {
	all, groups, months = r.Rollup().Breakdown(q.Units, group, q.From, q.To, q.Filter)
	fl.Included = q.IncludeFlagged
	f := r.flaggedRollup()
	if f == nil {
		return all, groups, months, fl
	}
	fAll, fGroups, fMonths := f.Breakdown(q.Units, group, q.From, q.To, q.Filter)
	fl.N = fAll.Total.N
	if q.IncludeFlagged {
		all.Add(fAll)
		for i := range groups {
			groups[i].Add(fGroups[i])
		}
		for i := range months {
			months[i].Add(fMonths[i])
		}
	}
	return all, groups, months, fl
}
