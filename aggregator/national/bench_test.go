package national_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/hierarchy"
)

// BenchmarkPull pulls the synthetic province (aggregator/synth: two years,
// HAILONG_BENCH_RATINGS ratings, 100,000 by default) from a server that
// answers as a provincial aggregator does (its rollup's months, digests
// and cells as JSON): the first pull of every month, and a pull after one
// new rating, which moves one month. It reports the bytes of JSON each
// pull moved and, for the first, what gzip would make of them.
//
//	go test -run '^$' -bench Pull -benchtime 5x ./aggregator/national
func BenchmarkPull(b *testing.B) {
	n := 100_000
	if s := os.Getenv("HAILONG_BENCH_RATINGS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	tree, mem, _, err := synth.Province(b.Context(), synth.Config{Ratings: n, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	p := &province{version: national.Version, token: "t"}
	p.roll.Store(mem.Rollup())
	srv := httptest.NewServer(p)
	defer srv.Close()
	view := func() *national.View {
		v, err := national.New(national.Config{Units: func() *hierarchy.Tree { return tree },
			Sources: []national.Source{{Provinces: []string{"48"}, URL: srv.URL, Token: "t"}}})
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	months := len(p.roll.Load().Months())
	b.Run(fmt.Sprintf("first-%dk-%dmonths", n/1000, months), func(b *testing.B) {
		var v *national.View
		for b.Loop() {
			v = view()
			if err := v.Pull(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		if got := v.Rollup().Ratings(); got != p.roll.Load().Ratings() {
			b.Fatalf("pulled %d ratings of %d", got, p.roll.Load().Ratings())
		}
		plain, _ := gzipped(b, p.roll.Load())
		b.ReportMetric(float64(v.Sources()[0].Bytes), "gzipB/pull")
		b.ReportMetric(float64(plain), "jsonB/pull")
		b.ReportMetric(float64(p.roll.Load().Cells()), "cells")
	})
	b.Run(fmt.Sprintf("one-month-changed-%dk", n/1000), func(b *testing.B) {
		v := view()
		if err := v.Pull(b.Context()); err != nil {
			b.Fatal(err)
		}
		last := p.roll.Load().Months()[months-1]
		y, m := last.YearMonth()
		d := hailong.DateFromYMD(y, timeMonth(m), 15)
		for b.Loop() {
			b.StopTimer()
			p.roll.Load().Add(fact("TT-48", d, true)) // the province's write, not the pull's
			b.StartTimer()
			if err := v.Pull(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(v.Sources()[0].Bytes), "gzipB/pull")
	})
}

// gzipped is the size of every month's cells as JSON, gzipped.
func gzipped(b *testing.B, r *rollup.Rollup) (plain, compressed int) {
	all, err := national.Collect(context.Background(), national.Rollups{Ratings: r}, national.Request{Scope: "48", To: rollup.MonthFrom(9999, 12), Keep: func(string) bool { return true }}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := national.Encode(&buf, all, false); err != nil {
		b.Fatal(err)
	}
	plain = buf.Len()
	buf.Reset()
	if err := national.Encode(&buf, all, true); err != nil {
		b.Fatal(err)
	}
	return plain, buf.Len()
}

func timeMonth(m int) time.Month { return time.Month(m) }
