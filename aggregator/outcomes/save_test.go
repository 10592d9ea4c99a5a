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

// TestSavesWriteTheMonthsChanged: once saved whole, the book is saved by
// month: a save writes only the months of the dossiers changed since, each
// whole, and none when nothing changed; the book is never due to be saved
// whole again, and reads back every dossier.
func TestSavesWriteTheMonthsChanged(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	// Dossiers i received in January, February or March (i%3).
	code := func(i int) string { return fmt.Sprintf("H22.39-260%d05-%04d", 1+i%3, i) }
	report := func(b *outcomes.Book, codes ...string) {
		t.Helper()
		batch := make([]hailong.Outcome, len(codes))
		for i, c := range codes {
			batch[i] = outcome(c, "")
		}
		if _, err := b.Report(ctx, batch, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 99 {
		report(b, code(i))
	}
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatalf("Compact over a store with no saved book: saved %v, %v; want it saved whole", saved, err)
	}
	if n := len(store.saved.all()); store.wholes != 1 || n != 99 || len(store.saved.entries) != 3 {
		t.Fatalf("%d whole saves of %d dossiers in %d months, want one of 99 in 3", store.wholes, n, len(store.saved.entries))
	}
	tests := []struct {
		name     string
		reported []string
		// wantMonths are the dossiers of each month the stop writes, by
		// month.
		wantMonths map[string]int
		dossiers   int
	}{
		{"nothing reported", nil, map[string]int{}, 99},
		{"a dossier of February", []string{code(100)}, map[string]int{"202602": 34}, 100},
		{"a report again of a dossier of January", []string{code(3)}, map[string]int{"202601": 33}, 100},
		{"a dossier of a new month", []string{"H22.39-260405-0200"}, map[string]int{"202604": 1}, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err = outcomes.Load(ctx, store); err != nil {
				t.Fatal(err)
			}
			if len(tt.reported) > 0 {
				// A later report day, so that the report changes the
				// dossier.
				o := outcome(tt.reported[0], "")
				*o.Returned++
				if _, err := b.Report(ctx, []hailong.Outcome{o}, anyUnit); err != nil {
					t.Fatal(err)
				}
			}
			store.written = nil
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, m := range store.written {
				got[m.Month.String()] = len(m.Entries)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantMonths) {
				t.Fatalf("the stop wrote months %v, want %v", got, tt.wantMonths)
			}
			if b, err = outcomes.Load(ctx, store); err != nil {
				t.Fatal(err)
			}
			if b.Dossiers() != tt.dossiers {
				t.Fatalf("%d dossiers read, want %d", b.Dossiers(), tt.dossiers)
			}
			wholes := store.wholes
			if due, err := b.Compact(ctx); err != nil || due || store.wholes != wholes {
				t.Fatalf("Compact of a book saved by month: saved whole %v (%v), want not due", due, err)
			}
		})
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
	if n := len(store.saved.all()); n != 1 {
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
	if w := store.written; len(w) != 1 || len(w[0].Entries) != 2 || store.deltas != 1 {
		t.Fatalf("%d saves of changes, the last writing %+v, want one writing the month of both dossiers", store.deltas, w)
	}
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Dossiers(); n != 2 {
		t.Fatalf("read back: %d dossiers, want 2", n)
	}
}
