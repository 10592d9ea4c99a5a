package report

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"hailong"
	"hailong/aggregator/rollup"
)

// Dimensions are the dimensions a unit's figures break down by, by the
// name of the /api/v1/measures filter that picks one value of each.
var Dimensions = []DimensionName{
	{"procedure", rollup.ByProcedure}, {"field", rollup.ByField}, {"official", rollup.ByOfficial},
	{"counter", rollup.ByCounter}, {"channel", rollup.ByChannel}, {"questionnaire", rollup.ByQuestionnaire},
}

// DimensionName is a dimension with its filter's name.
type DimensionName struct {
	Name string
	By   rollup.Dimension
}

// OutcomeGrouper is an outcome book that can group its sums by
// dimensions, for Decision 766 by procedure, official, counter or field. A
// book that cannot leaves those figures out.
type OutcomeGrouper interface {
	// Groups sums outcomes per value of each dimension of by, in one pass
	// as rollup.Rollup.Groups sums ratings: out[i] is by by[i].
	Groups(units []string, from, to hailong.Date, f rollup.Filter, by []rollup.Dimension) []map[string]rollup.Outcomes
}

// BreakdownRow is one value of a dimension: the figures of the query whose
// filter also names that value.
type BreakdownRow struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Rank is set in a list of the worst: 1 the lowest satisfaction; equal
	// rates share a rank.
	Rank         int        `json:"rank,omitempty"`
	Satisfaction Proportion `json:"satisfaction"`
	HappyIndex   Happy      `json:"happy_index"`
	// Decision766 is over the dossiers the one-stop software reported
	// with the value; nil by channel and questionnaire, which dossiers do
	// not have.
	Decision766 *Proportion `json:"decision766,omitempty"`
}

// Breakdown is a query's figures by each value of a dimension, the values
// with most ratings first. Ratings with no value (no official recorded) are
// in no row.
type Breakdown struct {
	Dimension string         `json:"dimension"`
	Rows      []BreakdownRow `json:"rows"`
}

// Breakdown breaks the resolved query q down by the dimension named dim
// (one of Dimensions); lang chooses the language of the names.
func (r *Reporter) Breakdown(q Query, dim, lang string) (Breakdown, error) {
	bs, err := r.Breakdowns(q, []string{dim}, lang)
	if err != nil {
		return Breakdown{}, err
	}
	return bs[0], nil
}

// Breakdowns breaks the resolved query q down by each dimension named in
// dims (of Dimensions), as Breakdown does, in one pass over the ratings
// and one over the dossier outcomes, as a unit's page shows them all.
func (r *Reporter) Breakdowns(q Query, dims []string, lang string) ([]Breakdown, error) {
	by := make([]rollup.Dimension, len(dims))
	var dossiers []rollup.Dimension // the dimensions dossiers have
	for i, dim := range dims {
		j := slices.IndexFunc(Dimensions, func(d DimensionName) bool { return d.Name == dim })
		if j < 0 {
			return nil, hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "by", Message: "unknown dimension " + dim})
		}
		by[i] = Dimensions[j].By
		if by[i] != rollup.ByChannel && by[i] != rollup.ByQuestionnaire {
			dossiers = append(dossiers, by[i])
		}
	}
	// The dossiers are grouped while the ratings are: the two books are
	// apart, and a province's page waits for both.
	var outs []map[string]rollup.Outcomes
	var wg sync.WaitGroup
	if g, ok := r.Outcomes.(OutcomeGrouper); ok && len(dossiers) > 0 {
		wg.Go(func() { outs = g.Groups(q.Units, q.From, q.To, q.Filter, dossiers) })
	}
	// A breakdown shows no answers to questions: leaving them out spares
	// most of the sums.
	groups := r.Rollup().GroupSums(q.Units, q.From, q.To, q.Filter, by)
	if f := r.flaggedRollup(); f != nil && q.IncludeFlagged {
		for i, fg := range f.GroupSums(q.Units, q.From, q.To, q.Filter, by) {
			groups[i] = addSums(groups[i], fg)
		}
	}
	wg.Wait()
	out := make([]Breakdown, len(dims))
	for i := range dims {
		var o map[string]rollup.Outcomes
		if len(outs) > 0 && by[i] != rollup.ByChannel && by[i] != rollup.ByQuestionnaire {
			o, outs = outs[0], outs[1:]
		}
		out[i] = r.breakdown(dims[i], by[i], groups[i], o, lang)
	}
	return out, nil
}

// breakdown makes the rows of a breakdown by one dimension from the
// sums of ratings and of outcomes (nil for no Decision 766 figures).
func (r *Reporter) breakdown(dim string, by rollup.Dimension, groups []rollup.Sums, outs map[string]rollup.Outcomes, lang string) Breakdown {
	out := Breakdown{Dimension: dim, Rows: make([]BreakdownRow, 0, len(groups))}
	row := func(key string, g *rollup.Sums) BreakdownRow {
		row := BreakdownRow{Key: key, Name: r.name(by, key, lang), Satisfaction: r.proportion(g.N, g.Satisfied), HappyIndex: r.happy(g.ByQuestionnaire)}
		if outs != nil {
			o := outs[key]
			p := r.proportion(o.Dossiers, o.Dossiers-o.Bad)
			row.Decision766 = &p
		}
		return row
	}
	rated := make(map[string]bool, len(groups))
	for i := range groups {
		rated[groups[i].Value] = true
		out.Rows = append(out.Rows, row(groups[i].Value, &groups[i]))
	}
	for key := range outs {
		if !rated[key] {
			out.Rows = append(out.Rows, row(key, &rollup.Sums{}))
		}
	}
	slices.SortFunc(out.Rows, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.Satisfaction.N, a.Satisfaction.N), strings.Compare(a.Key, b.Key))
	})
	return out
}

// name is what a value of a dimension is called: a procedure's name from
// the catalogue, a questionnaire's title, a channel in words. Fields are
// named by themselves; officials and counters have only their codes.
func (r *Reporter) name(by rollup.Dimension, key, lang string) string {
	switch by {
	case rollup.ByProcedure:
		if r.Procedures != nil {
			if p, ok := r.Procedures().Get(key); ok {
				return p.Name
			}
		}
	case rollup.ByQuestionnaire:
		if q, ok := r.Catalog.Latest(key); ok {
			return q.Title.In(lang)
		}
	case rollup.ByChannel:
		if w, ok := tableWords[lang]["channel_"+key]; ok {
			return w
		}
	}
	return key
}

// Worst returns at most n rows with enough ratings and the lowest
// satisfaction, lowest first, ranked: rows with equal rates share a rank,
// and a tie at the n-th place keeps every row of it, so no row is left out
// for its order in the list.
func Worst(rows []BreakdownRow, n int) []BreakdownRow {
	var shown []BreakdownRow
	for _, row := range rows {
		if row.Satisfaction.Shown() {
			shown = append(shown, row)
		}
	}
	slices.SortStableFunc(shown, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(*a.Satisfaction.Rate, *b.Satisfaction.Rate), strings.Compare(a.Key, b.Key))
	})
	out := []BreakdownRow{}
	for i, row := range shown {
		row.Rank = i + 1
		if i > 0 && *shown[i-1].Satisfaction.Rate == *row.Satisfaction.Rate {
			row.Rank = out[i-1].Rank
		}
		if i >= n && row.Rank != out[i-1].Rank {
			break
		}
		out = append(out, row)
	}
	return out
}

// TrendPeriod is the span a trend of period p shows: p itself when it
// spans three months or more, else the twelve months ending with the
// month p ends in, so a quarter's or month's page still shows a year's
// course.
func TrendPeriod(p Period) Period {
	fy, fm := p.From.YearMonth()
	ty, tm := p.To.YearMonth()
	if (ty*12+int(tm))-(fy*12+int(fm)) >= 2 {
		return p
	}
	end := MonthOf(ty, tm)
	return Period{From: MonthOf(ty, tm-11).From, To: end.To, Kind: Custom}
}

// Trend measures the resolved query month by month over TrendPeriod of
// its period.
func (r *Reporter) Trend(q Query, lang string) ([]MonthRow, Period, error) {
	q.Period = TrendPeriod(q.Period)
	m, err := r.Measures(q, Breakdowns{Months: true}, lang)
	return m.ByMonth, q.Period, err
}
