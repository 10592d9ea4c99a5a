package outcomes

import (
	"hailong"
	"hailong/aggregator/rollup"
)

// Groups sums outcomes as rollup.Rollup.Groups sums ratings, in one pass:
// out[i] holds the sums for each procedure, official, counter or field
// (by[i]) the one-stop software reported. Outcomes have no channel or
// questionnaire: grouped by one there is nothing to group, and a filter
// naming one is ignored, as Query ignores it.
func (b *Book) Groups(units []string, from, to hailong.Date, f rollup.Filter, by []rollup.Dimension) []map[string]rollup.Outcomes {
	b.wait()
	return b.roll.OutcomeGroups(units, from, to, f, by)
}
