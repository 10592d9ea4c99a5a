package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/seen"
	"hailong/syncapi"
)

// unhappy returns a rating that says "not satisfied" about a dossier, so
// that storing it flags the dossier.
func unhappy(n int, at time.Time) hailong.Rating {
	r := rating(1, at)
	r.Dossier = fmt.Sprintf("H15.50-260101-%04d", n)
	return r
}

// checkCounted fails unless the rollups count exactly the stored ratings,
// want of them, as a recomputation from the raw ratings does, and every
// dissatisfied dossier among them is flagged.
func checkCounted(t *testing.T, in *ingest.Ingester, db *mongodb.DB, want int, dossiers []string) {
	t.Helper()
	ctx := context.Background()
	raw, err := ingest.Recompute(ctx, db, catalog(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Rollup().Ratings(); got != int64(want) || raw.Ratings() != int64(want) {
		t.Fatalf("the rollups count %d ratings, the database holds %d; want %d and %d", got, raw.Ratings(), want, want)
	}
	if !reflect.DeepEqual(normalise(slices.Collect(in.Rollup().Days())), normalise(slices.Collect(raw.Days()))) {
		t.Fatal("the rollups differ from a recomputation from raw ratings")
	}
	var flagged []string
	add := func(d string) { flagged = append(flagged, d) }
	if _, err := db.ScanDossierFlags(ctx, add, add); err != nil {
		t.Fatal(err)
	}
	slices.Sort(flagged)
	if !slices.Equal(flagged, dossiers) {
		t.Fatalf("flagged dossiers %v, want %v", flagged, dossiers)
	}
}

// memories are the duplicate memories the fault tests run with: a recent
// layer that forgets at once (the database decides), one that remembers,
// and one that forgets at once in front of a durable index.
var memories = []struct {
	name     string
	remember int
	index    func(t *testing.T) seen.Index
}{
	{"remember 1", 1, func(*testing.T) seen.Index { return nil }},
	{"remember 1024", 1 << 10, func(*testing.T) seen.Index { return nil }},
	{"remember 1 with an index", 1, func(t *testing.T) seen.Index {
		return openIndex(t, filepath.Join(t.TempDir(), "ratings.bolt"))
	}},
}

// TestStoredRatingsAreCountedWithoutARestart injects a store fault at each
// step of ingesting an upload, has the kiosk send the upload again until it
// is taken, and checks that every stored rating is counted, once, while the
// aggregator runs and after a clean stop, without a rebuild. The upload
// mixes new ratings with ones stored long ago that the memory of recent
// digests has forgotten (with a memory of 1): found stored again, those
// must not be counted again.
func TestStoredRatingsAreCountedWithoutARestart(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fault   func(*faultyStore)
		retries bool // the upload fails and is sent again
	}{
		{"the insert stores half the upload, then fails", func(f *faultyStore) { f.storeHalf = 1 }, true},
		{"the insert stores the upload, and its answer is lost", func(f *faultyStore) { f.insertThenFail = 1 }, true},
		{"the answer is lost twice", func(f *faultyStore) { f.insertThenFail = 2 }, true},
		{"half stored, then the answer of the next insert lost", func(f *faultyStore) { f.storeHalf, f.insertThenFail = 1, 1 }, true},
		{"the look-up of ratings already stored fails", func(f *faultyStore) { f.failDigests = 1 }, true},
		{"the dossier flags cannot be written", func(f *faultyStore) { f.failFlags = 1 }, false},
		{"the insert fails and the upload never comes again", func(f *faultyStore) { f.insertThenFail = 1 }, false},
	}
	for _, tt := range tests {
		for _, mem := range memories {
			t.Run(fmt.Sprintf("%s, %s", tt.name, mem.name), func(t *testing.T) {
				db := ferrettest.Open(t)
				store := &faultyStore{DB: db}
				in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: mem.remember, Index: mem.index(t), Logger: slog.New(slog.DiscardHandler)})
				if err := in.Start(ctx); err != nil {
					t.Fatal(err)
				}
				now := time.Now()
				old := []hailong.Rating{rating(3, now), unhappy(1, now)}
				if _, err := in.Ingest(ctx, kiosk, 0, old); err != nil {
					t.Fatal(err)
				}
				upload := []hailong.Rating{rating(3, now), old[0], unhappy(2, now), rating(2, now), old[1], rating(1, now)}
				tt.fault(store)
				res, err := in.Ingest(ctx, kiosk, 0, upload)
				for try := 0; err != nil && tt.retries && try < 5; try++ {
					res, err = in.Ingest(ctx, kiosk, 0, upload) // the kiosk sends it again
				}
				wantStored := len(old) + 4
				if tt.retries || err == nil {
					if err != nil {
						t.Fatalf("the upload is still refused after retries: %v", err)
					}
					for i, r := range res {
						if !r.Status.Settled() {
							t.Fatalf("rating %d: %s %s", i, r.Status, r.Reason)
						}
					}
				} else if raw, _ := ingest.Recompute(ctx, db, catalog(t), nil); raw.Ratings() != int64(wantStored) {
					t.Fatalf("the injected fault stored %d ratings, want %d", raw.Ratings(), wantStored)
				}
				dossiers := []string{old[1].Dossier, upload[2].Dossier}
				if tt.retries { // without a restart, or even a stop
					checkCounted(t, in, db, wantStored, dossiers)
				}
				// A clean stop counts what is left, and needs no rebuild.
				if err := in.Close(ctx); err != nil {
					t.Fatal(err)
				}
				checkCounted(t, in, db, wantStored, dossiers)
				st, err := db.RollupState(ctx)
				if err != nil || !st.Clean || st.Ratings != int64(wantStored) {
					t.Fatalf("after a clean stop: %+v %v, want clean with %d ratings", st, err, wantStored)
				}
			})
		}
	}
}

// TestResentWhileTheInsertIsUnderWay: a kiosk that gave up waiting sends
// the upload again while the first insert is still under way. The second
// finds the ratings stored and may count them; the first must not count
// them again, whether it then succeeds or fails.
func TestResentWhileTheInsertIsUnderWay(t *testing.T) {
	ctx := context.Background()
	for _, firstFails := range []bool{false, true} {
		for _, mem := range memories {
			t.Run(fmt.Sprintf("the first insert fails: %v, %s", firstFails, mem.name), func(t *testing.T) {
				db := ferrettest.Open(t)
				stored, release := make(chan struct{}), make(chan struct{})
				store := &faultyStore{DB: db}
				store.afterInsert = func(n int) {
					if n == 1 {
						close(stored)
						<-release
						if firstFails {
							store.insertThenFail = 1
						}
					}
				}
				in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: mem.remember, Index: mem.index(t), Logger: slog.New(slog.DiscardHandler)})
				if err := in.Start(ctx); err != nil {
					t.Fatal(err)
				}
				upload := []hailong.Rating{rating(3, time.Now()), unhappy(1, time.Now())}
				var wg sync.WaitGroup
				wg.Add(1)
				var firstErr error
				go func() {
					defer wg.Done()
					_, firstErr = in.Ingest(ctx, kiosk, 0, upload)
				}()
				<-stored
				res, err := in.Ingest(ctx, kiosk, 0, upload)
				close(release)
				wg.Wait()
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Duplicate}) {
					t.Fatalf("the upload sent again: %v", got)
				}
				if (firstErr != nil) != firstFails {
					t.Fatalf("the first upload: %v", firstErr)
				}
				checkCounted(t, in, db, 2, []string{upload[1].Dossier})
			})
		}
	}
}
