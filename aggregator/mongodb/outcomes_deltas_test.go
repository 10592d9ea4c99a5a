package mongodb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/outcomes"
)

// TestStopsSaveTheMonthsChanged: the first save writes the book by month
// (the month its dossiers' keys carry); each clean stop after it writes
// again only the months of the dossiers changed since (a changed report, a
// new one, a merge), each whole, and leaves the others as they were; a
// start reads the book they make; a start that finds a month of it gone
// passes the saved book over and reads every log, still the same book.
func TestStopsSaveTheMonthsChanged(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	const c, national = "H22.39-260402-0003", "G09.20-20260402-0000001"
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
		wantRec int            // dossiers in the book read back
		written map[string]int // months written again, with their dossiers
		merged  bool           // c's codes name one dossier
	}{
		{"nothing reported", func(*outcomes.Book) {}, 3, map[string]int{}, false},
		{"a report changed and one new", func(b *outcomes.Book) {
			changed := rvReport(a)
			changed.Complaints = 1
			if _, err := b.Report(ctx, []hailong.Outcome{changed, rvReport("H22.39-260302-0004")}, allUnits); err != nil {
				t.Fatal(err)
			}
		}, 4, map[string]int{"202603": 3}, false},
		{"c by its local code, then by both: merged", func(b *outcomes.Book) {
			if _, err := b.Report(ctx, []hailong.Outcome{rvReport(c)}, allUnits); err != nil {
				t.Fatal(err)
			}
			both := rvReport(c)
			both.NationalDossier = national
			if _, err := b.Report(ctx, []hailong.Outcome{both}, allUnits); err != nil {
				t.Fatal(err)
			}
		}, 4, map[string]int{"202604": 1}, true},
	}
	live := 0
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			db := open()
			before, _, err := db.SavedEntryMonths(ctx)
			if err != nil {
				t.Fatal(err)
			}
			book := rvLoad(t, db)
			step.report(book)
			live = book.Dossiers()
			want := rvMarch(book)
			if err := book.Save(ctx); err != nil {
				t.Fatal(err)
			}
			after, counts, err := db.SavedEntryMonths(ctx)
			if err != nil {
				t.Fatal(err)
			}
			written := map[string]int{}
			for m, name := range after {
				if before[m] != name {
					written[m] = counts[m]
				}
			}
			if len(after) != 2 || fmt.Sprint(written) != fmt.Sprint(step.written) {
				t.Fatalf("saved months %v, those written again %v; want 2 months, %v written again", after, written, step.written)
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
	// A month lost: every log is read instead.
	names, _, err := open().SavedEntryMonths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Collection(names["202604"]).Drop(ctx); err != nil {
		t.Fatal(err)
	}
	again := rvLoad(t, open())
	if got := again.Dossiers(); got != live {
		t.Fatalf("a month lost: %d dossiers read, want %d (from the logs)", got, live)
	}
	if codes, _ := again.Codes(national); codes.Local != c {
		t.Fatalf("a month lost: the national code names %+v, want %s (from the logs)", codes, c)
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

// TestSavedBookOfEitherFormat: a book saved whole by an earlier version
// (format 3, with a save of changes laid over it; or format 2, a whole
// save and no deltas, named by "records") is read as it is, saved by month
// at its next whole save, and read so after. A state of format 3 that a
// version before deltas rewrote (a rebuild's clearSavedFlags keeps the
// fields it knows: "whole" and "deltas" are gone) is passed over, every
// log read, rather than read as the whole save without its deltas; so is
// one of the format by month rewritten by a version before it ("entries"
// and "aliases" gone).
func TestSavedBookOfEitherFormat(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	renameTo2 := bson.D{{Key: "$set", Value: bson.D{{Key: "format", Value: 2}}}, {Key: "$rename", Value: bson.D{{Key: "whole", Value: "records"}}}}
	tests := []struct {
		name string
		// before is done to the state of the whole save, after to the
		// state once changes are laid over it (or, byMonth, once saved
		// by month).
		before, after bson.D
		byMonth       bool
		wantRead      bool // the saved book is read, not passed over
	}{
		{"format 3", nil, nil, false, true},
		{"format 2", renameTo2, nil, false, true},
		{"format 3 rewritten by an older version", nil, bson.D{{Key: "$unset", Value: bson.D{{Key: "whole", Value: ""}, {Key: "deltas", Value: ""}}}}, false, false},
		{"by month rewritten by an older version", nil, bson.D{{Key: "$unset", Value: bson.D{{Key: "entries", Value: ""}, {Key: "aliases", Value: ""}}}}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, raw := shared(t)
			ctx := t.Context()
			rewrite := func(update bson.D) {
				t.Helper()
				if update == nil {
					return
				}
				if _, err := raw.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "outcomes_saved"}}, update); err != nil {
					t.Fatal(err)
				}
			}
			// The whole save of an earlier version: records, no months.
			db := open()
			book := rvLoad(t, db)
			rvPut(t, book, a)
			ra := rvReport(a)
			if err := db.SaveOutcomes(ctx, outcomes.Snapshot{Whole: true, Seq: 1,
				Records: []outcomes.Record{{Key: a, Outcome: ra, Digest: ra.Digest(), Seq: 1}}}, func() {}); err != nil {
				t.Fatal(err)
			}
			rewrite(tt.before)
			book = rvLoad(t, open())
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
			if _, deltas, err := open().SavedDeltas(ctx); err != nil || len(deltas) == 0 {
				t.Fatalf("saves of changes %v (%v), want one over the whole save", deltas, err)
			}
			if tt.byMonth {
				if saved, err := rvLoad(t, open()).Compact(ctx); err != nil || !saved {
					t.Fatalf("a book saved whole is saved by month at its next whole save: %v %v", saved, err)
				}
			}
			rewrite(tt.after)
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
			// Saved whole again: by month, and read so.
			if saved, err := again.Compact(ctx); err != nil || !saved {
				t.Fatalf("the whole save after: %v %v", saved, err)
			}
			if months, _, err := open().SavedEntryMonths(ctx); err != nil || len(months) != 1 {
				t.Fatalf("months of entries %v (%v), want March", months, err)
			}
			found, err = open().ReadOutcomes(ctx, func(outcomes.Record) {}, func(outcomes.Record) {})
			if err != nil || found.Months == nil {
				t.Fatalf("read after the whole save: %+v, %v; want a book by month", found, err)
			}
			again = rvLoad(t, open())
			if got := rvMarch(again); again.Dossiers() != 2 || got != want {
				t.Fatalf("read back by month: %d dossiers, %+v; want 2, %+v", again.Dossiers(), got, want)
			}
		})
	}
}
