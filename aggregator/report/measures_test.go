package report_test

import (
	"testing"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/measure"
)

// noOutcomes is an outcome book with no dossier.
type noOutcomes struct{}

func (noOutcomes) Query([]string, hailong.Date, hailong.Date, rollup.Filter) rollup.Outcomes {
	return rollup.Outcomes{}
}

func (noOutcomes) Breakdown(_ []string, group []int, from, to hailong.Date, _ rollup.Filter) (rollup.Outcomes, []rollup.Outcomes, []rollup.Outcomes) {
	return rollup.Outcomes{}, nil, nil
}

func demoReporter(t *testing.T, r *rollup.Rollup) *report.Reporter {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := hierarchy.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	return &report.Reporter{Rollup: func() *rollup.Rollup { return r }, Outcomes: noOutcomes{}, Catalog: catalog,
		Units: func() *hierarchy.Tree { return tree }, Targets: func() []measure.Target { return nil }, MinSample: 30}
}

// rate adds n ratings at unit on day, satisfied of them satisfied.
func rate(r *rollup.Rollup, unit string, day hailong.Date, n, satisfied int) {
	for i := range n {
		r.Add(rollup.Fact{Unit: unit, Date: day, Satisfied: i < satisfied, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
	}
}

func TestRankingOfChildUnits(t *testing.T) {
	r := rollup.New()
	day := hailong.DateFromYMD(2026, 2, 10)
	rate(r, "TT-09190", day, 40, 36) // 90%
	rate(r, "TT-09250", day, 40, 36) // 90%, a tie
	rate(r, "07210", day, 50, 40)    // 80%
	rate(r, "07450", day, 10, 10)    // 100% of too few
	rp := demoReporter(t, r)
	q := report.Query{Unit: "24", Period: report.QuarterOf(2026, 1), AsOf: hailong.DateFromYMD(2026, 3, 1)}
	if err := rp.Resolve(&q); err != nil {
		t.Fatal(err)
	}
	m, err := rp.Measures(q, report.Breakdowns{Units: true, Months: true}, "vi")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"09190": 1, "09250": 1, "07210": 3, "07450": 0}
	for _, row := range m.ByUnit {
		if w, ok := want[row.Unit]; ok && row.Rank != w {
			t.Errorf("%s ranked %d, want %d", row.Unit, row.Rank, w)
		}
	}
	last := m.ByUnit[len(m.ByUnit)-1]
	if last.Rank != 0 {
		t.Errorf("the last row %s is ranked %d: units without enough ratings come last", last.Unit, last.Rank)
	}
	if m.Satisfaction.N != 140 || m.Satisfaction.Successes != 122 {
		t.Errorf("whole province %d/%d", m.Satisfaction.Successes, m.Satisfaction.N)
	}
	if len(m.ByMonth) != 3 || m.ByMonth[1].Satisfaction.N != 140 || m.ByMonth[0].Satisfaction.N != 0 {
		t.Errorf("months %+v", m.ByMonth)
	}
	t.Run("a child outside the reader's scope is not listed", func(t *testing.T) {
		m, err := rp.Measures(q, report.Breakdowns{Units: true, Allowed: func(u string) bool { return u != "07210" }}, "vi")
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range m.ByUnit {
			if row.Unit == "07210" {
				t.Fatal("07210 listed")
			}
		}
	})
	t.Run("the previous period and a year earlier", func(t *testing.T) {
		rate(r, "TT-09190", hailong.DateFromYMD(2025, 11, 3), 30, 15)
		rate(r, "MC-256", hailong.DateFromYMD(2025, 2, 3), 30, 30) // merged into TT-09190 on 1 July 2025
		c, err := rp.Earlier(q, "vi")
		if err != nil {
			t.Fatal(err)
		}
		if c.Previous.Satisfaction.N != 30 || c.Previous.From != hailong.DateFromYMD(2025, 10, 1) {
			t.Errorf("previous %+v", c.Previous.Satisfaction)
		}
		if c.YearEarlier.Satisfaction.N != 30 || c.YearEarlier.Satisfaction.Successes != 30 {
			t.Errorf("a year earlier %+v: the merged unit's ratings count in its successor's subtree", c.YearEarlier.Satisfaction)
		}
		ch := report.Compare(m.Satisfaction, c.Previous.Satisfaction, q.Previous())
		if !ch.Significant {
			t.Errorf("87%% of 140 against 50%% of 30 is beyond chance: %+v", ch)
		}
	})
}
