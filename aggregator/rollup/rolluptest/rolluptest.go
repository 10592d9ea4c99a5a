// Package rolluptest holds test doubles built on a rollup.Rollup, shared by
// the tests of the packages that read rollups.
package rolluptest

import (
	"hailong"
	"hailong/aggregator/rollup"
)

// OutcomeBook answers as outcomes.Book does, from the outcomes a rollup
// holds: dossiers have no channel or questionnaire, so those filters are
// dropped and grouping by them gives nothing. Tests fill the rollup with
// the facts they need instead of reporting outcomes.
type OutcomeBook struct{ Rollup *rollup.Rollup }

// Query sums the outcomes of the units in the period, as
// outcomes.Book.Query does.
func (b OutcomeBook) Query(units []string, from, to hailong.Date, f rollup.Filter) rollup.Outcomes {
	f.Channel, f.Questionnaire = "", ""
	return b.Rollup.Query(units, from, to, f).Outcomes
}

// Breakdown sums the outcomes in all, per group of units and per month,
// as outcomes.Book.Breakdown does.
func (b OutcomeBook) Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (rollup.Outcomes, []rollup.Outcomes, []rollup.Outcomes) {
	f.Channel, f.Questionnaire = "", ""
	a, gs, ms := b.Rollup.Breakdown(units, group, from, to, f)
	var groups, months []rollup.Outcomes
	for _, g := range gs {
		groups = append(groups, g.Outcomes)
	}
	for _, m := range ms {
		months = append(months, m.Outcomes)
	}
	return a.Outcomes, groups, months
}

// Groups sums the outcomes per value of each dimension, as
// outcomes.Book.Groups does.
func (b OutcomeBook) Groups(units []string, from, to hailong.Date, f rollup.Filter, by []rollup.Dimension) []map[string]rollup.Outcomes {
	return b.Rollup.OutcomeGroups(units, from, to, f, by)
}
