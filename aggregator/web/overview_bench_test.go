package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"syscall"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/procedure"
	"hailong/syncapi"
)

// rollupImporter turns the synthetic province's ratings straight into
// rollup facts, as ingest does, without a database.
type rollupImporter struct {
	r   *rollup.Rollup
	cat *hailong.Catalog
}

func (in rollupImporter) Import(_ context.Context, rs []hailong.Rating) ([]syncapi.Result, error) {
	out := make([]syncapi.Result, len(rs))
	for i := range rs {
		q, _ := in.cat.Version(rs[i].Questionnaire, rs[i].Version)
		if f, ok := rollup.FactOf(&rs[i], q); ok {
			in.r.Add(f)
		}
		out[i] = syncapi.Result{ID: rs[i].ID, Status: syncapi.Accepted}
	}
	return out, nil
}

// BenchmarkOverviewPages5M serves the overview and the unit pages over
// real HTTP, as HTML, with the synthetic province of 'aggregator generate'
// (5,000,000 ratings over two years across a merger, about 300 units,
// 2,000 procedures, 3,000 officials, one rated dossier in ten with an
// outcome) in memory: each page measures its query, the previous period
// and the year before, and a unit page ranks its child units. Reports p50
// and p95 of each page. Pages read only the in-memory rollups and outcomes,
// so the figures do not depend on the database; the scope check is the
// access service's cached set lookup, stood in for by allowing all.
//
//	go test -run '^$' -bench OverviewPages5M -benchtime 200x -timeout 30m ./aggregator/web
func BenchmarkOverviewPages5M(b *testing.B) {
	ctx := context.Background()
	cat, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	tree, err := hierarchy.New(synth.Units())
	if err != nil {
		b.Fatal(err)
	}
	book, err := outcomes.Load(ctx, memOutcomes{})
	if err != nil {
		b.Fatal(err)
	}
	procs := procedure.New(synth.Procedures())
	book.SetFields(procs.Fields())
	r := rollup.New()
	r.SetFields(procs.Fields())
	t0 := time.Now()
	if err := synth.Generate(ctx, synth.Config{Ratings: 5_000_000, Seed: 1}, rollupImporter{r, cat}, book); err != nil {
		b.Fatal(err)
	}
	b.Logf("5,000,000 ratings in memory in %s", time.Since(t0).Round(time.Second))
	runtime.GC()
	fa := newFakeAccess(tree)
	fa.bearers["Bearer bench"] = &hailong.Principal{Username: "bench", Role: "analyst", Scope: "48",
		Permissions: fa.bearers[analystProvince].Permissions, Via: "token", TokenID: "bench"}
	s, err := web.New(&web.Server{Ingester: memIngester{r}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Catalog: cat, Outcomes: book, Access: wholeScope{fa},
		Procedures: func() *procedure.Catalogue { return procs },
		Now:        func() time.Time { return time.Date(2026, 6, 15, 5, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String()
	field := url.QueryEscape("Lĩnh vực 7")
	pages := []struct{ name, path string }{
		{"overview-province-quarter", "/"},
		{"overview-province-year", "/?period=2025"},
		{"overview-province-12-months-across-the-merger", "/?from=2025-06-01&to=2026-05-31"},
		{"overview-province-quarter-field", "/?field=" + field},
		{"overview-province-quarter-official", "/?official=cb-0420"},
		{"overview-commune-quarter", "/?unit=20007"},
		{"units-province-quarter-136-children", "/units"},
		{"units-province-year-by-name", "/units/48?period=2025&sort=name"},
		{"units-province-quarter-qr-sipas", "/units/48?channel=qr&questionnaire=sipas"},
		{"units-commune-quarter", "/units/20007"},
		{"units-centre-month", "/units/TT-20007?period=2026-05"},
		{"units-province-quarter-csv", "/units?format=csv"},
		// The API's one pass, for what the pages add to it.
		{"api-measures-province-quarter", "/api/v1/measures?unit=48&period=2026-Q2"},
		{"api-measures-province-quarter-by-units", "/api/v1/measures?unit=48&period=2026-Q2&breakdown=units"},
	}
	client := &http.Client{Transport: pageTransport{}}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			cpu := processCPU()
			lat := latency.Gets(b, client, base+p.path)
			lat.Report(b, 50, 95)
			// The process's CPU time a request, server and client: a
			// figure that does not grow when other work shares the
			// machine, as wall-clock times do.
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// wholeScope lets every principal see every unit: the access service's
// scope check is a cached set lookup, which this stands in for.
type wholeScope struct{ *fakeAccess }

func (wholeScope) InScope(*hailong.Principal, string, hailong.Date) bool { return true }

// pageTransport asks for pages as a browser does, with the bench's token.
type pageTransport struct{}

func (pageTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer bench")
	req.Header.Set("Accept", "text/html")
	return http.DefaultTransport.RoundTrip(req)
}
