package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/procedure"
)

// benchPages are the pages and API answers of the analyst's workspace that
// BenchmarkPages times, on the synthetic province (province 48, commune
// 20007, official cb-0420, the last closed quarter 2026-Q2). Add a page
// here when it is built; one this branch does not serve yet (404) is
// skipped with a note, so pages of other branches can be listed first.
var benchPages = []struct{ name, path string }{
	{"overview-province", "/?unit=48"},
	{"overview-commune", "/?unit=20007"},
	{"overview-province-year", "/?unit=48&period=2025"},
	{"overview-province-12-months-across-the-merger", "/?unit=48&from=2025-06-01&to=2026-05-31"},
	{"overview-province-quarter-official", "/?unit=48&official=cb-0420"},
	{"units-province-quarter-csv", "/units?unit=48&format=csv"},
	{"unit-commune", "/units/20007?period=2026-Q2"},
	{"unit-centre-month", "/units/TT-20007?period=2026-05"},
	{"unit-province", "/units/48?period=2026-Q2"},
	{"unit-province-year", "/units/48?period=2025"},
	{"unit-province-quarter-qr-sipas", "/units/48?period=2026-Q2&channel=qr&questionnaire=sipas"},
	{"official", "/units/48/officials/cb-0420?period=2026-Q2"},
	{"comments", "/comments?unit=48&period=2026-Q2"},
	{"kiosks", "/kiosks?unit=48"},
	{"reports", "/reports?unit=48"},
	{"quarterly-xlsx", "/api/v1/reports/quarterly?unit=48&year=2026&quarter=2&format=xlsx"},
	{"quarterly-pdf", "/api/v1/reports/quarterly?unit=48&year=2026&quarter=2&format=pdf"},
	{"breakdowns-procedure-province-year", "/api/v1/breakdowns?by=procedure&unit=48&period=2025"},
	{"breakdowns-official-province-year", "/api/v1/breakdowns?by=official&unit=48&period=2025"},
	{"measures-province-quarter", "/api/v1/measures?unit=48&period=2026-Q2"},
	{"measures-province-year-units-months", "/api/v1/measures?unit=48&period=2025&breakdown=units,months"},
	{"measures-province-2years-units-months", "/api/v1/measures?unit=48&from=2024-07-01&to=2026-06-30&breakdown=units,months"},
	{"measures-commune-quarter-official", "/api/v1/measures?unit=20007&period=2026-Q2&official=cb-0420"},
	{"measures-province-quarter-field-qr", "/api/v1/measures?unit=48&period=2026-Q2&channel=qr&field=" + url.QueryEscape("Lĩnh vực 7")},
	// The province's pages keeping no groups of whole months (rollup
	// SetMonthGroupBytes 0): what the first request after a start, which
	// finds none kept, waits for (BenchmarkBreakdowns times that request
	// itself).
	{"unit-province-none-kept", "/units/48?period=2026-Q2"},
	{"unit-province-year-none-kept", "/units/48?period=2025"},
	{"breakdowns-procedure-province-year-none-kept", "/api/v1/breakdowns?by=procedure&unit=48&period=2025"},
}

// BenchmarkPages builds the synthetic province once (5,000,000 ratings
// straight into memory; HAILONG_BENCH_RATINGS for another size), serves it
// over real HTTP as a province-wide admin, and reports for each of
// benchPages the p50, p95 and p99 of the time from request to the last
// byte of the answer on loopback: the server's time.
//
//	go test -run '^$' -bench Pages -benchtime 200x -timeout 30m ./aggregator/web
func BenchmarkPages(b *testing.B) {
	n := 5_000_000
	if v := os.Getenv("HAILONG_BENCH_RATINGS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("HAILONG_BENCH_RATINGS: %v", err)
		}
	}
	tree, mem, catalog := benchProvince(b, n)
	procs := procedure.New(synth.Procedures())
	fa := newFakeAccess(tree)
	const bearer = "Bearer hlt_bench48"
	admin := *fa.bearers[adminProvince]
	admin.Scope = "48"
	fa.bearers[bearer] = &admin
	_, base := serve(b, &web.Server{Ingester: mem, Outcomes: mem.Book(), Catalog: catalog,
		Units: func() *hierarchy.Tree { return tree }, Procedures: func() *procedure.Catalogue { return procs },
		Assets: assets.FS(""), Logger: slog.New(slog.DiscardHandler), MinSample: 30, Access: fa,
		Now: func() time.Time { return time.Date(2026, 7, 15, 5, 0, 0, 0, hailong.Location) }})
	client := latency.Authorized(bearer)
	for _, p := range benchPages {
		b.Run(p.name, func(b *testing.B) {
			if strings.HasSuffix(p.name, "-none-kept") {
				for _, r := range []*rollup.Rollup{mem.Rollup(), mem.Book().Rollup()} {
					r.SetMonthGroupBytes(0)
					defer r.SetMonthGroupBytes(rollup.DefaultMonthGroupBytes)
				}
			}
			resp, err := client.Get(base + p.path)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound {
				b.Skipf("%s is not served on this branch yet", p.path)
			}
			cpu0 := latency.ProcessCPU()
			lat := latency.Gets(b, client, base+p.path)
			latency.ReportCPU(b, cpu0)
			lat.Report(b, 50, 95, 99)
			b.ReportMetric(0, "ns/op")
		})
	}
}
