package ingest_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/bolt"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/seen"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// openIndex opens the rating index file at path, for the test database.
func openIndex(t testing.TB, path string) *bolt.Index {
	t.Helper()
	idx, _, err := bolt.Open(path, "hailong_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// startIndexed starts an ingester with a durable index and waits until the
// index is filled, if it was not complete.
func startIndexed(t testing.TB, store ingest.Store, idx seen.Index, remember int) *ingest.Ingester {
	t.Helper()
	in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Index: idx, Remember: remember, Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-in.Duplicates().Filled()
	return in
}

// countingStore counts the database's look-ups of stored ratings: by id
// (Receipts, a scan on FerretDB) and of every one (ScanDigests). A scan
// waits for gate, when set, to be closed.
type countingStore struct {
	*mongodb.DB
	receipts, scans atomic.Int64
	gate            chan struct{}
}

func (s *countingStore) Receipts(ctx context.Context, ids []string, fn func(string, [32]byte, time.Time, time.Time)) error {
	s.receipts.Add(1)
	return s.DB.Receipts(ctx, ids, fn)
}

func (s *countingStore) ScanDigests(ctx context.Context, fn func(string, [32]byte, time.Time)) error {
	s.scans.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.DB.ScanDigests(ctx, fn)
}

// history stores a year-old rating, a year-old dossier's rating and then
// enough ratings to push both out of a recent layer of remember.
func history(t *testing.T, in *ingest.Ingester, remember int) (old, dossier hailong.Rating) {
	t.Helper()
	yearAgo := time.Now().AddDate(-1, 0, 0)
	old = rating(3, yearAgo)
	dossier = rating(2, yearAgo)
	dossier.Dossier = "H15.50.05.13-251008-0001"
	dossier.ID = qrtoken.DossierRatingID(kiosk.Unit, dossier.Dossier)
	rs := []hailong.Rating{old, dossier}
	for i := range remember + 2 {
		rs = append(rs, rating(1+i%3, time.Now()))
	}
	for _, r := range rs { // one upload each: the recent layer keeps the last
		if _, err := in.Ingest(context.Background(), kiosk, 0, []hailong.Rating{r}); err != nil {
			t.Fatal(err)
		}
	}
	return old, dossier
}

func changed(r hailong.Rating) hailong.Rating {
	r.Answers = hailong.Answers{"overall": hailong.Int(1 + r.Answers["overall"].Value%3)}
	return r
}

// TestYearOldDuplicatesAreAnsweredFromTheIndex: a rating stored a year ago,
// long forgotten by the recent layer, sent again is a duplicate, and with
// other content a conflict, without the database being asked, while the
// aggregator runs, after a clean stop and after a crash; and the time of a
// dossier's rating is still known.
func TestYearOldDuplicatesAreAnsweredFromTheIndex(t *testing.T) {
	ctx := context.Background()
	const remember = 2
	tests := []struct {
		name  string
		after func(t *testing.T, in *ingest.Ingester, idx *bolt.Index, path string) *bolt.Index
	}{
		{"while running", func(t *testing.T, _ *ingest.Ingester, idx *bolt.Index, _ string) *bolt.Index { return idx }},
		{"after a clean stop", func(t *testing.T, in *ingest.Ingester, idx *bolt.Index, path string) *bolt.Index {
			if err := in.Close(ctx); err != nil {
				t.Fatal(err)
			}
			idx.Close()
			return openIndex(t, path)
		}},
		{"after a crash", func(t *testing.T, _ *ingest.Ingester, idx *bolt.Index, path string) *bolt.Index {
			idx.Close() // the process died: its lock on the file is gone
			return openIndex(t, path)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := ferrettest.Open(t)
			path := filepath.Join(t.TempDir(), "ratings.bolt")
			idx := openIndex(t, path)
			in := startIndexed(t, db, idx, remember)
			old, dossier := history(t, in, remember)
			stored := in.Rollup().Ratings()
			in.Duplicates().Flush() // the index is written behind the inserts
			idx = tt.after(t, in, idx, path)
			store := &countingStore{DB: db}
			again := startIndexed(t, store, idx, remember)
			res, err := again.Ingest(ctx, kiosk, 0, []hailong.Rating{old, changed(old), dossier, changed(dossier)})
			if err != nil {
				t.Fatal(err)
			}
			want := []syncapi.Status{syncapi.Duplicate, syncapi.Conflict, syncapi.Duplicate, syncapi.Conflict}
			if got := statuses(res); !slices.Equal(got, want) {
				t.Errorf("sent again: %v, want %v", got, want)
			}
			if n, m := store.receipts.Load(), store.scans.Load(); n != 0 || m != 0 {
				t.Errorf("the database was asked %d times by id and scanned %d times, want never", n, m)
			}
			if at, ok := again.Known(dossier.ID); !ok || !at.Equal(dossier.At) {
				t.Errorf("the dossier's rating: known %v at %v, want at %v", ok, at, dossier.At)
			}
			if got := again.Rollup().Ratings(); got != stored {
				t.Errorf("the rollups count %d ratings, want %d", got, stored)
			}
		})
	}
}

// TestDamagedIndexIsSetAsideAndFilled: an index file bbolt cannot open is
// set aside and a new one filled from the stored ratings; meanwhile
// re-sent ratings are answered right, by the database, and after the fill
// from the index.
func TestDamagedIndexIsSetAsideAndFilled(t *testing.T) {
	ctx := context.Background()
	const remember = 2
	db := ferrettest.Open(t)
	path := filepath.Join(t.TempDir(), "ratings.bolt")
	idx := openIndex(t, path)
	in := startIndexed(t, db, idx, remember)
	old, dossier := history(t, in, remember)
	stored := in.Rollup().Ratings()
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	idx.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 8192), 0); err != nil { // both meta pages
		t.Fatal(err)
	}
	f.Close()

	idx, aside, err := bolt.Open(path, "hailong_test")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if aside == "" {
		t.Fatal("the damaged file was not set aside")
	}
	store := &countingStore{DB: db, gate: make(chan struct{})}
	again := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Index: idx, Remember: remember, Logger: slog.New(slog.DiscardHandler)})
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	resend := []hailong.Rating{old, changed(old), dossier, changed(dossier)}
	want := []syncapi.Status{syncapi.Duplicate, syncapi.Conflict, syncapi.Duplicate, syncapi.Conflict}
	// While the fill waits: answered by the database.
	res, err := again.Ingest(ctx, kiosk, 0, resend)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("sent again while the index fills: %v, want %v", got, want)
	}
	if store.receipts.Load() == 0 {
		t.Error("answered while the index is empty without asking the database")
	}
	close(store.gate)
	<-again.Duplicates().Filled()
	if complete, err := idx.Complete(); err != nil || !complete {
		t.Fatalf("after the fill: complete %v %v", complete, err)
	}
	asked := store.receipts.Load()
	// Push what the database told out of the recent layer.
	for i := range remember + 1 {
		if _, err := again.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(1+i%3, time.Now())}); err != nil {
			t.Fatal(err)
		}
	}
	res, err = again.Ingest(ctx, kiosk, 0, resend)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("sent again after the fill: %v, want %v", got, want)
	}
	if n := store.receipts.Load() - asked; n != 0 {
		t.Errorf("the database was asked %d times after the fill, want none", n)
	}
	if got, want := again.Rollup().Ratings(), stored+remember+1; got != want {
		t.Errorf("the rollups count %d ratings, want %d", got, want)
	}
}

// failingIndex is an index whose writes fail while fail is set: a crash
// between the insert and the index write, as the index sees it.
type failingIndex struct {
	*bolt.Index
	fail atomic.Bool
}

func (f *failingIndex) Put(es []seen.Entry) error {
	if f.fail.Load() {
		return errors.New("injected: the process died before the index write")
	}
	return f.Index.Put(es)
}

// failingInsert fails every insert while fail is set, after storing
// nothing.
type failingInsert struct {
	*countingStore
	fail atomic.Bool
}

func (f *failingInsert) InsertRatings(ctx context.Context, rs []hailong.Rating, digests [][32]byte, received time.Time) ([]int, error) {
	if f.fail.Load() {
		return nil, errors.New("injected: the database is unreachable")
	}
	return f.countingStore.InsertRatings(ctx, rs, digests, received)
}

// TestTheIndexIsWrittenOnlyAfterTheInsert: a rating whose insert failed is
// not in the index (sent again, it is stored, not taken for a duplicate);
// a rating stored but missing from the index (the index write failed, as
// when the process dies between the two) is counted once and found in the
// database when sent again, now and after a restart, which fills the index
// again.
func TestTheIndexIsWrittenOnlyAfterTheInsert(t *testing.T) {
	ctx := context.Background()
	t.Run("the insert fails", func(t *testing.T) {
		db := ferrettest.Open(t)
		store := &failingInsert{countingStore: &countingStore{DB: db}}
		idx := openIndex(t, filepath.Join(t.TempDir(), "ratings.bolt"))
		in := startIndexed(t, store, idx, 100)
		r := rating(2, time.Now())
		store.fail.Store(true)
		if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r}); err == nil {
			t.Fatal("the injected fault should fail the upload")
		}
		store.fail.Store(false)
		// The aggregator crashes and starts again: what it knew of the
		// failed insert in memory is gone, only the index remains.
		in = startIndexed(t, store, idx, 100)
		res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Accepted}) {
			t.Fatalf("sent again after a failed insert: %v, want accepted", got)
		}
		checkCounted(t, in, db, 1, nil)
	})
	t.Run("the index write fails after the insert", func(t *testing.T) {
		db := ferrettest.Open(t)
		path := filepath.Join(t.TempDir(), "ratings.bolt")
		idx := &failingIndex{Index: openIndex(t, path)}
		store := &countingStore{DB: db}
		in := startIndexed(t, store, idx, 1)
		r := rating(2, time.Now())
		idx.fail.Store(true)
		res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
		if err != nil || !slices.Equal(statuses(res), []syncapi.Status{syncapi.Accepted}) {
			t.Fatalf("first upload: %v %v, want accepted", statuses(res), err)
		}
		in.Duplicates().Flush()
		idx.fail.Store(false)
		if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(3, time.Now())}); err != nil { // r leaves the recent layer
			t.Fatal(err)
		}
		res, err = in.Ingest(ctx, kiosk, 0, []hailong.Rating{r, changed(r)})
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Conflict}) {
			t.Fatalf("sent again: %v, want duplicate, conflict", got)
		}
		if store.receipts.Load() == 0 {
			t.Error("the index missed the rating, yet the database was not asked")
		}
		checkCounted(t, in, db, 2, nil)
		if complete, _ := idx.Complete(); complete {
			t.Error("the index is still marked complete after a failed write")
		}
		// A restart (after a crash) fills the index again from the database.
		idx.Close()
		idx2 := openIndex(t, path)
		again := startIndexed(t, store, idx2, 1)
		if complete, _ := idx2.Complete(); !complete {
			t.Fatal("the index was not filled again at the next start")
		}
		asked := store.receipts.Load()
		res, err = again.Ingest(ctx, kiosk, 0, []hailong.Rating{r, changed(r)})
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Conflict}) {
			t.Fatalf("sent again after the restart: %v, want duplicate, conflict", got)
		}
		if n := store.receipts.Load() - asked; n != 0 {
			t.Errorf("the database was asked %d times after the index was filled again, want none", n)
		}
		checkCounted(t, again, db, 2, nil)
	})
}

// TestStopWhileFillingLeavesTheIndexIncomplete: an index whose fill was
// cut short by a stop is not marked complete, and the next start fills it.
func TestStopWhileFillingLeavesTheIndexIncomplete(t *testing.T) {
	ctx := context.Background()
	db := ferrettest.Open(t)
	in := newIngester(t, db, 100) // no index yet: an aggregator of before
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, time.Now()), rating(3, time.Now())}); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ratings.bolt")
	idx := openIndex(t, path)
	store := &countingStore{DB: db, gate: make(chan struct{})}
	cut := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Index: idx, Logger: slog.New(slog.DiscardHandler)})
	if err := cut.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cut.Close(ctx); err != nil { // the fill still waits for the scan
		t.Fatal(err)
	}
	if complete, err := idx.Complete(); err != nil || complete {
		t.Fatalf("after a stop while filling: complete %v %v, want not", complete, err)
	}
	idx.Close()
	idx = openIndex(t, path)
	startIndexed(t, db, idx, 100)
	if complete, err := idx.Complete(); err != nil || !complete {
		t.Fatalf("after the next start: complete %v %v, want complete", complete, err)
	}
	if _, n, _ := idx.Size(); n != 2 {
		t.Fatalf("the index holds %d ratings, want 2", n)
	}
}
