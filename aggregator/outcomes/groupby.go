package outcomes

import (
	"hailong"
	"hailong/aggregator/rollup"
)

// GroupBy sums outcomes as rollup.Rollup.GroupBy sums ratings: for each
// procedure, official, counter or field the one-stop software reported.
// Outcomes have no channel or questionnaire: grouped by one, or filtered
// by one (which Query ignores), there is nothing to group.
func (b *Book) GroupBy(units []string, from, to hailong.Date, f rollup.Filter, by rollup.Dimension) map[string]rollup.Outcomes {
	out := map[string]rollup.Outcomes{}
	if by == rollup.ByChannel || by == rollup.ByQuestionnaire {
		return out
	}
	f.Channel, f.Questionnaire = "", ""
	for v, res := range b.roll.GroupBy(units, from, to, f, by) {
		out[v] = res.Outcomes
	}
	return out
}
