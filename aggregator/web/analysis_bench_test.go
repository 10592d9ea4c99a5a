package web_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
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

// BenchmarkUnitAnalysis5M serves the unit page (headline, ranking and the
// analysis sections: trend, SIPAS profile, worst procedures and officials,
// six breakdowns), the official page and GET /api/v1/breakdowns over real
// HTTP with rollups of 5,000,000 ratings and 420,000 dossier outcomes in
// memory: units, days, procedures, officials and counters spread as
// 'aggregator generate' spreads them over the synthetic province 48 (2,000
// procedures in 20 fields, 3,000 officials, two years across the merger),
// every question answered, so the SIPAS profile has all its statements. Pages read only the in-memory rollups, so the
// figures do not depend on the database. Building the rollups takes a few
// minutes and about 3 GB; HAILONG_BENCH_RATINGS sets another number of
// ratings (outcomes follow).
//
//	go test -run '^$' -bench UnitAnalysis5M -benchtime 200x -timeout 60m ./aggregator/web
func BenchmarkUnitAnalysis5M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 5M ratings")
	}
	tree, err := hierarchy.New(synth.Units())
	if err != nil {
		b.Fatal(err)
	}
	procs := procedure.New(synth.Procedures())
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	r, book := rollup.New(), rollup.New()
	r.SetFields(procs.Fields())
	book.SetFields(procs.Fields())
	var oldCentres, newCentres []string
	for _, u := range synth.Units() {
		if u.Kind == hierarchy.Centre && u.From < synth.Merger {
			oldCentres = append(oldCentres, u.Code)
		}
		if u.Kind == hierarchy.Centre && u.Until == 0 {
			newCentres = append(newCentres, u.Code)
		}
	}
	all := procs.All()
	sipas, _ := catalog.Latest("sipas")
	quick, _ := catalog.Latest("counter-quick")
	rng := rand.New(rand.NewPCG(5, 5))
	days := int(synth.End - synth.Start + 1)
	ratings := 5_000_000
	if n, err := strconv.Atoi(os.Getenv("HAILONG_BENCH_RATINGS")); err == nil && n > 0 {
		ratings = n
	}
	for i := 0; i < ratings; i++ {
		d := synth.Start + hailong.Date(rng.IntN(days))
		centres := newCentres
		if d < synth.Merger {
			centres = oldCentres
		}
		ci := rng.IntN(len(centres))
		rt := hailong.Rating{Channel: hailong.ChannelKiosk, Unit: centres[ci], At: d.Start().Add(9 * time.Hour),
			Submission: hailong.Submission{Version: 1, Procedure: all[rng.IntN(len(all))].Code,
				Official: fmt.Sprintf("cb-%04d", (ci*19+rng.IntN(19))%3000), Counter: fmt.Sprintf("Q%d", 1+rng.IntN(5))}}
		if rng.IntN(5) == 0 {
			rt.Channel = hailong.ChannelQR
		}
		// Every question answered, each option as likely, the headline
		// mostly satisfied: the SIPAS profile has all its statements.
		q := quick
		if rng.IntN(7) == 0 {
			q = sipas
		}
		rt.Questionnaire, rt.Answers = q.ID, hailong.Answers{}
		for _, qu := range q.Questions {
			if n := len(qu.Options); n > 0 {
				rt.Answers[qu.ID] = hailong.Int(qu.Options[rng.IntN(n)].Value)
			}
		}
		if h, _ := q.Question(q.Headline); rng.IntN(100) < 85 {
			rt.Answers[q.Headline] = hailong.Int(h.Options[len(h.Options)-1-rng.IntN(2)].Value)
		}
		if q == quick && rng.IntN(10) == 0 { // one dossier in ten reported by the one-stop software
			book.AddTally(rt.Unit, d+hailong.Date(rng.IntN(3)), rollup.Dims{Procedure: rt.Procedure, Official: rt.Official, Counter: rt.Counter},
				rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1, Bad: int64(rng.IntN(50) / 49), Index1Sum: 1, IndexSum: [5]int64{int64(rng.IntN(3)), 1, 2, 1, 1}, IndexN: [5]int64{1, 1, 1, 1, 1}}})
		}
		f, ok := rollup.FactOf(&rt, q)
		if !ok {
			b.Fatalf("rating %d has no headline", i)
		}
		r.Add(f)
	}
	fa := newFakeAccess(tree)
	var analyst []hailong.Permission
	for _, role := range hailong.DefaultRoles() {
		if role.Name == "analyst" {
			analyst = role.Permissions
		}
	}
	fa.bearers["Bearer hlt_bench48"] = &hailong.Principal{Username: "bench", Role: "analyst", Scope: "48", Permissions: analyst, Via: "token", TokenID: "t48"}
	s, err := web.New(&web.Server{Ingester: memIngester{r}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Now: func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) },
		Access: fa, Outcomes: rollOutcomes{book}, Catalog: catalog, Procedures: func() *procedure.Catalogue { return procs }})
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String()
	field := url.QueryEscape("Lĩnh vực 7")
	queries := []struct{ name, path string }{
		{"unit-page-province-quarter", "/units/48?period=2026-Q1"},
		{"unit-page-province-year", "/units/48?period=2025"},
		{"unit-page-province-quarter-field", "/units/48?period=2026-Q1&field=" + field},
		{"unit-page-province-quarter-qr", "/units/48?period=2026-Q1&channel=qr"},
		{"unit-page-commune-month", "/units/20007?period=2026-03"},
		{"official-page", "/units/48/officials/cb-0420?period=2026-Q1"},
		{"api-breakdowns-procedure-province-year", "/api/v1/breakdowns?by=procedure&unit=48&period=2025"},
		{"api-breakdowns-official-province-year", "/api/v1/breakdowns?by=official&unit=48&period=2025"},
	}
	client := &http.Client{Transport: bearer{"Bearer hlt_bench48"}}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := latency.Gets(b, client, base+q.path)
			lat.Report(b, 50, 95)
		})
	}
}

// bearer sends every request with an Authorization header, as a browser
// sends its session, and asks for pages.
type bearer struct{ authorization string }

func (t bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", t.authorization)
	req.Header.Set("Accept", "text/html")
	return http.DefaultTransport.RoundTrip(req)
}
