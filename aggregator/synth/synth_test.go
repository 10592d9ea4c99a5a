package synth_test

import (
	"context"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"testing"

	"hailong"
	"hailong/aggregator/synth"
	"hailong/assets"
)

// record keeps everything generated.
type record struct {
	ratings  []hailong.Rating
	outcomes []hailong.Outcome
}

func (r *record) Ratings(_ context.Context, rs []hailong.Rating) error {
	r.ratings = append(r.ratings, rs...)
	return nil
}

func (r *record) Outcomes(_ context.Context, os []hailong.Outcome) error {
	r.outcomes = append(r.outcomes, os...)
	return nil
}

func generate(t *testing.T, cfg synth.Config) *record {
	t.Helper()
	var r record
	if err := synth.Generate(context.Background(), cfg, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func catalog(t *testing.T) *hailong.Catalog {
	t.Helper()
	c, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGenerate checks that the province has every dimension a page shows,
// that what it generates is valid, and that a seed gives the same province.
func TestGenerate(t *testing.T) {
	const n = 30_000
	cfg := synth.Config{Ratings: n, Seed: 7}
	got := generate(t, cfg)
	cat := catalog(t)
	count := map[string]int{}
	perCentre := map[string]int{}
	for i := range got.ratings {
		r := &got.ratings[i]
		if _, err := r.Validate(cat); err != nil {
			t.Fatalf("rating %d is not valid: %v", i, err)
		}
		count["questionnaire "+r.Questionnaire]++
		count["channel "+string(r.Channel)]++
		if r.Answers["comment"].Text != "" {
			count["comment"]++
		}
		if r.Dossier != "" {
			count["dossier"]++
		}
		if hailong.DateOf(r.At) < synth.Merger {
			count["before the merger"]++
		} else {
			count["after the merger"]++
		}
		perCentre[r.Unit]++
	}
	for i := range got.outcomes {
		if err := got.outcomes[i].Validate(); err != nil {
			t.Fatalf("outcome %d is not valid: %v", i, err)
		}
	}
	count["outcome"] = len(got.outcomes)
	t.Run("every dimension", func(t *testing.T) {
		if len(got.ratings) != n {
			t.Errorf("%d ratings, want %d", len(got.ratings), n)
		}
		for _, k := range []string{"questionnaire counter-quick", "questionnaire sipas", "channel kiosk", "channel qr",
			"comment", "dossier", "outcome", "before the merger", "after the merger"} {
			if count[k] < n/100 {
				t.Errorf("%s: %d ratings, want at least %d", k, count[k], n/100)
			}
		}
		if count["outcome"] != count["dossier"] {
			t.Errorf("%d outcomes of %d rated dossiers", count["outcome"], count["dossier"])
		}
	})
	t.Run("quiet and busy centres", func(t *testing.T) {
		lo, hi := n, 0
		for _, c := range perCentre {
			lo, hi = min(lo, c), max(hi, c)
		}
		if lo*20 > hi {
			t.Errorf("centres have %d to %d ratings: no quiet centre", lo, hi)
		}
	})
	t.Run("same seed, same province", func(t *testing.T) {
		again := generate(t, cfg)
		if !reflect.DeepEqual(got, again) {
			t.Error("two runs with one seed differ")
		}
		other := generate(t, synth.Config{Ratings: 100, Seed: 8})
		if reflect.DeepEqual(got.ratings[:100], other.ratings) {
			t.Error("another seed gives the same ratings")
		}
	})
}

// TestMemory loads a province into memory: every rating counted, the
// outcomes in the book, the comments kept.
func TestMemory(t *testing.T) {
	ctx := context.Background()
	m, err := synth.InMemory(ctx, catalog(t), synth.Config{Ratings: 10_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Rollup().Ratings(); got != 10_000 {
		t.Errorf("rollups hold %d ratings, want 10000", got)
	}
	if m.Book().Dossiers() == 0 {
		t.Error("no dossier outcome in the book")
	}
	if len(m.Comments) == 0 {
		t.Error("no comment kept")
	}
}

// BenchmarkMemory is how long a benchmark waits for its province: a
// million ratings generated into the in-memory rollups per op.
//
//	go test -run '^$' -bench Memory -benchtime 1x ./aggregator/synth
func BenchmarkMemory(b *testing.B) {
	ctx := context.Background()
	cat, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := synth.InMemory(ctx, cat, synth.Config{Ratings: 1_000_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeap reports the live heap of a province generated into memory
// (the rollups of its ratings and the book of its outcomes; the comments
// dropped), in all and per rating: HAILONG_BENCH_RATINGS ratings,
// 1,000,000 by default.
//
//	HAILONG_BENCH_RATINGS=5000000 go test -run '^$' -bench Heap -benchtime 1x ./aggregator/synth
func BenchmarkHeap(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("HAILONG_BENCH_RATINGS")); err == nil && v > 0 {
		n = v
	}
	cat, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	var ms runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		m, err := synth.InMemory(context.Background(), cat, synth.Config{Ratings: n, Seed: 3})
		if err != nil {
			b.Fatal(err)
		}
		m.Comments = nil
		runtime.GC()
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(m)
		b.ReportMetric(float64(ms.HeapAlloc-before)/(1<<20), "heap-MB")
		b.ReportMetric(float64(ms.HeapAlloc-before)/float64(n), "heap-B/rating")
	}
	b.ReportMetric(0, "ns/op")
}
