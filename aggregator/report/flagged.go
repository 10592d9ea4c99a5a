package report

import (
	"slices"

	"hailong/aggregator/rollup"
)

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

// addSums adds the group sums of the flagged ratings, more to the
// ratings' sums of the same dimension, and returns them: a value's counts
// and its questionnaires' counts and levels are added, and values only
// flagged ratings have are appended.
func addSums(sums, more []rollup.Sums) []rollup.Sums {
	at := make(map[string]int, len(sums))
	for i := range sums {
		at[sums[i].Value] = i
	}
	for _, m := range more {
		i, ok := at[m.Value]
		if !ok {
			m.ByQuestionnaire = slices.Clone(m.ByQuestionnaire)
			sums = append(sums, m)
			continue
		}
		s := &sums[i]
		s.N += m.N
		s.Satisfied += m.Satisfied
		for _, mq := range m.ByQuestionnaire {
			j := slices.IndexFunc(s.ByQuestionnaire, func(q rollup.QuestionnaireSums) bool { return q.Questionnaire == mq.Questionnaire })
			if j < 0 {
				s.ByQuestionnaire = append(s.ByQuestionnaire, mq)
				continue
			}
			q := &s.ByQuestionnaire[j]
			q.N += mq.N
			q.Satisfied += mq.Satisfied
			for l := range q.Levels {
				q.Levels[l] += mq.Levels[l]
			}
		}
	}
	return sums
}
