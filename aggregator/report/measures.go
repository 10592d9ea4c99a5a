package report

import (
	"fmt"
	"slices"
	"strings"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// Measures is every measure of DOMAIN.md for a unit's subtree and a
// period: the body of GET /api/v1/measures.
type Measures struct {
	Unit         string       `json:"unit"`
	UnitName     string       `json:"unit_name"`
	From         hailong.Date `json:"from"`
	To           hailong.Date `json:"to"`
	AsOf         hailong.Date `json:"as_of"`
	MinSample    int64        `json:"min_sample"`
	Satisfaction Proportion   `json:"satisfaction"`
	HappyIndex   Happy        `json:"happy_index"`
	SIPAS        SIPAS        `json:"sipas"`
	Circular01   Circular01   `json:"circular01"`
	Decision766  Ratio766     `json:"decision766"`
	Targets      []TargetGap  `json:"targets"`
	ByUnit       []UnitRow    `json:"by_unit,omitempty"`
	ByMonth      []MonthRow   `json:"by_month,omitempty"`
	Flagged      Flagged      `json:"flagged"`
}

// UnitRow is one child unit of a breakdown.
type UnitRow struct {
	Unit string `json:"unit"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Rank is by satisfaction among the units with enough ratings, 1 the
	// highest; units with equal rates share a rank. Zero (omitted) for a
	// unit without enough ratings.
	Rank         int        `json:"rank,omitempty"`
	Satisfaction Proportion `json:"satisfaction"`
	Decision766  Proportion `json:"decision766"`
}

// MonthRow is one calendar month of a breakdown, cut to the period.
type MonthRow struct {
	Month        string     `json:"month"` // YYYY-MM
	Satisfaction Proportion `json:"satisfaction"`
	Decision766  Proportion `json:"decision766"`
}

// Breakdowns says which breakdowns a Measures report includes.
type Breakdowns struct {
	Units, Months bool
	// Allowed keeps the child units the reader may see; nil allows all.
	Allowed func(unit string) bool
}

// Measures reports every measure for the resolved query q, with the
// breakdowns asked for; lang chooses the language of the SIPAS texts.
func (r *Reporter) Measures(q Query, b Breakdowns, lang string) (Measures, error) {
	var children []hierarchy.Unit
	var res rollup.Result
	var groups, months []rollup.Result
	var groups766, months766 []rollup.Outcomes
	var flagged Flagged
	if b.Units || b.Months {
		// One pass over the subtree answers the whole and both breakdowns.
		group := make([]int, len(q.Units))
		var err error
		if children, err = r.childGroups(q, b, group); err != nil {
			return Measures{}, err
		}
		type book struct {
			all            rollup.Outcomes
			groups, months []rollup.Outcomes
		}
		outcomes := alongside(func() (o book) {
			o.all, o.groups, o.months = r.Outcomes.Breakdown(q.Units, group, q.From, q.To, q.Filter)
			return o
		})
		res, groups, months, flagged = r.ratingsBreakdown(q, group)
		o := outcomes()
		res.Outcomes, groups766, months766 = o.all, o.groups, o.months
	} else {
		outcomes := alongside(func() rollup.Outcomes { return r.Outcomes.Query(q.Units, q.From, q.To, q.Filter) })
		res, flagged = r.ratings(q)
		res.Outcomes = outcomes()
	}
	out := r.measuresOf(q, res, lang)
	out.Flagged = flagged
	if b.Units {
		out.ByUnit = r.byUnit(children, groups, groups766)
	}
	if b.Months {
		out.ByMonth = r.byMonth(q.Period, months, months766)
	}
	return out, nil
}

// measuresOf computes the headline measures of one result.
func (r *Reporter) measuresOf(q Query, res rollup.Result, lang string) Measures {
	out := Measures{Unit: q.Unit, From: q.From, To: q.To, AsOf: q.AsOf, MinSample: r.MinSample,
		Satisfaction: r.proportion(res.Total.N, res.Total.Satisfied),
		HappyIndex:   r.happyIndex(res), SIPAS: r.sipas(res, lang), Circular01: r.circular01(res),
		Decision766: r.decision766(res.Outcomes)}
	if u, ok := r.Units().At(q.Unit, q.AsOf); ok {
		out.UnitName = u.Name
	}
	y, _ := q.To.YearMonth()
	out.Targets = r.targets(y, out.Satisfaction, out.Decision766.Proportion)
	return out
}

// childGroups returns the child units in force on as_of and sets, for each
// unit of the query, the index of the child whose subtree holds it, or -1
// (the unit itself, or every unit when not by units). A child outside the
// reader's scope is never listed; the children of a unit in scope are in
// it, so this only guards against a scope rule that says otherwise.
func (r *Reporter) childGroups(q Query, b Breakdowns, group []int) ([]hierarchy.Unit, error) {
	for i := range group {
		group[i] = -1
	}
	if !b.Units {
		return nil, nil
	}
	var children []hierarchy.Unit
	for _, ch := range r.Units().Children(q.Unit, q.AsOf) {
		if b.Allowed == nil || b.Allowed(ch.Code) {
			children = append(children, ch)
		}
	}
	// A unit is in a child's subtree when the child is in the unit's
	// chain: one look at each unit's chain rather than a subtree of the
	// whole tree for each child.
	child := make(map[string]int, len(children))
	for g, ch := range children {
		child[ch.Code] = g
	}
	tree := r.Units()
	for i, u := range q.Units {
		for _, c := range tree.Chain(u, q.AsOf) {
			if g, ok := child[c]; ok {
				group[i] = g
				break
			}
		}
	}
	return children, nil
}

// byUnit measures each child unit, ranked by satisfaction among those
// with enough ratings.
func (r *Reporter) byUnit(children []hierarchy.Unit, res []rollup.Result, out []rollup.Outcomes) []UnitRow {
	rows := []UnitRow{}
	for g, u := range children {
		var rr rollup.Result
		var o rollup.Outcomes
		if g < len(res) {
			rr = res[g]
		}
		if g < len(out) {
			o = out[g]
		}
		rows = append(rows, UnitRow{Unit: u.Code, Name: u.Name, Kind: string(u.Kind),
			Satisfaction: r.proportion(rr.Total.N, rr.Total.Satisfied), Decision766: r.proportion(o.Dossiers, o.Dossiers-o.Bad)})
	}
	slices.SortStableFunc(rows, func(a, b UnitRow) int {
		ra, rb := rankKey(a.Satisfaction), rankKey(b.Satisfaction)
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	for i := range rows {
		if !rows[i].Satisfaction.Shown() {
			continue
		}
		// Equal rates share the rank of the first of them (1, 2, 2, 4).
		rows[i].Rank = i + 1
		if i > 0 && rows[i-1].Rank > 0 && *rows[i-1].Satisfaction.Rate == *rows[i].Satisfaction.Rate {
			rows[i].Rank = rows[i-1].Rank
		}
	}
	return rows
}

// rankKey orders units with enough ratings by rate, the rest after them.
func rankKey(p Proportion) float64 {
	if !p.Shown() {
		return -1
	}
	return *p.Rate
}

// byMonth measures each calendar month of the period (cut to it).
func (r *Reporter) byMonth(p Period, res []rollup.Result, out []rollup.Outcomes) []MonthRow {
	rows := []MonthRow{}
	for i, start := 0, p.From; start <= p.To && i < len(res); i++ {
		y, m := start.YearMonth()
		var o rollup.Outcomes // none when the outcome book has no month
		if i < len(out) {
			o = out[i]
		}
		rr := res[i]
		rows = append(rows, MonthRow{Month: fmt.Sprintf("%04d-%02d", y, int(m)),
			Satisfaction: r.proportion(rr.Total.N, rr.Total.Satisfied), Decision766: r.proportion(o.Dossiers, o.Dossiers-o.Bad)})
		start = hailong.DateFromYMD(y, m+1, 1) // month 13 is January of the next year
	}
	return rows
}

// ChannelCount is one channel's ratings.
type ChannelCount struct {
	N         int64 `json:"n"`
	Satisfied int64 `json:"satisfied"`
}

// Satisfaction is the satisfaction rate alone: the body of
// GET /api/v1/satisfaction.
type Satisfaction struct {
	Unit          string                  `json:"unit"`
	From          hailong.Date            `json:"from"`
	To            hailong.Date            `json:"to"`
	AsOf          hailong.Date            `json:"as_of"`
	N             int64                   `json:"n"`
	Satisfied     int64                   `json:"satisfied"`
	Rate          *float64                `json:"rate"`
	CI95          *[2]float64             `json:"ci95"`
	ByChannel     map[string]ChannelCount `json:"by_channel"`
	MinSample     int64                   `json:"min_sample"`
	EnoughRatings bool                    `json:"enough_ratings"`
	Flagged       Flagged                 `json:"flagged"`
}

// Satisfaction reports the satisfaction rate of the resolved query q.
func (r *Reporter) Satisfaction(q Query) Satisfaction {
	res, flagged := r.ratings(q)
	p := r.proportion(res.Total.N, res.Total.Satisfied)
	out := Satisfaction{
		Unit: q.Unit, From: q.From, To: q.To, AsOf: q.AsOf, Flagged: flagged,
		N: res.Total.N, Satisfied: res.Total.Satisfied, Rate: p.Rate, CI95: p.CI95,
		ByChannel: map[string]ChannelCount{}, MinSample: r.MinSample, EnoughRatings: p.EnoughRatings,
	}
	for ch, t := range res.ByChannel {
		out.ByChannel[string(ch)] = ChannelCount{N: t.N, Satisfied: t.Satisfied}
	}
	return out
}
