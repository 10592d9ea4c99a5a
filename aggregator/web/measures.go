package web

import (
	"slices"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/measure"
)

// proportionJSON is a proportion with its sample and interval.
type proportionJSON struct {
	N             int64       `json:"n"`
	Successes     int64       `json:"successes"`
	Rate          *float64    `json:"rate"`
	CI95          *[2]float64 `json:"ci95"`
	EnoughRatings bool        `json:"enough_ratings"`
}

func (s *Server) proportion(n, k int64) proportionJSON {
	p := measure.Proportion{N: n, Successes: k}
	out := proportionJSON{N: n, Successes: k, EnoughRatings: p.Enough(s.MinSample)}
	if rate, ok := p.Rate(); ok {
		rate = measure.Round4(rate)
		lo, hi, _ := p.Wilson(measure.Z95)
		out.Rate, out.CI95 = &rate, &[2]float64{measure.Round4(lo), measure.Round4(hi)}
	}
	return out
}

type happyJSON struct {
	N             int64    `json:"n"`
	Value         *float64 `json:"value"`
	EnoughRatings bool     `json:"enough_ratings"`
}

// happyIndex combines questionnaires of different scales: each rating
// weighs i/(k−1) on its own k-level scale.
func (s *Server) happyIndex(res rollup.Result) happyJSON {
	var n int64
	var weighted float64
	for id, t := range res.ByQuestionnaire {
		q, ok := s.Catalog.Latest(id)
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
	out := happyJSON{N: n, EnoughRatings: n >= s.MinSample}
	if n > 0 {
		v := measure.Round4(weighted / float64(n))
		out.Value = &v
	}
	return out
}

type sipasItemJSON struct {
	ID      string `json:"id"`
	Element string `json:"element"`
	Text    string `json:"text"`
	proportionJSON
}

type sipasElementJSON struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Index *float64 `json:"index"`
	Items int      `json:"items"`
	// EnoughRatings holds when every statement with answers has the
	// minimum sample.
	EnoughRatings bool `json:"enough_ratings"`
}

type sipasJSON struct {
	Label         string             `json:"label"`
	N             int64              `json:"n"`
	Overall       *float64           `json:"overall"`
	EnoughRatings bool               `json:"enough_ratings"`
	Elements      []sipasElementJSON `json:"elements"`
	Items         []sipasItemJSON    `json:"items"`
}

// sipas computes the SIPAS-style indices: each statement's share of the
// top two levels; an element's index is the mean of its statements' rates,
// the overall index the mean of the elements' (DOMAIN.md: the official
// aggregation is not public, so this is labelled "SIPAS-style").
func (s *Server) sipas(res rollup.Result, lang string) sipasJSON {
	out := sipasJSON{Label: "SIPAS-style", Elements: []sipasElementJSON{}, Items: []sipasItemJSON{}, EnoughRatings: true}
	var elementRates []float64 // unrounded: means are rounded once, at the end
	for _, q := range s.Catalog.All() {
		if len(q.Elements) == 0 {
			continue
		}
		t := res.ByQuestionnaire[q.ID]
		out.N += t.N
		for _, e := range q.Elements {
			var rates []float64
			ej := sipasElementJSON{ID: e.ID, Title: e.Title.In(lang), EnoughRatings: true}
			for _, qu := range q.Questions {
				if qu.Element != e.ID {
					continue
				}
				it := findItem(t.Items, qu.ID)
				p := s.proportion(it.N, it.Satisfied)
				out.Items = append(out.Items, sipasItemJSON{ID: qu.ID, Element: e.ID, Text: qu.Text.In(lang), proportionJSON: p})
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

type indexJSON struct {
	Index         int      `json:"index"`
	Source        string   `json:"source"` // "ratings" or "outcomes"
	N             int64    `json:"n"`
	Score         *float64 `json:"score"`
	EnoughRatings bool     `json:"enough_ratings"`
}

type scoreJSON struct {
	Value *float64 `json:"value"`
	// Classification is given only when every index has the minimum
	// sample: an official is not classed on a handful of dossiers.
	Classification string `json:"classification,omitempty"`
	EnoughRatings  bool   `json:"enough_ratings"`
	Missing        []int  `json:"missing,omitempty"` // indices with no data
}

type circularJSON struct {
	Indices  []indexJSON `json:"indices"`
	Official scoreJSON   `json:"official_score"`
	Agency   scoreJSON   `json:"agency_score"`
}

// circular01 computes the Circular 01/2018 indices: 3, 4 and 7 from the
// citizens' answers, 2, 5, 6, 8 and 9 from the one-stop software, and 1 from
// the one-stop software's dates where it reported returned dossiers, else
// from the citizens' answers. Each index is rounded to one decimal before
// the scores add them up, as the circular scores. An index from answers
// counts each rating as one dossier's evaluation: kiosk ratings often carry
// no dossier code, and a QR link rates its dossier once.
func (s *Server) circular01(res rollup.Result) circularJSON {
	sums, ns := map[int]int64{}, map[int]int64{}
	for id, t := range res.ByQuestionnaire {
		q, ok := s.Catalog.Latest(id)
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
	out := circularJSON{}
	scores, enough := map[int]float64{}, map[int]bool{}
	for i := 1; i <= 9; i++ {
		ij := indexJSON{Index: i}
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
		ij.N, ij.EnoughRatings = n, n >= s.MinSample
		if v, ok := measure.IndexScore(sum, n); ok {
			ij.Score = &v
			scores[i] = v
		}
		enough[i] = ij.EnoughRatings
		out.Indices = append(out.Indices, ij)
	}
	total := func(indices []int) scoreJSON {
		sj := scoreJSON{EnoughRatings: true}
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

type ratio766JSON struct {
	Dossiers   int64 `json:"dossiers"`
	NotOK      int64 `json:"not_satisfied_complained_or_overdue"`
	Overdue    int64 `json:"overdue"`
	Complained int64 `json:"complained"`
	proportionJSON
}

// decision766 is (dossiers − those rated not satisfied, complained about or
// overdue) ÷ dossiers, over dossiers returned in the period.
func (s *Server) decision766(o rollup.Outcomes) ratio766JSON {
	return ratio766JSON{Dossiers: o.Dossiers, NotOK: o.Bad, Overdue: o.Overdue, Complained: o.Complained,
		proportionJSON: s.proportion(o.Dossiers, o.Dossiers-o.Bad)}
}

type targetJSON struct {
	measure.Target
	Value *float64 `json:"value"`
	Gap   *float64 `json:"gap"` // value − target; negative falls short
	Met   *bool    `json:"met"`
}

func (s *Server) targets(year int, sat, r766 proportionJSON) []targetJSON {
	out := []targetJSON{}
	for _, t := range measure.Current(s.targetList(), year) {
		tj := targetJSON{Target: t}
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
