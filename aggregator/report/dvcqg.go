package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"hailong"
	"hailong/measure"
)

// PortalExport is the Decision 766 satisfaction figures of a unit subtree
// and period in the shape the national public service portal's reporting
// gives them, so that an analyst can set ours beside the portal's: the
// body of GET /api/v1/exports/dvcqg. docs/DVCQG.md maps each metric.
type PortalExport struct {
	Unit     string         `json:"unit"`
	UnitName string         `json:"unit_name"`
	Period   string         `json:"period"`
	From     hailong.Date   `json:"from"`
	To       hailong.Date   `json:"to"`
	AsOf     hailong.Date   `json:"as_of"`
	Metrics  []PortalMetric `json:"metrics"`
}

// PortalMetric is one metric. Numerator, Denominator and Ratio are the
// same figures as the matching measure of GET /api/v1/measures (Ratio is
// its rate); Score is out of MaxScore, nil while the ratio rests on too few
// dossiers to publish (EnoughRatings false) or there is none.
type PortalMetric struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Ratio       *float64 `json:"ratio"`
	Score       *float64 `json:"score"`
	MaxScore    float64  `json:"maxScore"`
	// FullAt is the ratio that earns MaxScore: the Decision 766 target in
	// force for the period's year (GET /api/v1/targets), or 0.9.
	FullAt        float64 `json:"fullAt"`
	EnoughRatings bool    `json:"enough_ratings"`
}

// PortalScoring is how one of our measures is coded and scored as a
// portal metric. The portal's codes are not published and the split of the
// satisfaction group's 18 points is not settled in public sources: these
// are configuration, documented in docs/DVCQG.md.
type PortalScoring struct {
	// Measure is the measure of /api/v1/measures the metric is:
	// "decision766", the only one the portal's satisfaction group has
	// that our data answers.
	Measure  string  `json:"measure"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	MaxScore float64 `json:"maxScore"`
}

// ReadPortalScoring reads a JSON list of PortalScoring; each needs the
// measure decision766, a code, a name and a positive maximum score.
func ReadPortalScoring(r io.Reader) ([]PortalScoring, error) {
	var sc []PortalScoring
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("dvcqg scoring: %w", err)
	}
	for i, s := range sc {
		if s.Measure != "decision766" {
			return nil, fmt.Errorf("dvcqg scoring %d: unknown measure %q (decision766 is the one exported)", i+1, s.Measure)
		}
		if s.Code == "" || s.Name == "" || !(s.MaxScore > 0) {
			return nil, fmt.Errorf("dvcqg scoring %d: needs a code, a name and a maximum score above 0", i+1)
		}
	}
	return sc, nil
}

// Metric766Satisfaction is our code of Decision 766's satisfaction ratio
// in receiving and handling procedures: the one metric of the group the
// aggregator's data answers (the other two are about feedback handling).
const Metric766Satisfaction = "766.HL.TTHC"

// DefaultPortalScoring scores the satisfaction ratio out of 6 of the
// group's 18 points, as published summaries of Decision 766/QĐ-TTg give it.
var DefaultPortalScoring = []PortalScoring{
	{Measure: "decision766", Code: Metric766Satisfaction, Name: "Tỷ lệ hài lòng trong tiếp nhận, giải quyết thủ tục hành chính", MaxScore: 6},
}

// fullAtDefault is the ratio that earns full points without a configured
// Decision 766 target: third-party descriptions give 90%.
const fullAtDefault = 0.9

// Portal reports the Decision 766 figures of the resolved query q, scored
// by scoring (DefaultPortalScoring when nil): full points at or above the
// target in force, linear below.
func (r *Reporter) Portal(q Query, scoring []PortalScoring) PortalExport {
	if scoring == nil {
		scoring = DefaultPortalScoring
	}
	out := PortalExport{Unit: q.Unit, Period: q.Period.String(), From: q.From, To: q.To, AsOf: q.AsOf, Metrics: []PortalMetric{}}
	if u, ok := r.Units().At(q.Unit, q.AsOf); ok {
		out.UnitName = u.Name
	}
	y, _ := q.To.YearMonth()
	fullAt := fullAtDefault
	for _, t := range measure.Current(r.Targets(), y) {
		if t.Measure == "decision766" {
			fullAt = t.Target
		}
	}
	d := r.decision766(r.Outcomes.Query(q.Units, q.From, q.To, q.Filter))
	for _, sc := range scoring {
		if sc.Measure != "decision766" {
			continue // a measure our data does not answer
		}
		m := PortalMetric{Code: sc.Code, Name: sc.Name, Numerator: d.Successes, Denominator: d.N, Ratio: d.Rate,
			MaxScore: sc.MaxScore, FullAt: fullAt, EnoughRatings: d.EnoughRatings}
		if d.Rate != nil && d.EnoughRatings {
			score := math.Round(sc.MaxScore*math.Min(1, *d.Rate/fullAt)*100) / 100
			m.Score = &score
		}
		out.Metrics = append(out.Metrics, m)
	}
	return out
}
