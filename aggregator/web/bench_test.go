package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/syncapi"
)

type memIngester struct{ r *rollup.Rollup }

func (m memIngester) Ingest(context.Context, hailong.Kiosk, time.Duration, []hailong.Rating) ([]syncapi.Result, error) {
	return nil, nil
}
func (m memIngester) IngestQR(context.Context, hailong.Rating) (syncapi.Result, error) {
	return syncapi.Result{}, nil
}
func (m memIngester) Known(string) bool       { return false }
func (m memIngester) Rollup() *rollup.Rollup  { return m.r }
func (m memIngester) Flagged() *rollup.Rollup { return nil }

// BenchmarkSatisfaction1M serves /api/v1/satisfaction over real HTTP with
// rollups of 1,000,000 ratings: 200 centres under 100 communes of one
// province, two years, 2,000 procedures, 3,000 officials. Queries read only
// the in-memory rollups, so the figures do not depend on the database.
//
//	go test -run '^$' -bench Satisfaction1M -benchtime 2000x ./aggregator/web
func BenchmarkSatisfaction1M(b *testing.B) {
	var units []hierarchy.Unit
	from := hailong.DateFromYMD(2024, 1, 1)
	units = append(units, hierarchy.Unit{Code: "01", Name: "Tỉnh", Kind: hierarchy.Province, From: from})
	var centres []string
	for c := 0; c < 100; c++ {
		commune := fmt.Sprintf("%05d", c)
		units = append(units, hierarchy.Unit{Code: commune, Name: "Xã " + commune, Kind: hierarchy.Commune, Parent: "01", From: from})
		for k := 0; k < 2; k++ {
			code := fmt.Sprintf("TT-%s-%d", commune, k)
			centres = append(centres, code)
			units = append(units, hierarchy.Unit{Code: code, Name: "Trung tâm", Kind: hierarchy.Centre, Parent: commune, From: from})
		}
	}
	tree, err := hierarchy.New(units)
	if err != nil {
		b.Fatal(err)
	}
	r := rollup.New()
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 1_000_000; i++ {
		ci := rng.IntN(len(centres))
		r.Add(rollup.Fact{Unit: centres[ci], Date: from + hailong.Date(rng.IntN(730)), Satisfied: rng.IntN(10) < 8,
			Dims: rollup.Dims{Questionnaire: []string{"counter-quick", "sipas"}[rng.IntN(2)], Channel: []hailong.Channel{"kiosk", "qr"}[rng.IntN(2)],
				Procedure: fmt.Sprintf("1.%06d", rng.IntN(2000)), Official: fmt.Sprintf("cb-%04d", ci*15+rng.IntN(15)), Counter: fmt.Sprintf("Q%d", rng.IntN(5))}})
	}
	s, err := web.New(&web.Server{Ingester: memIngester{r}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Now: func() time.Time { return time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String() + "/api/v1/satisfaction?"
	queries := []struct{ name, query string }{
		{"province-year", "unit=01&from=2025-01-01&to=2025-12-31"},
		{"province-2years", "unit=01&from=2024-01-01&to=2025-12-31"},
		{"commune-quarter", "unit=00042&from=2025-04-01&to=2025-06-30"},
		{"province-year-official", "unit=01&from=2025-01-01&to=2025-12-31&official=cb-0420"},
		{"province-year-qr-procedure", "unit=01&from=2025-01-01&to=2025-12-31&channel=qr&procedure=1.000123"},
	}
	client := &http.Client{}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := latency.Gets(b, client, base+q.query)
			lat.Report(b, 50, 95)
		})
	}
}
