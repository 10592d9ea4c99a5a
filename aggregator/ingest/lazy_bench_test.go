package ingest_test

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/rollup"
)

// BenchmarkColdStart measures a clean start of the ingester from a
// checkpoint of HAILONG_BENCH_YEARS years (default 5) of synthetic month
// segments, HAILONG_BENCH_CELLS_PER_MONTH cells a month (default 20,000,
// about as many ratings), written straight into FerretDB: with every month
// loaded (ResidentMonths 0, as before) and with the last 13 only; the live
// heap the rollups hold after each (the recent months loaded in the
// background once serving: the time until they are in); the first read of
// a cold year (a query of one year over every unit, which reads the
// summaries of its twelve months), a grouping of the next year by official
// (which loads its twelve months), and then the time a budget of half the
// cells held takes to drop months.
// It reports seconds, MB and milliseconds; b.N is ignored.
// HAILONG_BENCH_PROFILE_COLD names a file for a CPU profile of the first
// read of the cold year alone.
//
//	go test -run '^$' -bench ColdStart -benchtime 1x -timeout 1h ./aggregator/ingest
func BenchmarkColdStart(b *testing.B) {
	years, perMonth := envInt("HAILONG_BENCH_YEARS", 5), envInt("HAILONG_BENCH_CELLS_PER_MONTH", 20000)
	ctx := context.Background()
	db, _ := ferrettest.OpenDir(b, b.TempDir())
	rng := rand.New(rand.NewPCG(5, 5))
	units := make([]string, 60)
	for i := range units {
		units[i] = fmt.Sprintf("TT-%03d", i)
	}
	now := rollup.MonthOf(hailong.DateOf(time.Now()))
	st := rollup.State{Schema: rollup.Schema, Journal: 1, Clean: true, Counted: true}
	t0 := time.Now()
	for m := now - rollup.Month(12*years) + 1; m <= now; m++ {
		first := hailong.DateFromYMD(int(m)/12, time.Month(int(m)%12+1), 1)
		byDay := map[[2]int][]rollup.Cell{}
		for range perMonth {
			u, d := rng.IntN(len(units)), rng.IntN(28)
			sat := int64(rng.IntN(2))
			c := rollup.Cell{Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: hailong.ChannelKiosk,
				Procedure: fmt.Sprintf("1.%06d", rng.IntN(3000)), Official: fmt.Sprintf("cb-%d", rng.IntN(20)), Counter: fmt.Sprintf("Q%d", rng.IntN(5))},
				Tally: rollup.Tally{N: 1, Satisfied: sat}}
			c.Levels[1+sat] = 1
			byDay[[2]int{u, d}] = append(byDay[[2]int{u, d}], c)
		}
		var days []rollup.Day // by unit and date, as a checkpoint writes them
		for _, k := range slices.SortedFunc(maps.Keys(byDay), func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) }) {
			days = append(days, rollup.Day{Unit: units[k[0]], Date: first + hailong.Date(k[1]), Cells: byDay[k]})
		}
		name, err := db.WriteSegment(ctx, false, m, days)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := db.WriteSummary(ctx, false, rollup.Summarise(m, days))
		if err != nil {
			b.Fatal(err)
		}
		st.Segments = append(st.Segments, rollup.Segment{Month: m, Collection: name, Ratings: int64(perMonth), Summary: sum})
		st.Ratings += int64(perMonth)
	}
	if err := db.SetRollupState(ctx, st); err != nil {
		b.Fatal(err)
	}
	if err := db.ReplaceComments(ctx, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d years of %d cells a month written in %.0f s", years, perMonth, time.Since(t0).Seconds())
	t0 = time.Now()
	for _, s := range st.Segments[:12] {
		if err := db.LoadSegment(ctx, s.Collection, func(rollup.Day) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("12 segments read one after the other in %.0f ms", time.Since(t0).Seconds()*1000)
	for _, c := range []struct {
		name     string
		resident int
	}{{"all", 0}, {"recent", 13}} {
		before := liveHeap()
		in := ingest.New(ingest.Config{Store: db, Catalog: catalog(b), Logger: slog.New(slog.DiscardHandler), ResidentMonths: c.resident,
			Remember: 1000})
		t0 := time.Now()
		if err := in.Start(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Since(t0)
		<-in.Warmed() // the resident months, loaded in the background once serving
		warm := time.Since(t0)
		heap := liveHeap() - before
		if got := in.Rollup().Ratings(); got != st.Ratings {
			b.Fatalf("%d ratings, want %d", got, st.Ratings)
		}
		b.ReportMetric(start.Seconds(), c.name+"-start-s")
		b.ReportMetric(warm.Seconds(), c.name+"-resident-in-s")
		b.ReportMetric(float64(heap)/1e6, c.name+"-heap-MB")
		if c.resident > 0 {
			y, _ := hailong.DateOf(time.Now()).YearMonth()
			from, to := hailong.DateFromYMD(y-years+1, time.January, 1), hailong.DateFromYMD(y-years+1, time.December, 31)
			stop := profileTo(b, os.Getenv("HAILONG_BENCH_PROFILE_COLD"))
			t0 := time.Now()
			res := in.Rollup().Query(units, from, to, rollup.Filter{})
			stop()
			b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "first-cold-year-ms")
			t0 = time.Now()
			in.Rollup().Query(units, from, to, rollup.Filter{})
			b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "again-ms")
			if res.Total.N == 0 {
				b.Fatal("the cold year counts no ratings")
			}
			// The year after, read by official: a grouping loads its
			// twelve months.
			from, to = hailong.DateFromYMD(y-years+2, time.January, 1), hailong.DateFromYMD(y-years+2, time.December, 31)
			t0 = time.Now()
			in.Rollup().GroupBy(units, from, to, rollup.Filter{}, rollup.ByOfficial)
			b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "first-cold-year-loaded-ms")
			// A budget of half the cells in memory: the months least
			// recently used are dropped, the series rebuilt without them.
			held := in.Rollup().Residence()
			t0 = time.Now()
			in.Rollup().SetBudget(held.Cells / 2)
			b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "drop-to-budget-ms")
			b.ReportMetric(float64(held.Cells-in.Rollup().Residence().Cells), "cells-dropped")
		}
		runtime.KeepAlive(in)
	}
	b.ReportMetric(0, "ns/op")
}

// profileTo writes a CPU profile into file until the returned function is
// called; with file empty it does nothing.
func profileTo(b *testing.B, file string) (stop func()) {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// liveHeap returns the bytes of live heap after a collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
