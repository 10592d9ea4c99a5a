package outcomes_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestSaveOfChangesEndsAKeyTakenOverAtRead: a merge whose tombstone was
// never stored (a write cut short) is made whole at the next read, the
// later report naming both codes taking the dossier from the key saved
// before; a save of what changed then must end that key, or the read after
// would find the dossier twice.
func TestSaveOfChangesEndsAKeyTakenOverAtRead(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Report(ctx, []hailong.Outcome{outcome(local, ""), outcome(other, "")}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	// The national code's report, naming both, under a key of its own,
	// without the tombstone of the local code's key.
	both := outcome(local, national)
	store.PutOutcomes(ctx, []outcomes.Record{{Key: hailong.NormalizeDossierCode(national), Outcome: both, Digest: both.Digest(), Seq: time.Now().UnixNano()}})
	for i := range 2 {
		if b, err = outcomes.Load(ctx, store); err != nil {
			t.Fatal(err)
		}
		if n := b.Dossiers(); n != 2 {
			t.Fatalf("read %d: %d dossiers, want 2", i, n)
		}
		if codes, _ := b.Codes(local); codes.National != national {
			t.Fatalf("read %d: the local code names %+v, want the dossier of both codes", i, codes)
		}
		if err := b.Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if store.wholes != 1 || store.deltas != 2 {
		t.Fatalf("%d whole saves and %d of changes, want 1 and 2", store.wholes, store.deltas)
	}
}

// TestSavesWriteWhatChanged: once a saved book was read, a save writes
// only the dossiers changed since, and the book is due to be saved whole
// (Compact) only once the saves of changes grow past a part of it or are
// many.
func TestSavesWriteWhatChanged(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	report := func(b *outcomes.Book, from, n int) {
		t.Helper()
		batch := make([]hailong.Outcome, n)
		for i := range batch {
			batch[i] = outcome(fmt.Sprintf("H22.39-260305-%04d", from+i), "")
		}
		if _, err := b.Report(ctx, batch, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	report(b, 0, 100)
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatalf("Compact over a store with no saved book: saved %v, %v; want it saved whole", saved, err)
	}
	if n := len(store.saved.recs); store.wholes != 1 || n != 100 {
		t.Fatalf("%d whole saves of %d dossiers, want one of 100", store.wholes, n)
	}
	tests := []struct {
		name      string
		reported  int // new dossiers reported before the stop
		wantSaved int // records written by the stop
		wantDue   bool
	}{
		{"nothing reported", 0, 0, false},
		{"a few", 3, 3, false},
		{"up to a quarter of the whole save, over the saves", 22, 22, false},
		{"past a quarter", 1, 1, true},
	}
	at := 100
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err = outcomes.Load(ctx, store); err != nil {
				t.Fatal(err)
			}
			report(b, at, tt.reported)
			at += tt.reported
			before := len(store.saved.deltas)
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			deltas := store.saved.deltas
			switch {
			case tt.wantSaved == 0 && len(deltas) != before:
				t.Fatalf("a stop with nothing changed laid %v over the whole save, want nothing", deltas[before:])
			case tt.wantSaved > 0 && (len(deltas) != before+1 || len(deltas[before]) != tt.wantSaved):
				t.Fatalf("the stop's save laid %v over the whole save, want %d records", deltas[before:], tt.wantSaved)
			}
			if b, err = outcomes.Load(ctx, store); err != nil {
				t.Fatal(err)
			}
			if b.Dossiers() != at {
				t.Fatalf("%d dossiers read, want %d", b.Dossiers(), at)
			}
			wholes := store.wholes
			if _, err := b.Compact(ctx); err != nil {
				t.Fatal(err)
			}
			if due := store.wholes > wholes; due != tt.wantDue {
				t.Fatalf("saved whole: %v, want %v", due, tt.wantDue)
			}
		})
	}
	if len(store.saved.deltas) != 0 || len(store.saved.recs) != at {
		t.Fatalf("after the whole save: %d records and %d saves of changes, want %d and none", len(store.saved.recs), len(store.saved.deltas), at)
	}
}

// TestReportsWhileSavedWhole: a whole save in the background holds the
// book's writes only while it is copied, not while the store writes it;
// a report taken meanwhile is not held by that save, and is read back at
// the next start all the same.
func TestReportsWhileSavedWhole(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Report(ctx, []hailong.Outcome{outcome(local, national)}, anyUnit); err != nil {
		t.Fatal(err)
	}
	reported := make(chan error, 1)
	store.during = func() {
		store.during = nil
		go func() {
			_, err := b.Report(ctx, []hailong.Outcome{outcome(other, "")}, anyUnit)
			reported <- err
		}()
		select {
		case err := <-reported:
			reported <- err
		case <-time.After(10 * time.Second):
			t.Error("a report waited for the store to write the save")
		}
	}
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatalf("Compact: saved %v, %v; want it saved whole", saved, err)
	}
	if err := <-reported; err != nil {
		t.Fatal(err)
	}
	if n := len(store.saved.recs); n != 1 {
		t.Fatalf("the whole save holds %d dossiers, want the 1 copied before the report", n)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	units := []string{"TT-09190"}
	from, to := outcome(local, "").Received, *outcome(local, "").Returned
	if got := again.Query(units, from, to, rollup.Filter{}); again.Dossiers() != 2 || got.Dossiers != 2 {
		t.Fatalf("read back: %d dossiers, %d counted, want 2", again.Dossiers(), got.Dossiers)
	}
}

// TestFailedSaveKeepsTheChanges: what changed before a save that failed
// is still written by the next, with what changed after.
func TestFailedSaveKeepsTheChanges(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Save(ctx); err != nil { // an empty book, saved whole
		t.Fatal(err)
	}
	if _, err := b.Report(ctx, []hailong.Outcome{outcome(local, national)}, anyUnit); err != nil {
		t.Fatal(err)
	}
	store.fail = errors.New("disk full")
	if err := b.Save(ctx); err == nil {
		t.Fatal("the failed save succeeded")
	}
	if _, err := b.Report(ctx, []hailong.Outcome{outcome(other, "")}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(store.saved.deltas); n != 1 || len(store.saved.deltas[0]) != 2 {
		t.Fatalf("saves of changes: %v, want one of both dossiers", store.saved.deltas)
	}
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Dossiers(); n != 2 {
		t.Fatalf("read back: %d dossiers, want 2", n)
	}
}
