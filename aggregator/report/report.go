// Package report computes the measures of DOMAIN.md from the rollups and
// the dossier outcomes, as typed reports: the one place every figure is
// made, used alike by the measures API, the analysts' pages and the
// exports, so a figure on screen, in a file and in the API is the same
// number.
package report

import (
	"hailong"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/procedure"
)

// OutcomeBook answers sums of dossier outcomes.
type OutcomeBook interface {
	Query(units []string, from, to hailong.Date, f rollup.Filter) rollup.Outcomes
	Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (all rollup.Outcomes, groups, months []rollup.Outcomes)
}

// Reporter makes reports. Its fields are read on every report, so a
// catalogue or target list replaced while running is used at once.
type Reporter struct {
	// Rollup returns the ratings' sums.
	Rollup func() *rollup.Rollup
	// Flagged returns the flagged ratings' sums (misuse a kiosk node
	// saw), kept apart from Rollup; nil, or returning nil, when none.
	Flagged func() *rollup.Rollup
	// Outcomes keeps the one-stop software's dossier outcomes.
	Outcomes OutcomeBook
	Catalog  *hailong.Catalog
	// Procedures names procedures in breakdowns; nil names them by code.
	Procedures func() *procedure.Catalogue
	Units      func() *hierarchy.Tree
	// Targets returns the targets in force.
	Targets func() []measure.Target
	// MinSample is the fewest ratings a figure is shown on.
	MinSample int64
}

// Query is what every report asks: a unit's subtree, a period, the date
// whose structure of units is used, and filters.
type Query struct {
	Unit string
	Period
	AsOf   hailong.Date
	Filter rollup.Filter
	// IncludeFlagged adds the flagged ratings to the measures.
	IncludeFlagged bool
	// Units are the rating units of the subtree, as Resolve finds them.
	Units []string
}

// Resolve fills q.Units with the rating units of q.Unit's subtree on
// q.AsOf. It fails with ENOTFOUND for a unit not in force then.
func (r *Reporter) Resolve(q *Query) error {
	units, err := r.Units().Subtree(q.Unit, q.AsOf)
	if err != nil {
		return err
	}
	q.Units = units
	return nil
}

// Proportion is a share with its sample and 95% Wilson interval. Rate and
// CI95 are nil when there is no rating at all; EnoughRatings says whether
// the sample reaches the minimum, below which a figure is not published.
type Proportion struct {
	N             int64       `json:"n"`
	Successes     int64       `json:"successes"`
	Rate          *float64    `json:"rate"`
	CI95          *[2]float64 `json:"ci95"`
	EnoughRatings bool        `json:"enough_ratings"`
}

// Shown reports whether the rate may be published: it exists and rests on
// enough ratings.
func (p Proportion) Shown() bool { return p.Rate != nil && p.EnoughRatings }

// proportion makes a Proportion of k successes in n.
func (r *Reporter) proportion(n, k int64) Proportion {
	p := measure.Proportion{N: n, Successes: k}
	out := Proportion{N: n, Successes: k, EnoughRatings: p.Enough(r.MinSample)}
	if rate, ok := p.Rate(); ok {
		rate = measure.Round4(rate)
		lo, hi, _ := p.Wilson(measure.Z95)
		out.Rate, out.CI95 = &rate, &[2]float64{measure.Round4(lo), measure.Round4(hi)}
	}
	return out
}
