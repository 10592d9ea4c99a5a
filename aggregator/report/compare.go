package report

import (
	"hailong/measure"
)

// Change compares a rate with the same rate in an earlier period.
type Change struct {
	Period Period     `json:"-"`
	From   string     `json:"from"`
	To     string     `json:"to"`
	Then   Proportion `json:"then"`
	// Delta is now − then, in rate units, when both are shown.
	Delta *float64 `json:"delta"`
	// Z is the pooled two-proportion test statistic; Significant says
	// |Z| > 1.96, a change beyond chance at the 5% level (two-sided).
	Z           *float64 `json:"z"`
	Significant bool     `json:"significant"`
}

// Compare compares now, the proportion of the period, with then, the same
// proportion over earlier. A change is only tested between two figures
// that are both shown (enough ratings on each side).
func Compare(now, then Proportion, earlier Period) Change {
	c := Change{Period: earlier, From: earlier.From.String(), To: earlier.To.String(), Then: then}
	if !now.Shown() || !then.Shown() {
		return c
	}
	d := measure.Round4(*now.Rate - *then.Rate)
	c.Delta = &d
	z, ok := measure.TwoProportionZ(measure.Proportion{N: now.N, Successes: now.Successes}, measure.Proportion{N: then.N, Successes: then.Successes})
	if ok {
		z = measure.Round4(z)
		c.Z = &z
		c.Significant = z > measure.Z95 || z < -measure.Z95
	}
	return c
}

// Comparisons holds a report's headline figures against the previous
// period and the same period a year earlier.
type Comparisons struct {
	Previous    Measures `json:"previous"`
	YearEarlier Measures `json:"year_earlier"`
}

// Earlier measures the query over the previous period and the same period
// a year earlier, for comparing with the query's own measures. A unit
// merged away since is measured through its successor's subtree on the
// query's structure date, so the comparison is like for like.
func (r *Reporter) Earlier(q Query, lang string) (Comparisons, error) {
	var out Comparisons
	for _, x := range []struct {
		p  Period
		to *Measures
	}{{q.Period.Previous(), &out.Previous}, {q.Period.YearEarlier(), &out.YearEarlier}} {
		e := q
		e.Period = x.p
		m, err := r.Measures(e, Breakdowns{}, lang)
		if err != nil {
			return out, err
		}
		*x.to = m
	}
	return out, nil
}
