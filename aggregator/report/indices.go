package report

import (
	"slices"
	"strings"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/measure"
)

// Happy is the Happy Index: the mean rating, each on its own scale, as a
// score from 0 (all most negative) to 100 (all most positive); a score,
// not a percentage, written as such wherever it is read (87,5 beside
// "Chỉ số Happy Index (0–100)").
type Happy struct {
	N             int64    `json:"n"`
	Value         *float64 `json:"value"`
	EnoughRatings bool     `json:"enough_ratings"`
}

// happyIndex combines questionnaires of different scales: each rating
// weighs i/(k−1) on its own k-level scale.
func (r *Reporter) happyIndex(res rollup.Result) Happy {
	qs := make([]rollup.QuestionnaireSums, 0, len(res.ByQuestionnaire))
	for id, t := range res.ByQuestionnaire {
		qs = append(qs, rollup.QuestionnaireSums{Questionnaire: id, N: t.N, Satisfied: t.Satisfied, Levels: t.Levels})
	}
	return r.happy(qs)
}

// happy is happyIndex of each questionnaire's levels, added up in the
// order of their ids, so that the same counts give the same figure to
// the last digit whatever their order.
func (r *Reporter) happy(qs []rollup.QuestionnaireSums) Happy {
	slices.SortFunc(qs, func(a, b rollup.QuestionnaireSums) int { return strings.Compare(a.Questionnaire, b.Questionnaire) })
	var n int64
	var weighted float64
	for _, t := range qs {
		q, ok := r.Catalog.Latest(t.Questionnaire)
		if !ok {
			continue
		}
		h, _ := q.Question(q.Headline)
		k := min(len(h.Options), rollup.MaxLevels)
		v, ok := measure.HappyIndex(t.Levels[:k])
		if !ok {
			continue
		}
		weighted += v * float64(t.N)
		n += t.N
	}
	out := Happy{N: n, EnoughRatings: n >= r.MinSample}
	if n > 0 {
		v := measure.Round4(weighted / float64(n))
		out.Value = &v
	}
	return out
}

// SIPASItem is one statement of the SIPAS questionnaire: the share of its
// answers in the top two levels.
type SIPASItem struct {
	ID      string `json:"id"`
	Element string `json:"element"`
	Text    string `json:"text"`
	Proportion
}

// SIPASElement is one element (group of statements) of SIPAS.
type SIPASElement struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Index *float64 `json:"index"`
	Items int      `json:"items"`
	// EnoughRatings holds when every statement with answers has the
	// minimum sample.
	EnoughRatings bool `json:"enough_ratings"`
}

// SIPAS holds the SIPAS-style indices.
type SIPAS struct {
	Label         string         `json:"label"`
	N             int64          `json:"n"`
	Overall       *float64       `json:"overall"`
	EnoughRatings bool           `json:"enough_ratings"`
	Elements      []SIPASElement `json:"elements"`
	Items         []SIPASItem    `json:"items"`
}

// sipas computes the SIPAS-style indices: each statement's share of the
// top two levels; an element's index is the mean of its statements' rates,
// the overall index the mean of the elements' (DOMAIN.md: the official
// aggregation is not public, so this is labelled "SIPAS-style").
func (r *Reporter) sipas(res rollup.Result, lang string) SIPAS {
	out := SIPAS{Label: "SIPAS-style", Elements: []SIPASElement{}, Items: []SIPASItem{}, EnoughRatings: true}
	var elementRates []float64 // unrounded: means are rounded once, at the end
	for _, q := range r.Catalog.All() {
		if len(q.Elements) == 0 {
			continue
		}
		t := res.ByQuestionnaire[q.ID]
		out.N += t.N
		for _, e := range q.Elements {
			var rates []float64
			ej := SIPASElement{ID: e.ID, Title: e.Title.In(lang), EnoughRatings: true}
			for _, qu := range q.Questions {
				if qu.Element != e.ID {
					continue
				}
				it := findItem(t.Items, qu.ID)
				p := r.proportion(it.N, it.Satisfied)
				out.Items = append(out.Items, SIPASItem{ID: qu.ID, Element: e.ID, Text: qu.Text.In(lang), Proportion: p})
				ej.Items++
				if rate, ok := (measure.Proportion{N: it.N, Successes: it.Satisfied}).Rate(); ok {
					rates = append(rates, rate)
					ej.EnoughRatings = ej.EnoughRatings && p.EnoughRatings
				}
			}
			if m, ok := measure.Mean(rates); ok {
				elementRates = append(elementRates, m)
				m = measure.Round4(m)
				ej.Index = &m
				out.EnoughRatings = out.EnoughRatings && ej.EnoughRatings
			} else {
				ej.EnoughRatings = false
			}
			out.Elements = append(out.Elements, ej)
		}
	}
	if m, ok := measure.Mean(elementRates); ok {
		m = measure.Round4(m)
		out.Overall = &m
	} else {
		out.EnoughRatings = false
	}
	return out
}

func findItem(items []rollup.Item, q string) rollup.Item {
	for _, it := range items {
		if it.Q == q {
			return it
		}
	}
	return rollup.Item{Q: q}
}

// Index is one of the nine Circular 01 indices, scored 0–2.
type Index struct {
	Index         int      `json:"index"`
	Source        string   `json:"source"` // "ratings" or "outcomes"
	N             int64    `json:"n"`
	Score         *float64 `json:"score"`
	EnoughRatings bool     `json:"enough_ratings"`
}

// Score is a Circular 01 total with its classification.
type Score struct {
	Value *float64 `json:"value"`
	// Classification is given only when every index has the minimum
	// sample: an official is not classed on a handful of dossiers.
	Classification string `json:"classification,omitempty"`
	EnoughRatings  bool   `json:"enough_ratings"`
	Missing        []int  `json:"missing,omitempty"` // indices with no data
}

// Circular01 holds the Circular 01/2018 indices and the official's and
// agency's scores.
type Circular01 struct {
	Indices  []Index `json:"indices"`
	Official Score   `json:"official_score"`
	Agency   Score   `json:"agency_score"`
}

// circular01 computes the Circular 01/2018 indices: 3, 4 and 7 from the
// citizens' answers, 2, 5, 6, 8 and 9 from the one-stop software, and 1 from
// the one-stop software's dates where it reported returned dossiers, else
// from the citizens' answers. Each index is rounded to one decimal before
// the scores add them up, as the circular scores. An index from answers
// counts each rating as one dossier's evaluation: kiosk ratings often carry
// no dossier code, and a QR link rates its dossier once.
func (r *Reporter) circular01(res rollup.Result) Circular01 {
	sums, ns := map[int]int64{}, map[int]int64{}
	for id, t := range res.ByQuestionnaire {
		q, ok := r.Catalog.Latest(id)
		if !ok {
			continue
		}
		for _, qu := range q.Questions {
			if qu.Circular01Index != 0 {
				it := findItem(t.Items, qu.ID)
				sums[qu.Circular01Index] += it.Sum
				ns[qu.Circular01Index] += it.N
			}
		}
	}
	out := Circular01{}
	scores, enough := map[int]float64{}, map[int]bool{}
	for i := 1; i <= 9; i++ {
		ij := Index{Index: i}
		var sum, n int64
		switch {
		case i == 1 && res.Outcomes.Dossiers > 0:
			ij.Source, sum, n = "outcomes", res.Outcomes.Index1Sum, res.Outcomes.Dossiers
		case i == 1 || i == 3 || i == 4 || i == 7:
			ij.Source, sum, n = "ratings", sums[i], ns[i]
		default:
			k := slices.Index(hailong.OneStopIndices, i)
			if k < 0 {
				continue // index 0 does not exist
			}
			ij.Source, sum, n = "outcomes", res.Outcomes.IndexSum[k], res.Outcomes.IndexN[k]
		}
		ij.N, ij.EnoughRatings = n, n >= r.MinSample
		if v, ok := measure.IndexScore(sum, n); ok {
			ij.Score = &v
			scores[i] = v
		}
		enough[i] = ij.EnoughRatings
		out.Indices = append(out.Indices, ij)
	}
	total := func(indices []int) Score {
		sj := Score{EnoughRatings: true}
		var v float64
		for _, i := range indices {
			sc, ok := scores[i]
			if !ok {
				sj.Missing = append(sj.Missing, i)
			}
			sj.EnoughRatings = sj.EnoughRatings && enough[i]
			v += sc
		}
		if len(sj.Missing) == 0 {
			v = measure.Round1(v)
			sj.Value = &v
		}
		return sj
	}
	out.Official = total([]int{1, 2, 3, 4, 7})
	if out.Official.Value != nil && out.Official.EnoughRatings {
		out.Official.Classification = measure.OfficialClass(*out.Official.Value)
	}
	out.Agency = total([]int{1, 2, 3, 4, 5, 6, 7, 8, 9})
	if out.Agency.Value != nil && out.Agency.EnoughRatings {
		out.Agency.Classification = measure.AgencyClass(*out.Agency.Value)
	}
	return out
}

// Ratio766 is the Decision 766 ratio with its parts.
type Ratio766 struct {
	Dossiers   int64 `json:"dossiers"`
	NotOK      int64 `json:"not_satisfied_complained_or_overdue"`
	Overdue    int64 `json:"overdue"`
	Complained int64 `json:"complained"`
	Proportion
}

// decision766 is (dossiers − those rated not satisfied, complained about or
// overdue) ÷ dossiers, over dossiers returned in the period.
func (r *Reporter) decision766(o rollup.Outcomes) Ratio766 {
	return Ratio766{Dossiers: o.Dossiers, NotOK: o.Bad, Overdue: o.Overdue, Complained: o.Complained,
		Proportion: r.proportion(o.Dossiers, o.Dossiers-o.Bad)}
}

// TargetGap is a target in force with the measured value and the gap.
type TargetGap struct {
	measure.Target
	Value *float64 `json:"value"`
	// Gap is value − target in share units, a difference of two rates:
	// shown in percentage points (KindRateChange); negative falls short.
	Gap *float64 `json:"gap"`
	Met *bool    `json:"met"`
}

func (r *Reporter) targets(year int, sat, r766 Proportion) []TargetGap {
	out := []TargetGap{}
	for _, t := range measure.Current(r.Targets(), year) {
		tj := TargetGap{Target: t}
		p := sat
		if t.Measure == "decision766" {
			p = r766
		}
		if p.Rate != nil && p.EnoughRatings {
			gap := measure.Round4(*p.Rate - t.Target)
			met := *p.Rate >= t.Target
			tj.Value, tj.Gap, tj.Met = p.Rate, &gap, &met
		}
		out = append(out, tj)
	}
	return out
}

// Watched are the measures an alert rule can watch, of one result: the
// satisfaction rate, the Happy Index and the Circular 01 indices, made
// by the same formulas as every report.
type Watched struct {
	Satisfaction Proportion
	HappyIndex   Happy
	Circular01   Circular01
}

// Watch computes the watched measures of res (ratings only: outcomes are
// not an alert's concern).
func (r *Reporter) Watch(res rollup.Result) Watched {
	return Watched{Satisfaction: r.proportion(res.Total.N, res.Total.Satisfied), HappyIndex: r.happyIndex(res), Circular01: r.circular01(res)}
}
