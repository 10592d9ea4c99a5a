package report

import (
	"cmp"
	"slices"
)

// OfficialIndices are the Circular 01 indices an official's score adds up.
var OfficialIndices = []int{1, 2, 3, 4, 7}

// OfficialPeriod is an official's figures over one period.
type OfficialPeriod struct {
	Period       Period     `json:"-"`
	From         string     `json:"from"`
	To           string     `json:"to"`
	Score        Score      `json:"score"`
	Indices      []Index    `json:"indices"` // those of OfficialIndices
	Satisfaction Proportion `json:"satisfaction"`
}

// Official is an official's Circular 01 score and classification period by
// period, with the indices that pull the score of the asked period down.
type Official struct {
	Official string           `json:"official"`
	Unit     string           `json:"unit"`
	Current  OfficialPeriod   `json:"current"`
	Periods  []OfficialPeriod `json:"periods"`
	// PullDown lists the indices of the current period with a score, the
	// most points lost (2 − score) first.
	PullDown []Index `json:"pull_down"`
}

// OfficialQuarters is how many quarters an official's history shows: two
// years, the span of a term's appraisals.
const OfficialQuarters = 8

// Official reports the official's figures in the resolved query q (its
// filter's official is set to official): over q's period, and over each of
// the OfficialQuarters quarters ending with the quarter q ends in.
func (r *Reporter) Official(q Query, official, lang string) (Official, error) {
	q.Filter.Official = official
	out := Official{Official: official, Unit: q.Unit, Periods: []OfficialPeriod{}}
	measure := func(p Period) (OfficialPeriod, error) {
		e := q
		e.Period = p
		m, err := r.Measures(e, Breakdowns{}, lang)
		op := OfficialPeriod{Period: p, From: p.From.String(), To: p.To.String(), Score: m.Circular01.Official, Satisfaction: m.Satisfaction}
		for _, ix := range m.Circular01.Indices {
			if slices.Contains(OfficialIndices, ix.Index) {
				op.Indices = append(op.Indices, ix)
			}
		}
		return op, err
	}
	var err error
	if out.Current, err = measure(q.Period); err != nil {
		return out, err
	}
	quarter := QuarterContaining(q.To)
	for range OfficialQuarters {
		op, err := measure(quarter)
		if err != nil {
			return out, err
		}
		out.Periods = append(out.Periods, op)
		quarter = quarter.Previous()
	}
	slices.Reverse(out.Periods) // oldest first, as a trend reads
	out.PullDown = []Index{}
	for _, ix := range out.Current.Indices {
		if ix.Score != nil {
			out.PullDown = append(out.PullDown, ix)
		}
	}
	slices.SortStableFunc(out.PullDown, func(a, b Index) int {
		return cmp.Or(cmp.Compare(*a.Score, *b.Score), cmp.Compare(a.Index, b.Index))
	})
	return out, nil
}
