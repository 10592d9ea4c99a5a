package report_test

import (
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/measure"
)

// someOutcomes is an outcome book answering the same tally for any query.
type someOutcomes struct{ rollup.Outcomes }

func (o someOutcomes) Query([]string, hailong.Date, hailong.Date, rollup.Filter) rollup.Outcomes {
	return o.Outcomes
}

func (o someOutcomes) Breakdown(_ []string, group []int, from, to hailong.Date, _ rollup.Filter) (rollup.Outcomes, []rollup.Outcomes, []rollup.Outcomes) {
	return o.Outcomes, nil, nil
}

func TestPortalExportScores(t *testing.T) {
	target := func(v float64) []measure.Target {
		return []measure.Target{{Measure: "decision766", Target: v, By: 2030, Source: "test"}}
	}
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name      string
		dossiers  int64
		bad       int64
		targets   []measure.Target
		scoring   []report.PortalScoring
		ratio     *float64
		score     *float64
		max, full float64
	}{
		{"below the target: linear", 40, 6, target(0.95), nil, f(0.85), f(5.37), 6, 0.95},
		{"at the target: full", 40, 2, target(0.95), nil, f(0.95), f(6), 6, 0.95},
		{"above the default 90%", 40, 2, nil, nil, f(0.95), f(6), 6, 0.9},
		{"configured maximum", 40, 6, nil, []report.PortalScoring{{Measure: "decision766", Code: "CUSTOM", Name: "x", MaxScore: 4}}, f(0.85), f(3.78), 4, 0.9},
		{"too few dossiers: no score", 10, 0, nil, nil, f(1), nil, 6, 0.9},
		{"no dossier", 0, 0, nil, nil, nil, nil, 6, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := demoReporter(t, rollup.New())
			rp.Outcomes = someOutcomes{rollup.Outcomes{Dossiers: tt.dossiers, Bad: tt.bad}}
			rp.Targets = func() []measure.Target { return tt.targets }
			q := report.Query{Unit: "24", Period: report.QuarterOf(2026, 1), AsOf: hailong.DateFromYMD(2026, 3, 1)}
			if err := rp.Resolve(&q); err != nil {
				t.Fatal(err)
			}
			ex := rp.Portal(q, tt.scoring)
			code := report.Metric766Satisfaction
			if tt.scoring != nil {
				code = tt.scoring[0].Code
			}
			if len(ex.Metrics) != 1 || ex.Period != "2026-Q1" || ex.Metrics[0].Code != code {
				t.Fatalf("export %+v", ex)
			}
			m := ex.Metrics[0]
			eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			if m.Numerator != tt.dossiers-tt.bad || m.Denominator != tt.dossiers || !eq(m.Ratio, tt.ratio) || !eq(m.Score, tt.score) ||
				m.MaxScore != tt.max || m.FullAt != tt.full {
				t.Errorf("metric %+v (ratio %v, score %v), want ratio %v, score %v of %v at %v", m, deref(m.Ratio), deref(m.Score), deref(tt.ratio), deref(tt.score), tt.max, tt.full)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestReadPortalScoring(t *testing.T) {
	tests := []struct {
		name, file string
		ok         bool
	}{
		{"one metric", `[{"measure": "decision766", "code": "766.HL.TTHC", "name": "Tỷ lệ hài lòng", "maxScore": 6}]`, true},
		{"no maximum", `[{"measure": "decision766", "code": "766.HL.TTHC", "name": "Tỷ lệ hài lòng"}]`, false},
		{"no code", `[{"measure": "decision766", "name": "Tỷ lệ hài lòng", "maxScore": 6}]`, false},
		{"another measure", `[{"measure": "satisfaction", "code": "X", "name": "Tỷ lệ hài lòng", "maxScore": 6}]`, false},
		{"unknown member", `[{"measure": "decision766", "code": "766.HL.TTHC", "name": "x", "maxScore": 6, "weight": 1}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := report.ReadPortalScoring(strings.NewReader(tt.file)); (err == nil) != tt.ok {
				t.Errorf("err %v, want ok %v", err, tt.ok)
			}
		})
	}
}
