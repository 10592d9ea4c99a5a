package report_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/measure"
	"hailong/procedure"
)

// BenchmarkBreakdowns makes the six breakdowns of a unit's page (by
// procedure, field, official, counter, channel and questionnaire, with
// Decision 766 from the dossier outcomes) for the whole synthetic
// province, a quarter and a year: the CPU of the analysis sections
// without HTTP or HTML. HAILONG_BENCH_RATINGS ratings, 1,000,000 by
// default. The cases "first" find no groups of whole months kept, as the
// first request after a start: before each, the kept groups are cleared
// and those kept behind the one before waited for, out of the time (the
// CPU per request counts them); "none kept" keep none at all
// (SetMonthGroupBytes 0), as before they were kept.
//
//	HAILONG_BENCH_RATINGS=5000000 go test -run '^$' -bench Breakdowns -benchtime 50x ./aggregator/report
func BenchmarkBreakdowns(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HAILONG_BENCH_RATINGS")); err == nil && v > 0 {
		n = v
	}
	tree, mem, catalog, err := synth.Province(context.Background(), synth.Config{Ratings: n, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	procs := procedure.New(synth.Procedures())
	rep := &report.Reporter{Rollup: mem.Rollup, Outcomes: mem.Book(), Catalog: catalog,
		Procedures: func() *procedure.Catalogue { return procs }, Units: func() *hierarchy.Tree { return tree },
		Targets: func() []measure.Target { return nil }, MinSample: 30}
	var dims []string
	for _, d := range report.Dimensions {
		dims = append(dims, d.Name)
	}
	for _, tt := range []struct {
		name   string
		period report.Period
		filter rollup.Filter
	}{
		{"province-quarter", report.QuarterOf(2026, 2), rollup.Filter{}},
		{"province-year", report.YearOf(2025), rollup.Filter{}},
		{"province-quarter-qr-sipas", report.QuarterOf(2026, 2), rollup.Filter{Channel: "qr", Questionnaire: "sipas"}},
		{"province-quarter-first", report.QuarterOf(2026, 2), rollup.Filter{}},
		{"province-year-first", report.YearOf(2025), rollup.Filter{}},
		{"province-quarter-none-kept", report.QuarterOf(2026, 2), rollup.Filter{}},
		{"province-year-none-kept", report.YearOf(2025), rollup.Filter{}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			if strings.HasSuffix(tt.name, "-none-kept") {
				for _, r := range []*rollup.Rollup{mem.Rollup(), mem.Book().Rollup()} {
					r.SetMonthGroupBytes(0)
					b.Cleanup(func() { r.SetMonthGroupBytes(rollup.DefaultMonthGroupBytes) })
				}
			}
			q := report.Query{Unit: "48", Period: tt.period, AsOf: tt.period.To, Filter: tt.filter}
			if err := rep.Resolve(&q); err != nil {
				b.Fatal(err)
			}
			first := strings.HasSuffix(tt.name, "-first")
			rolls := []*rollup.Rollup{mem.Rollup(), mem.Book().Rollup()}
			cpu0 := latency.ProcessCPU()
			for b.Loop() {
				if first {
					b.StopTimer()
					for _, r := range rolls {
						r.WaitKept()
						r.SetMonthGroupBytes(0) // clears them
						r.SetMonthGroupBytes(rollup.DefaultMonthGroupBytes)
					}
					b.StartTimer()
				}
				if _, err := rep.Breakdowns(q, dims, "vi"); err != nil {
					b.Fatal(err)
				}
			}
			for _, r := range rolls {
				r.WaitKept()
			}
			latency.ReportCPU(b, cpu0)
		})
	}
}
