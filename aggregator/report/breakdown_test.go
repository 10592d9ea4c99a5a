package report_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/rollup/rolluptest"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/procedure"
)

var (
	jan    = hailong.DateFromYMD(2026, 1, 1)
	fields = map[string]string{"1.000001": "Hộ tịch", "1.000002": "Hộ tịch", "2.000001": "Đất đai"}
)

// testReporter makes a reporter over a province with two centres, the
// demo questionnaires and three procedures, and random ratings and
// outcomes of the first half of 2026 in a rollup and a book. About one
// rating in eight is flagged (kept apart in a rollup of its own).
func testReporter(t *testing.T, ratings int, minSample int64) (*report.Reporter, *rollup.Rollup) {
	t.Helper()
	tree, err := hierarchy.New([]hierarchy.Unit{
		{Code: "01", Name: "Tỉnh", Kind: hierarchy.Province, From: jan - 1000},
		{Code: "00001", Name: "Xã Một", Kind: hierarchy.Commune, Parent: "01", From: jan - 1000},
		{Code: "TT-1", Name: "Trung tâm 1", Kind: hierarchy.Centre, Parent: "00001", From: jan - 1000},
		{Code: "TT-2", Name: "Trung tâm 2", Kind: hierarchy.Centre, Parent: "01", From: jan - 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	procs := procedure.New([]procedure.Procedure{{Code: "1.000001", Name: "Đăng ký khai sinh", Field: "Hộ tịch"},
		{Code: "1.000002", Name: "Đăng ký kết hôn", Field: "Hộ tịch"}, {Code: "2.000001", Name: "Cấp sổ đỏ", Field: "Đất đai"}})
	r, book, flagged := rollup.New(), rollup.New(), rollup.New()
	r.SetFields(fields)
	book.SetFields(fields)
	flagged.SetFields(fields)
	rng := rand.New(rand.NewPCG(1, 2))
	flagRng := rand.New(rand.NewPCG(3, 4)) // apart, so that the other draws stay as they were
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	for i := 0; i < ratings; i++ {
		q := pick("counter-quick", "sipas")
		f := rollup.Fact{Unit: pick("TT-1", "TT-2"), Date: jan + hailong.Date(rng.IntN(181)), Satisfied: rng.IntN(5) != 0,
			Dims: rollup.Dims{Questionnaire: q, Channel: hailong.Channel(pick("kiosk", "qr")),
				Procedure: pick("", "1.000001", "1.000002", "2.000001"), Official: pick("", "cb-1", "cb-2", "cb-3"), Counter: pick("Q1", "Q2")}}
		if q == "sipas" {
			f.Level = rng.IntN(5)
			for _, s := range []string{"access_signs", "off_polite", "res_ontime"} {
				f.Items = append(f.Items, rollup.Item{Q: s, N: 1, Satisfied: int64(rng.IntN(2))})
			}
		} else {
			f.Level = rng.IntN(3)
			for _, s := range []string{"agencies", "attitude", "contacts", "result_time"} {
				f.Items = append(f.Items, rollup.Item{Q: s, N: 1, Sum: int64(rng.IntN(3))})
			}
		}
		if flagRng.IntN(8) == 0 {
			flagged.Add(f)
		} else {
			r.Add(f)
		}
		if rng.IntN(3) == 0 {
			book.AddTally(f.Unit, f.Date, rollup.Dims{Procedure: f.Procedure, Official: f.Official, Counter: f.Counter},
				rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1, Bad: int64(rng.IntN(4) / 3), Index1Sum: int64(rng.IntN(3)), IndexSum: [5]int64{int64(rng.IntN(3))}, IndexN: [5]int64{1}}})
		}
	}
	rep := &report.Reporter{Rollup: func() *rollup.Rollup { return r }, Flagged: func() *rollup.Rollup { return flagged }, Outcomes: rolluptest.OutcomeBook{Rollup: book}, Catalog: catalog,
		Procedures: func() *procedure.Catalogue { return procs }, Units: func() *hierarchy.Tree { return tree },
		Targets: func() []measure.Target { return nil }, MinSample: minSample}
	return rep, r
}

func query(t *testing.T, rep *report.Reporter, unit string, p report.Period, f rollup.Filter) report.Query {
	t.Helper()
	q := report.Query{Unit: unit, Period: p, AsOf: p.To, Filter: f}
	if err := rep.Resolve(&q); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestBreakdownRowsEqualFilteredMeasures checks each row of every
// breakdown against the measures of the same query with the row's value
// as a filter: satisfaction, Happy Index and Decision 766; and that the
// breakdowns made together in one pass (Breakdowns) are the same. The
// province's two centres hold about 1,450 cells each, enough for
// rollup.Groups to group them in two parts at once: a part dropped or
// added twice fails. With the flagged ratings asked for, a row that
// left them out differs from the measures, which add them.
func TestBreakdownRowsEqualFilteredMeasures(t *testing.T) {
	rep, _ := testReporter(t, 3000, 30)
	for _, tt := range []struct {
		name    string
		unit    string
		period  report.Period
		filter  rollup.Filter
		flagged bool
	}{
		{"province quarter", "01", report.QuarterOf(2026, 1), rollup.Filter{}, false},
		{"commune, cut months", "00001", report.Period{From: jan + 10, To: jan + 100, Kind: report.Custom}, rollup.Filter{}, false},
		{"qr only", "01", report.QuarterOf(2026, 2), rollup.Filter{Channel: "qr"}, false},
		{"one field", "01", report.YearOf(2026), rollup.Filter{Field: "Hộ tịch"}, false},
		{"one official", "01", report.QuarterOf(2026, 1), rollup.Filter{Official: "cb-2"}, false},
		{"flagged included", "01", report.QuarterOf(2026, 1), rollup.Filter{}, true},
		{"flagged included, one field", "00001", report.YearOf(2026), rollup.Filter{Field: "Đất đai"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, rep, tt.unit, tt.period, tt.filter)
			q.IncludeFlagged = tt.flagged
			var names []string
			for _, d := range report.Dimensions {
				names = append(names, d.Name)
			}
			together, err := rep.Breakdowns(q, names, "vi")
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range report.Dimensions {
				b, err := rep.Breakdown(q, d.Name, "vi")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(b, together[i]) {
					t.Errorf("%s: alone %+v, together %+v", d.Name, b, together[i])
				}
				if len(b.Rows) == 0 {
					t.Fatalf("%s: no rows", d.Name)
				}
				for _, row := range b.Rows {
					f := tt.filter
					switch d.Name {
					case "procedure":
						f.Procedure = row.Key
					case "field":
						f.Field = row.Key
					case "official":
						f.Official = row.Key
					case "counter":
						f.Counter = row.Key
					case "channel":
						f.Channel = hailong.Channel(row.Key)
					case "questionnaire":
						f.Questionnaire = row.Key
					}
					fq := q
					fq.Filter = f
					m, err := rep.Measures(fq, report.Breakdowns{}, "vi")
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(row.Satisfaction, m.Satisfaction) || !reflect.DeepEqual(row.HappyIndex, m.HappyIndex) {
						t.Errorf("%s %s: %+v %+v, measures %+v %+v", d.Name, row.Key, row.Satisfaction, row.HappyIndex, m.Satisfaction, m.HappyIndex)
					}
					if d.Name == "channel" || d.Name == "questionnaire" {
						if row.Decision766 != nil {
							t.Errorf("%s %s: Decision 766 %+v, dossiers have no %s", d.Name, row.Key, row.Decision766, d.Name)
						}
					} else if row.Decision766 == nil || !reflect.DeepEqual(*row.Decision766, m.Decision766.Proportion) {
						t.Errorf("%s %s: Decision 766 %+v, measures %+v", d.Name, row.Key, row.Decision766, m.Decision766.Proportion)
					}
				}
			}
		})
	}
}

func TestBreakdownNames(t *testing.T) {
	rep, _ := testReporter(t, 500, 30)
	q := query(t, rep, "01", report.YearOf(2026), rollup.Filter{})
	for _, tt := range []struct{ dim, lang, key, name string }{
		{"procedure", "vi", "1.000001", "Đăng ký khai sinh"},
		{"field", "vi", "Đất đai", "Đất đai"},
		{"channel", "vi", "qr", "Qua mã QR"},
		{"channel", "en", "kiosk", "At the centre"},
		{"official", "vi", "cb-1", "cb-1"},
	} {
		t.Run(tt.dim+" "+tt.lang, func(t *testing.T) {
			b, err := rep.Breakdown(q, tt.dim, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range b.Rows {
				if row.Key == tt.key {
					if row.Name != tt.name {
						t.Errorf("%s is named %q, want %q", tt.key, row.Name, tt.name)
					}
					return
				}
			}
			t.Errorf("no row %s in %+v", tt.key, b.Rows)
		})
	}
	if _, err := rep.Breakdown(q, "colour", "vi"); hailong.ErrorCode(err) != hailong.EINVALID {
		t.Errorf("unknown dimension: %v, want EINVALID", err)
	}
}

func TestWorst(t *testing.T) {
	row := func(key string, n int64, rate float64, enough bool) report.BreakdownRow {
		return report.BreakdownRow{Key: key, Satisfaction: report.Proportion{N: n, Rate: &rate, EnoughRatings: enough}}
	}
	rows := []report.BreakdownRow{row("a", 50, 0.9, true), row("b", 50, 0.5, true), row("c", 5, 0.1, false),
		row("d", 60, 0.7, true), row("e", 70, 0.7, true), row("f", 40, 0.95, true), {Key: "g"}}
	keys := func(rs []report.BreakdownRow) (out []string) {
		for _, r := range rs {
			out = append(out, r.Key+":"+string(rune('0'+r.Rank)))
		}
		return out
	}
	for _, tt := range []struct {
		name string
		n    int
		want []string
	}{
		{"one", 1, []string{"b:1"}},
		{"a tie at the last place keeps both", 2, []string{"b:1", "d:2", "e:2"}},
		{"after a tie the rank skips", 4, []string{"b:1", "d:2", "e:2", "a:4"}},
		{"never rows without enough ratings", 10, []string{"b:1", "d:2", "e:2", "a:4", "f:5"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := keys(report.Worst(rows, tt.n)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("worst %d = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestTrendPeriod(t *testing.T) {
	for _, tt := range []struct {
		name     string
		p        report.Period
		from, to string
	}{
		{"a quarter is itself", report.QuarterOf(2026, 3), "2026-07-01", "2026-09-30"},
		{"a year is itself", report.YearOf(2025), "2025-01-01", "2025-12-31"},
		{"a month shows the year to it", report.MonthOf(2026, 2), "2025-03-01", "2026-02-28"},
		{"two cut months show the twelve to the last", report.Period{From: hailong.DateFromYMD(2026, 10, 20), To: hailong.DateFromYMD(2026, 11, 5)}, "2025-12-01", "2026-11-30"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := report.TrendPeriod(tt.p)
			if got.From.String() != tt.from || got.To.String() != tt.to {
				t.Errorf("trend of %v = %v..%v, want %s..%s", tt.p, got.From, got.To, tt.from, tt.to)
			}
		})
	}
}

func TestTrendTableMatchesMonths(t *testing.T) {
	rep, _ := testReporter(t, 2000, 30)
	q := query(t, rep, "01", report.QuarterOf(2026, 2), rollup.Filter{})
	months, p, err := rep.Trend(q, "vi")
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 3 || p != q.Period {
		t.Fatalf("trend of a quarter: %d months over %v", len(months), p)
	}
	tbl := rep.TrendTable(months, "vi")
	for i, m := range months {
		one := query(t, rep, "01", report.MonthOf(2026, time.Month(4+i)), rollup.Filter{})
		s := rep.Satisfaction(one)
		if got := tbl.Rows[i].Cells[1].Value; got == nil || int64(*got) != s.N {
			t.Errorf("month %s: %v ratings in the table, %d measured", m.Month, got, s.N)
		}
		if got := tbl.Rows[i].Cells[2].Value; got == nil || s.Rate == nil || *got != *s.Rate {
			t.Errorf("month %s: rate %v in the table, %v measured", m.Month, got, s.Rate)
		}
	}
	if tbl.Rows[0].Cells[0].Text != "4/2026" {
		t.Errorf("first month is written %q, want 4/2026", tbl.Rows[0].Cells[0].Text)
	}
}

func TestOfficial(t *testing.T) {
	rep, _ := testReporter(t, 3000, 30)
	q := query(t, rep, "01", report.QuarterOf(2026, 2), rollup.Filter{})
	o, err := rep.Official(q, "cb-1", "vi")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Periods) != report.OfficialQuarters || o.Periods[len(o.Periods)-1].From != "2026-04-01" || o.Periods[0].From != "2024-07-01" {
		t.Fatalf("periods: %d, from %s to %s", len(o.Periods), o.Periods[0].From, o.Periods[len(o.Periods)-1].From)
	}
	fq := q
	fq.Filter.Official = "cb-1"
	m, err := rep.Measures(fq, report.Breakdowns{}, "vi")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Current.Score, m.Circular01.Official) || !reflect.DeepEqual(o.Periods[7].Score, m.Circular01.Official) {
		t.Errorf("score %+v, quarter %+v; measures %+v", o.Current.Score, o.Periods[7].Score, m.Circular01.Official)
	}
	if o.Current.Score.Classification == "" {
		t.Errorf("no classification with %d ratings", o.Current.Satisfaction.N)
	}
	if o.Periods[0].Score.Value != nil || o.Periods[0].Score.Classification != "" {
		t.Errorf("a quarter without ratings is scored: %+v", o.Periods[0].Score)
	}
	for i := 1; i < len(o.PullDown); i++ {
		if *o.PullDown[i-1].Score > *o.PullDown[i].Score {
			t.Errorf("pull-down not lowest first: %+v", o.PullDown)
		}
	}
	if len(o.PullDown) != 5 {
		t.Errorf("pull-down has %d indices, want the 5 of the official's score", len(o.PullDown))
	}
	// With a minimum above the official's ratings there is no
	// classification, and the tables say why.
	rep.MinSample = 100000
	o, _ = rep.Official(q, "cb-1", "en")
	if o.Current.Score.Classification != "" {
		t.Errorf("classified on too few ratings: %+v", o.Current.Score)
	}
	tables := rep.OfficialTables(o, "en", func(p report.Period) string { return p.From.String() })
	if last := tables[0].Rows[7].Cells[3].Text; last != "Not enough ratings" {
		t.Errorf("classification cell says %q", last)
	}
}
