package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/syncapi"
)

type memIngester struct{ r *rollup.Rollup }

func (m memIngester) Ingest(context.Context, hailong.Enrolment, time.Duration, []hailong.Rating) ([]syncapi.Result, error) {
	return nil, nil
}
func (m memIngester) IngestQR(context.Context, hailong.Rating) (syncapi.Result, error) {
	return syncapi.Result{}, nil
}
func (m memIngester) Known(string) (time.Time, bool) { return time.Time{}, false }
func (m memIngester) Rollup() *rollup.Rollup         { return m.r }
func (m memIngester) Flagged() *rollup.Rollup        { return nil }

// BenchmarkSatisfaction1M serves /api/v1/satisfaction over real HTTP with
// rollups of 1,000,000 ratings of the synthetic province (synth): about 150
// centres, two years across the merger, 2,000 procedures, 1,400 officials.
// Queries read only the in-memory rollups, so the figures do not depend on
// the database.
//
//	go test -run '^$' -bench Satisfaction1M -benchtime 2000x ./aggregator/web
func BenchmarkSatisfaction1M(b *testing.B) {
	tree, mem, _ := benchProvince(b, 1_000_000)
	_, base := serve(b, &web.Server{Ingester: mem, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Now: func() time.Time { return time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC) }})
	base += "/api/v1/satisfaction?"
	queries := []struct{ name, query string }{
		{"province-year", "unit=48&from=2025-07-01&to=2026-06-30"},
		{"province-2years", "unit=48&from=2024-07-01&to=2026-06-30"},
		{"commune-quarter", "unit=20007&from=2026-01-01&to=2026-03-31"},
		{"province-year-official", "unit=48&from=2025-07-01&to=2026-06-30&official=cb-0420"},
		{"province-year-qr-procedure", "unit=48&from=2025-07-01&to=2026-06-30&channel=qr&procedure=1.001122"},
	}
	client := &http.Client{}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			lat := latency.Gets(b, client, base+q.query)
			lat.Report(b, 50, 95)
		})
	}
}

// benchProvince is the synthetic province with n ratings in memory, its
// units and questionnaires.
func benchProvince(b *testing.B, n int) (*hierarchy.Tree, *synth.Memory, *hailong.Catalog) {
	b.Helper()
	t0 := time.Now()
	tree, mem, catalog, err := synth.Province(context.Background(), synth.Config{Ratings: n, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d ratings generated into memory in %s", n, time.Since(t0).Round(time.Second))
	return tree, mem, catalog
}
