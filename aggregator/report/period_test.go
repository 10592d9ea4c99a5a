package report_test

import (
	"math"
	"net/url"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/report"
)

func day(t *testing.T, s string) hailong.Date {
	t.Helper()
	d, err := hailong.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParsePeriod(t *testing.T) {
	def := report.QuarterOf(2026, 4)
	tests := []struct {
		name     string
		query    string
		from, to string
		kind     report.PeriodKind
		problem  string // field with a problem; "" for none
	}{
		{"a quarter", "period=2026-Q3", "2026-07-01", "2026-09-30", report.Quarter, ""},
		{"a month", "period=2024-02", "2024-02-01", "2024-02-29", report.Month, ""},
		{"a year", "period=2025", "2025-01-01", "2025-12-31", report.Year, ""},
		{"year and quarter", "year=2026&quarter=1", "2026-01-01", "2026-03-31", report.Quarter, ""},
		{"from and to", "from=2026-01-05&to=2026-02-10", "2026-01-05", "2026-02-10", report.Custom, ""},
		{"from and to as a Vietnamese page writes them", "from=05/11/2026&to=30/11/2026", "2026-11-05", "2026-11-30", report.Custom, ""},
		{"day and month without leading zeros", "from=5/1/2026&to=9/2/2026", "2026-01-05", "2026-02-09", report.Custom, ""},
		{"one of each form", "from=2026-11-05&to=30/11/2026", "2026-11-05", "2026-11-30", report.Custom, ""},
		{"a Vietnamese date that is not one", "from=31/11/2026&to=30/12/2026", "", "", "", "from"},
		{"the month first", "from=11/05/2026&to=11/30/2026", "", "", "", "to"},
		{"a reversed period written the Vietnamese way", "from=10/03/2026&to=01/03/2026", "", "", "", "to"},
		{"from and to that are a calendar quarter", "from=2026-04-01&to=2026-06-30", "2026-04-01", "2026-06-30", report.Quarter, ""},
		{"nothing takes the default", "", "2026-10-01", "2026-12-31", report.Quarter, ""},
		{"a reversed period", "from=2026-02-10&to=2026-01-05", "", "", "", "to"},
		{"a date that is not one", "from=2026-02-30&to=2026-03-01", "", "", "", "from"},
		{"a missing end", "from=2026-02-01", "", "", "", "to"},
		{"a period name that is not one", "period=2026-Q5", "", "", "", "period"},
		{"month 13", "period=2026-13", "", "", "", "period"},
		{"a year out of range", "period=1999", "", "", "", "period"},
		{"both a period and dates", "period=2026&from=2026-01-01", "", "", "", "period"},
		{"a quarter without a year", "quarter=2", "", "", "", "year"},
		{"a year without a quarter", "year=2026", "", "", "", "quarter"},
		{"a quarter that is not one", "year=2026&quarter=0", "", "", "", "quarter"},
		{"centuries", "from=2016-01-01&to=2099-01-01", "", "", "", "to"},
		{"a year before 2015", "from=0001-01-01&to=0001-01-31", "", "", "", "from"},
		{"a year after 2100", "from=2026-01-01&to=9999-12-31", "", "", "", "to"},
		{"a period and a year with a quarter", "period=2026-Q1&year=2025&quarter=3", "", "", "", "period"},
		{"dates and a year with a quarter", "from=2026-01-01&to=2026-01-31&year=2025&quarter=3", "", "", "", "period"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			p, ps := report.ParsePeriod(v.Get, def)
			if tt.problem != "" {
				if ps.For(tt.problem, "en") == "" || ps.For(tt.problem, "vi") == "" {
					t.Fatalf("problems %+v, want one for %s in both languages", ps, tt.problem)
				}
				if ps.Err("vi") == nil {
					t.Fatal("no error from the problems")
				}
				return
			}
			if len(ps) > 0 {
				t.Fatalf("problems %+v", ps)
			}
			if p.From != day(t, tt.from) || p.To != day(t, tt.to) || p.Kind != tt.kind {
				t.Fatalf("got %s..%s %s, want %s..%s %s", p.From, p.To, p.Kind, tt.from, tt.to, tt.kind)
			}
		})
	}
	t.Run("no default makes dates required", func(t *testing.T) {
		_, ps := report.ParsePeriod(url.Values{}.Get, report.Period{})
		if ps.For("from", "en") == "" || ps.For("to", "en") == "" {
			t.Fatalf("problems %+v", ps)
		}
	})
	t.Run("messages are in the page's language", func(t *testing.T) {
		v, _ := url.ParseQuery("from=2026-02-10&to=2026-01-05")
		_, ps := report.ParsePeriod(v.Get, def)
		if vi := ps.For("to", "vi"); !strings.Contains(vi, "10/02/2026") || !strings.Contains(vi, "không được") {
			t.Errorf("vi: %q", vi)
		}
		if en := ps.For("to", "en"); !strings.Contains(en, "must not be before") {
			t.Errorf("en: %q", en)
		}
	})
}

func TestPeriodComparisons(t *testing.T) {
	tests := []struct {
		name                  string
		p                     report.Period
		previous, yearEarlier string
	}{
		{"a quarter", report.QuarterOf(2026, 1), "2025-10-01..2025-12-31", "2025-01-01..2025-03-31"},
		{"a month", report.MonthOf(2026, 3), "2026-02-01..2026-02-28", "2025-03-01..2025-03-31"},
		{"January", report.MonthOf(2026, 1), "2025-12-01..2025-12-31", "2025-01-01..2025-01-31"},
		{"a year", report.YearOf(2026), "2025-01-01..2025-12-31", "2025-01-01..2025-12-31"},
		{"ten custom days", report.Period{From: hailong.DateFromYMD(2026, 3, 5), To: hailong.DateFromYMD(2026, 3, 14), Kind: report.Custom},
			"2026-02-23..2026-03-04", "2025-03-05..2025-03-14"},
		{"a leap day", report.Period{From: hailong.DateFromYMD(2024, 2, 20), To: hailong.DateFromYMD(2024, 2, 29), Kind: report.Custom},
			"2024-02-10..2024-02-19", "2023-02-20..2023-02-28"},
	}
	span := func(p report.Period) string { return p.From.String() + ".." + p.To.String() }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := span(tt.p.Previous()); got != tt.previous {
				t.Errorf("previous %s, want %s", got, tt.previous)
			}
			if got := span(tt.p.YearEarlier()); got != tt.yearEarlier {
				t.Errorf("year earlier %s, want %s", got, tt.yearEarlier)
			}
		})
	}
	if got := span(report.LastClosedQuarter(hailong.DateFromYMD(2026, 11, 30))); got != "2026-07-01..2026-09-30" {
		t.Errorf("last closed quarter %s", got)
	}
	if got := span(report.LastClosedQuarter(hailong.DateFromYMD(2026, 1, 1))); got != "2025-10-01..2025-12-31" {
		t.Errorf("last closed quarter in January %s", got)
	}
}

func TestCompare(t *testing.T) {
	prop := func(n, k int64, rate float64, enough bool) report.Proportion {
		return report.Proportion{N: n, Successes: k, Rate: &rate, EnoughRatings: enough}
	}
	tests := []struct {
		name        string
		now, then   report.Proportion
		tested      bool
		significant bool
	}{
		// 900/1000 against 850/1000: z ≈ 3.33.
		{"a large change on large samples", prop(1000, 900, 0.9, true), prop(1000, 850, 0.85, true), true, true},
		// 45/50 against 42/50: z ≈ 0.89.
		{"the same change on small samples", prop(50, 45, 0.9, true), prop(50, 42, 0.84, true), true, false},
		{"too few ratings then", prop(1000, 900, 0.9, true), prop(10, 5, 0.5, false), false, false},
		{"no ratings then", prop(1000, 900, 0.9, true), report.Proportion{}, false, false},
		{"no variation", prop(100, 100, 1, true), prop(100, 100, 1, true), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := report.Compare(tt.now, tt.then, report.QuarterOf(2026, 2))
			if (c.Z != nil) != tt.tested || c.Significant != tt.significant {
				t.Fatalf("z %v significant %v, want tested %v significant %v", c.Z, c.Significant, tt.tested, tt.significant)
			}
			if tt.then.Shown() {
				if c.Delta == nil || math.Abs(*c.Delta-(*tt.now.Rate-*tt.then.Rate)) > 1e-9 {
					t.Errorf("delta %v, want %v", c.Delta, *tt.now.Rate-*tt.then.Rate)
				}
			} else if c.Delta != nil {
				t.Errorf("delta %v for a figure not shown", *c.Delta)
			}
		})
	}
}
