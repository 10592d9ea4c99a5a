package mongodb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/outcomes"
)

// TestStopsSaveWhatChanged: after the first whole save, each clean stop
// lays only the records changed since over it (a changed report, a new
// one, a merge's tombstone); a start reads the book they make; a start
// whose saves of changes are lost passes the saved book over and reads
// every log, still the same book.
func TestStopsSaveWhatChanged(t *testing.T) {
	const a, b, c = "H22.39-260302-0001", "H22.39-260302-0002", "H22.39-260302-0003"
	const national = "G09.20-20260302-0000001"
	open, raw := shared(t)
	ctx := t.Context()
	allUnits := func(string) bool { return true }

	book := rvLoad(t, open())
	rvPut(t, book, a, b)
	report := rvReport(c)
	report.Dossier, report.NationalDossier = "", national // c, known by its national code alone
	if _, err := book.Report(ctx, []hailong.Outcome{report}, allUnits); err != nil {
		t.Fatal(err)
	}
	if err := book.Save(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		report  func(*outcomes.Book)
		wantRec int   // dossiers in the book read back
		deltas  []int // records of each save of changes, in order
		merged  bool  // c's codes name one dossier
	}{
		{"nothing reported", func(*outcomes.Book) {}, 3, nil, false},
		{"a report changed and one new", func(b *outcomes.Book) {
			changed := rvReport(a)
			changed.Complaints = 1
			if _, err := b.Report(ctx, []hailong.Outcome{changed, rvReport("H22.39-260302-0004")}, allUnits); err != nil {
				t.Fatal(err)
			}
		}, 4, []int{2}, false},
		{"c by its local code, then by both: merged", func(b *outcomes.Book) {
			if _, err := b.Report(ctx, []hailong.Outcome{rvReport(c)}, allUnits); err != nil {
				t.Fatal(err)
			}
			both := rvReport(c)
			both.NationalDossier = national
			if _, err := b.Report(ctx, []hailong.Outcome{both}, allUnits); err != nil {
				t.Fatal(err)
			}
		}, 4, []int{2, 2}, true},
	}
	live := 0
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			db := open()
			book := rvLoad(t, db)
			step.report(book)
			live = book.Dossiers()
			want := rvMarch(book)
			if err := book.Save(ctx); err != nil {
				t.Fatal(err)
			}
			records, deltas, err := db.SavedDeltas(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if records != 3 || !slices.Equal(deltas, step.deltas) {
				t.Fatalf("saved: %d records whole, changes %v; want 3 and %v", records, deltas, step.deltas)
			}
			again := rvLoad(t, open())
			if got := rvMarch(again); again.Dossiers() != step.wantRec || got != want {
				t.Fatalf("read back: %d dossiers, %+v; want %d, %+v", again.Dossiers(), got, step.wantRec, want)
			}
			if codes, _ := again.Codes(national); step.merged && codes.Local != c {
				t.Fatalf("the national code names %+v after the merge, want %s", codes, c)
			}
		})
	}
	// The saves of changes lost: every log is read instead.
	names, err := raw.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	records, _, _, err := open().SavedOutcomes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "outcomes_saved_") && n != records {
			if err := raw.Collection(n).Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := rvLoad(t, open()).Dossiers(); got != live {
		t.Fatalf("saves of changes lost: %d dossiers read, want %d (from the logs)", got, live)
	}
}

// TestReportDuringSaveIsKept: what is stored once a save has begun (the
// book takes reports again while the store writes) goes where the save
// does not hold it, and is read at the next start.
func TestReportDuringSaveIsKept(t *testing.T) {
	const a, late = "H22.39-260302-0001", "H22.39-260302-0009"
	open, _ := shared(t)
	ctx := t.Context()
	db := open()
	book := rvLoad(t, db)
	rvPut(t, book, a)
	ra, rl := rvReport(a), rvReport(late)
	first := outcomes.Record{Key: a, Outcome: ra, Digest: ra.Digest(), Seq: 1}
	lateRec := outcomes.Record{Key: late, Outcome: rl, Digest: rl.Digest(), Seq: 2}
	err := db.SaveOutcomes(ctx, outcomes.Snapshot{Whole: true, Records: []outcomes.Record{first}, Seq: 1}, func() {
		if err := db.PutOutcomes(ctx, []outcomes.Record{lateRec}); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rvLoad(t, open()).Dossiers(); got != 2 {
		t.Fatalf("%d dossiers read, want 2: the report stored while the save was written is lost", got)
	}
}

// TestFailedSaveLosesNothing: a save cut short (its context ended, as
// the background whole save's at a stop) or refused (another process saved
// since) saves nothing and leaves none of its collections behind; after
// the one cut short, the next save still holds what the process stored.
func TestFailedSaveLosesNothing(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	open, raw := shared(t)
	ctx := t.Context()
	book := rvLoad(t, open())
	rvPut(t, book, a)
	if err := book.Save(ctx); err != nil {
		t.Fatal(err)
	}
	// leftBehind fails the test if a collection other than the logs is
	// there that was not before.
	leftBehind := func(before []string) {
		t.Helper()
		after, err := raw.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range after {
			if !slices.Contains(before, n) && !strings.HasPrefix(n, "outcomes_log_") {
				t.Errorf("the failed save left %s behind", n)
			}
		}
	}
	before, err := raw.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	db := open()
	book = rvLoad(t, db)
	rvPut(t, book, b)
	cut, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.SaveOutcomes(cut, outcomes.Snapshot{Whole: true, Seq: 1}, func() {}); err == nil {
		t.Fatal("a save whose context ended succeeded")
	}
	// Cut short at once, it writes nothing to leave: the refused save
	// below is the one whose collections must be dropped.
	leftBehind(before)
	if err := book.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rvLoad(t, open()).Dossiers(); got != 2 {
		t.Fatalf("%d dossiers read, want 2", got)
	}

	deposed := open()
	rvLoad(t, deposed)
	if err := rvLoad(t, open()).Save(ctx); err != nil {
		t.Fatal(err)
	}
	if before, err = raw.ListCollectionNames(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if err := deposed.SaveOutcomes(ctx, outcomes.Snapshot{Whole: true, Seq: 1}, func() {}); err == nil {
		t.Fatal("a save of a process that did not see the last save succeeded")
	}
	leftBehind(before)
}

// TestSavedBookOfEitherFormat: a state of format 2 (a whole save, no
// deltas, named by "records") is read as it is; a state of format 3 that a
// version before deltas rewrote (a rebuild's clearSavedFlags keeps the
// fields it knows: "whole" and "deltas" are gone) is passed over, every
// log read, rather than read as the whole save without its deltas.
func TestSavedBookOfEitherFormat(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	tests := []struct {
		name     string
		delta    bool   // a save of changes laid over the whole one
		rewrite  bson.D // what is done to the state
		wantRead bool   // the saved book is read, not passed over
	}{
		{"format 3", true, nil, true},
		{"format 2", false, bson.D{{Key: "$set", Value: bson.D{{Key: "format", Value: 2}}}, {Key: "$rename", Value: bson.D{{Key: "whole", Value: "records"}}}}, true},
		{"format 3 rewritten by an older version", true, bson.D{{Key: "$unset", Value: bson.D{{Key: "whole", Value: ""}, {Key: "deltas", Value: ""}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, raw := shared(t)
			ctx := t.Context()
			book := rvLoad(t, open())
			rvPut(t, book, a)
			if tt.delta { // else the one process's save is whole
				if err := book.Save(ctx); err != nil {
					t.Fatal(err)
				}
				book = rvLoad(t, open())
			}
			rvPut(t, book, b)
			changed := rvReport(a)
			changed.Complaints = 2
			if _, err := book.Report(ctx, []hailong.Outcome{changed}, func(string) bool { return true }); err != nil {
				t.Fatal(err)
			}
			want := rvMarch(book)
			if err := book.Save(ctx); err != nil {
				t.Fatal(err)
			}
			if _, deltas, err := open().SavedDeltas(ctx); err != nil || (len(deltas) > 0) != tt.delta {
				t.Fatalf("saves of changes %v (%v), want some: %v", deltas, err, tt.delta)
			}
			if tt.rewrite != nil {
				if _, err := raw.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "outcomes_saved"}}, tt.rewrite); err != nil {
					t.Fatal(err)
				}
			}
			found, err := open().ReadOutcomes(ctx, func(outcomes.Record) {}, func(outcomes.Record) {})
			if err != nil {
				t.Fatal(err)
			}
			if found.Read != tt.wantRead {
				t.Fatalf("saved book read: %v, want %v (%+v)", found.Read, tt.wantRead, found)
			}
			again := rvLoad(t, open())
			if got := rvMarch(again); again.Dossiers() != 2 || got != want {
				t.Fatalf("read back: %d dossiers, %+v; want 2, %+v", again.Dossiers(), got, want)
			}
		})
	}
}
