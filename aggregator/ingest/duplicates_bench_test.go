package ingest_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"hailong"
	"hailong/aggregator/bolt"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/seen"
	"hailong/syncapi"
)

// uuidV7At is a UUIDv7 of the instant at, as a kiosk makes at a tap.
func uuidV7At(at time.Time, rng *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	binary.BigEndian.PutUint64(u[:8], uint64(at.UnixMilli())<<16|rng.Uint64()&0xfff)
	u[6] = (u[6] & 0x0f) | 0x70
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

// buildIndex writes n entries straight into a new index (not through the
// database): ratings spread over the year to now, in time order as they
// arrive, among them probes, whose entries are their real digests.
func buildIndex(b *testing.B, path string, n int, probes []hailong.Rating) (*bolt.Index, int64) {
	b.Helper()
	idx, _, err := bolt.Open(path, "hailong_test")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now().AddDate(-1, 0, 0)
	step := time.Duration(int64(365*24*time.Hour) / int64(n))
	every := n / len(probes)
	var chunk []seen.Entry
	t0 := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * step)
		e := seen.Entry{ID: uuidV7At(at, rng), Received: at.Add(time.Minute)}
		binary.LittleEndian.PutUint64(e.Digest[:], rng.Uint64())
		if p := i / every; i%every == 0 && p < len(probes) {
			probes[p].At = at.Truncate(time.Millisecond)
			probes[p].ID = uuidV7At(at, rng)
			e.ID, e.Digest = probes[p].ID, probes[p].Digest()
		}
		chunk = append(chunk, e)
		if len(chunk) == 100_000 || i == n-1 {
			if err := idx.Put(chunk); err != nil {
				b.Fatal(err)
			}
			chunk = chunk[:0]
		}
	}
	if err := idx.SetComplete(true); err != nil {
		b.Fatal(err)
	}
	size, entries, err := idx.Size()
	if err != nil || entries != n {
		b.Fatalf("index of %d entries (%v), want %d", entries, err, n)
	}
	b.Logf("index of %d entries built in %s: %d bytes, %.1f bytes a rating", n, time.Since(t0).Round(time.Millisecond), size, float64(size)/float64(n))
	return idx, size
}

// BenchmarkYearOldDuplicate re-sends, through Ingester.Ingest, ratings
// stored up to a year ago and forgotten by the recent layer, with an
// index of HAILONG_BENCH_INDEX ratings (default 1,000,000; comma-separated
// for several): each upload of one rating is answered duplicate from the
// index, and its time is one sample of the p50 and p95.
func BenchmarkYearOldDuplicate(b *testing.B) {
	sizes := []int{1_000_000}
	if s := os.Getenv("HAILONG_BENCH_INDEX"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("index=%d", n), func(b *testing.B) {
			ctx := context.Background()
			probes := make([]hailong.Rating, 2000)
			for i := range probes {
				probes[i] = rating(1+i%3, time.Now())
			}
			idx, size := buildIndex(b, filepath.Join(b.TempDir(), "ratings.bolt"), n, probes)
			defer idx.Close()
			store := &countingStore{DB: ferrettest.Open(b)}
			in := startIndexed(b, store, idx, 16)
			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				r := probes[i%len(probes)]
				t0 := time.Now()
				res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
				samples = append(samples, time.Since(t0))
				if err != nil || res[0].Status != syncapi.Duplicate {
					b.Fatalf("re-sent: %+v %v", res, err)
				}
			}
			b.StopTimer()
			if store.receipts.Load() != 0 || store.scans.Load() != 0 {
				b.Fatalf("the database was asked %d times and scanned %d times", store.receipts.Load(), store.scans.Load())
			}
			reportQuantiles(b, samples, "")
			b.ReportMetric(float64(size)/float64(n), "file-B/rating")

			// Cold: the file's pages dropped from the kernel's cache before
			// each look-up (the index closed, posix_fadvise DONTNEED, opened
			// again), as for the first re-sent rating after a reboot.
			path := idx.Path()
			sw := &swappable{}
			sw.Store(idx)
			cold := startIndexed(b, store, sw, 16)
			var colds []time.Duration
			for i := range 200 {
				sw.Load().Close()
				dropCache(b, path)
				again, _, err := bolt.Open(path, "hailong_test")
				if err != nil {
					b.Fatal(err)
				}
				sw.Store(again)
				t0 := time.Now()
				res, err := cold.Ingest(ctx, kiosk, 0, []hailong.Rating{probes[(i*7)%len(probes)]})
				colds = append(colds, time.Since(t0))
				if err != nil || res[0].Status != syncapi.Duplicate {
					b.Fatalf("re-sent cold: %+v %v", res, err)
				}
			}
			sw.Load().Close()
			reportQuantiles(b, colds, "cold-")
		})
	}
}

// reportQuantiles reports the p50, p95 and p99 of samples.
func reportQuantiles(b *testing.B, samples []time.Duration, prefix string) {
	slices.Sort(samples)
	at := func(q float64) float64 { return float64(samples[int(q*float64(len(samples)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(at(0.50), prefix+"p50-µs")
	b.ReportMetric(at(0.95), prefix+"p95-µs")
	b.ReportMetric(at(0.99), prefix+"p99-µs")
}

// swappable is an index whose file can be closed and opened again under
// an ingester.
type swappable struct{ atomic.Pointer[bolt.Index] }

func (s *swappable) Get(id string) (seen.Entry, bool, error) { return s.Load().Get(id) }
func (s *swappable) Put(es []seen.Entry) error               { return s.Load().Put(es) }
func (s *swappable) Complete() (bool, error)                 { return s.Load().Complete() }
func (s *swappable) SetComplete(c bool) error                { return s.Load().SetComplete(c) }

// dropCache asks the kernel to drop the file's pages from its cache.
func dropCache(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		b.Fatal(err)
	}
}

func splitComma(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		out = append(out, s[:i])
		s = s[min(i+1, len(s)):]
	}
	return out
}

// BenchmarkIngestIndex measures ingest of new ratings, batches of 200,
// with the durable index and without (the recent layer alone), in rounds
// that take turns on one database within one run.
func BenchmarkIngestIndex(b *testing.B) {
	ctx := context.Background()
	db := ferrettest.Open(b)
	idx, _, err := bolt.Open(filepath.Join(b.TempDir(), "ratings.bolt"), "hailong_test")
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	with := startIndexed(b, db, idx, 0)
	without := ingest.New(ingest.Config{Store: db, Catalog: catalog(b)})
	arms := []*ingest.Ingester{without, with}
	const batch, rounds = 200, 8
	perRound := max(b.N/batch/rounds, 1)
	var took [2]time.Duration
	var n [2]int
	b.ResetTimer()
	for round := range rounds + 1 {
		b.StopTimer()
		uploads := make([][]hailong.Rating, perRound)
		for i := range uploads {
			for j := range batch {
				uploads[i] = append(uploads[i], rating(1+j%3, time.Now()))
			}
		}
		arm := (round + 1) % 2 // the warm-up round, first, is with the index
		b.StartTimer()
		t0 := time.Now()
		for _, u := range uploads {
			if _, err := arms[arm].Ingest(ctx, kiosk, 0, u); err != nil {
				b.Fatal(err)
			}
		}
		if round > 0 {
			took[arm] += time.Since(t0)
			n[arm] += perRound * batch
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n[0])/took[0].Seconds(), "without-ratings/s")
	b.ReportMetric(float64(n[1])/took[1].Seconds(), "with-index-ratings/s")
}

// BenchmarkIndexFill measures how long a start with no index file (a new
// machine, a standby taking over) takes to fill it from the stored
// ratings, HAILONG_BENCH_FILL of them (default 100,000), in the
// background: re-sent ratings are answered by the database meanwhile.
func BenchmarkIndexFill(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if s := os.Getenv("HAILONG_BENCH_FILL"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db := ferrettest.Open(b)
	loader := ingest.New(ingest.Config{Store: db, Catalog: catalog(b), Remember: 1})
	for done := 0; done < n; done += syncapi.MaxBatch {
		var rs []hailong.Rating
		for j := range min(syncapi.MaxBatch, n-done) {
			rs = append(rs, rating(1+j%3, time.Now()))
		}
		if _, err := loader.Ingest(ctx, kiosk, 0, rs); err != nil {
			b.Fatal(err)
		}
	}
	if err := loader.Close(ctx); err != nil { // clean: no rebuild at the starts below
		b.Fatal(err)
	}
	var took time.Duration
	b.ResetTimer()
	for i := range b.N {
		idx, _, err := bolt.Open(filepath.Join(b.TempDir(), fmt.Sprintf("ratings-%d.bolt", i)), "hailong_test")
		if err != nil {
			b.Fatal(err)
		}
		in := ingest.New(ingest.Config{Store: db, Catalog: catalog(b), Index: idx, Logger: slog.New(slog.DiscardHandler)})
		if err := in.Start(ctx); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		<-in.Duplicates().Filled()
		took += time.Since(t0)
		b.StopTimer()
		if _, entries, _ := idx.Size(); entries != n {
			b.Fatalf("filled %d entries, want %d", entries, n)
		}
		if err := in.Close(ctx); err != nil {
			b.Fatal(err)
		}
		idx.Close()
		b.StartTimer()
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "fill-s")
	b.ReportMetric(float64(n*b.N)/took.Seconds(), "ratings/s")
}
