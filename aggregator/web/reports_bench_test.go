package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
)

// province5M is the synthetic province of 'aggregator generate' (about
// 300 units, 2,000 procedures, 3,000 officials, two years across the
// merger) with 5,000,000 ratings and an outcome for one rated dossier in
// ten, made straight into the rollups, once for every benchmark.
var province5M = sync.OnceValues(func() (*rollup.Rollup, *outcomes.Book) {
	ctx := context.Background()
	book, err := outcomes.Read(ctx, memOutcomes{})
	if err != nil {
		panic(err)
	}
	if err := book.Open(ctx); err != nil {
		panic(err)
	}
	var centres []string
	for _, u := range synth.Units() {
		if u.Kind == hierarchy.Centre && u.Until == 0 {
			centres = append(centres, u.Code)
		}
	}
	procs := synth.Procedures()
	r := rollup.New()
	rng := rand.New(rand.NewPCG(5, 5))
	days := int(synth.End - synth.Merger + 1)
	var outs []hailong.Outcome
	for i := range 5_000_000 {
		ci := rng.IntN(len(centres))
		d := synth.Merger + hailong.Date(rng.IntN(days))
		v := func() int64 { return int64(rng.IntN(3)) }
		sat := rng.IntN(100) < 86
		f := rollup.Fact{Unit: centres[ci], Date: d, Satisfied: sat, Dissatisfied: !sat, Level: 2,
			Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: []hailong.Channel{"kiosk", "qr"}[rng.IntN(2)],
				Procedure: procs[rng.IntN(len(procs))].Code, Official: fmt.Sprintf("cb-%04d", (ci*19+rng.IntN(19))%3000), Counter: fmt.Sprintf("Q%d", 1+rng.IntN(5))},
			Items: []rollup.Item{{Q: "agencies", N: 1, Sum: v()}, {Q: "attitude", N: 1, Sum: v()}, {Q: "contacts", N: 1, Sum: v()}, {Q: "result_time", N: 1, Sum: v()}}}
		r.Add(f)
		if rng.IntN(10) == 0 {
			ret := d + hailong.Date(rng.IntN(3))
			outs = append(outs, hailong.Outcome{Dossier: fmt.Sprintf("SYN.%03d-%s-%07d", ci, d.Start().In(hailong.Location).Format("060102"), i),
				Unit: f.Unit, Procedure: f.Procedure, Official: f.Official, Received: d - 7, Due: d + 1, Returned: &ret, Complaints: rng.IntN(50) / 49,
				Indices: map[string]int{"2": rng.IntN(3), "5": 1 + rng.IntN(2), "6": 2, "8": 1 + rng.IntN(2), "9": rng.IntN(3)}})
		}
		if len(outs) == 10_000 {
			if _, err := book.Report(ctx, outs, func(string) bool { return true }); err != nil {
				panic(err)
			}
			outs = outs[:0]
		}
	}
	if _, err := book.Report(ctx, outs, func(string) bool { return true }); err != nil {
		panic(err)
	}
	return r, book
})

// BenchmarkQuarterlyReport5M serves the quarterly report of the whole
// synthetic province (unit 48, 2026 Q2) over real HTTP from rollups of
// 5,000,000 ratings, as PDF and as XLSX; one op is one whole report
// downloaded. The province is built once (about a minute).
//
//	go test -run '^$' -bench QuarterlyReport5M -benchtime 5x -timeout 30m ./aggregator/web
func BenchmarkQuarterlyReport5M(b *testing.B) {
	r, book := province5M()
	tree, err := hierarchy.New(synth.Units())
	if err != nil {
		b.Fatal(err)
	}
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	fa := newFakeAccess(tree)
	fa.bearers["Bearer hlt_analyst48"] = &hailong.Principal{Username: "an", Role: "analyst", Scope: "48",
		Permissions: fa.bearers[analystProvince].Permissions, Via: "token", TokenID: "t48"}
	s, err := web.New(&web.Server{Ingester: memIngester{r}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Catalog: catalog, Outcomes: book, Access: fa,
		Now: func() time.Time { return time.Date(2026, 7, 15, 3, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	for _, format := range []string{"pdf", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			u := "http://" + ln.Addr().String() + "/api/v1/reports/quarterly?unit=48&year=2026&quarter=2&format=" + format
			var size int64
			for b.Loop() {
				req, _ := http.NewRequest("GET", u, nil)
				req.Header.Set("Authorization", "Bearer hlt_analyst48")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(size), "bytes/report")
		})
	}
}
