package mongodb_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestOutcomeBookSaved checks the saved outcome book on the embedded
// database: what a start reads after a clean stop, after older versions,
// after a fault in the saved book and after a rebuild of the flags.
func TestOutcomeBookSaved(t *testing.T) {
	returned := hailong.DateFromYMD(2026, 3, 10) // early: index 1 scores 2
	report := func(code, unit string) hailong.Outcome {
		return hailong.Outcome{Dossier: code, Unit: unit, Received: hailong.DateFromYMD(2026, 3, 2),
			Due: hailong.DateFromYMD(2026, 3, 12), Returned: &returned}
	}
	const (
		a, b = "H22.39-260302-0001", "H22.39-260302-0002"
		unit = "TT-09190"
	)
	type world struct {
		t    *testing.T
		db   *mongodb.DB
		book *outcomes.Book
		dir  string
		stop func()
	}
	restart := func(w *world, save bool) {
		w.t.Helper()
		if save {
			if err := w.book.Save(w.t.Context()); err != nil {
				w.t.Fatal(err)
			}
		}
		w.stop()
		w.db, w.stop = ferrettest.OpenDir(w.t, w.dir)
		var err error
		if w.book, err = outcomes.Load(w.t.Context(), w.db); err != nil {
			// As the aggregator does: a month of the saved book found
			// lost passes it over, and the read is tried again.
			if w.book, err = outcomes.Load(w.t.Context(), w.db); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	put := func(w *world, os ...hailong.Outcome) {
		w.t.Helper()
		if _, err := w.book.Report(w.t.Context(), os, func(string) bool { return true }); err != nil {
			w.t.Fatal(err)
		}
	}
	flag := func(w *world, code string) {
		w.t.Helper()
		if err := w.db.AddDossierFlags(w.t.Context(), []string{code}); err != nil {
			w.t.Fatal(err)
		}
		w.book.MarkUnhappy([]string{code})
	}
	tests := []struct {
		name string
		// run does its part and returns the tally wanted of unit in March.
		run     func(w *world) rollup.Outcomes
		atUnits map[string]int64 // dossiers wanted at other units
	}{
		{"a clean stop's book is read, not the logs it holds", func(w *world) rollup.Outcomes {
			put(w, report(a, unit))
			restart(w, true)
			_, _, logs, err := w.db.SavedOutcomes(w.t.Context())
			if err != nil || len(logs) == 0 {
				w.t.Fatalf("saved logs %v, %v", logs, err)
			}
			// A record a full read of the logs would take as a's latest.
			for _, l := range logs {
				if err := w.db.InsertRaw(w.t.Context(), l, bson.D{{Key: "_id", Value: a + "#9000000000000000000"},
					{Key: "dossier", Value: a}, {Key: "seq", Value: int64(9e18)}, {Key: "local", Value: a}, {Key: "unit", Value: "TT-99999"},
					{Key: "received", Value: hailong.DateFromYMD(2026, 3, 2)}, {Key: "due", Value: hailong.DateFromYMD(2026, 3, 12)}, {Key: "returned", Value: returned}}); err != nil {
					w.t.Fatal(err)
				}
			}
			restart(w, false)
			return rollup.Outcomes{Dossiers: 1, Index1Sum: 2}
		}, map[string]int64{"TT-99999": 0}},
		{"what came after the book is read too, after a crash", func(w *world) rollup.Outcomes {
			put(w, report(a, unit))
			restart(w, true)
			put(w, report(b, unit))
			flag(w, b)
			restart(w, false)
			restart(w, true)
			return rollup.Outcomes{Dossiers: 2, Bad: 1, Index1Sum: 4}
		}, nil},
		{"the collections of older versions are read, then saved", func(w *world) rollup.Outcomes {
			ctx := w.t.Context()
			if err := w.db.InsertRaw(ctx, "outcomes", bson.D{{Key: "_id", Value: a + "#1"}, {Key: "dossier", Value: a}, {Key: "seq", Value: int64(1)},
				{Key: "unit", Value: unit}, {Key: "received", Value: hailong.DateFromYMD(2026, 3, 2)}, {Key: "due", Value: hailong.DateFromYMD(2026, 3, 12)}, {Key: "returned", Value: returned},
				{Key: "complaints", Value: 0}, {Key: "digest", Value: []byte{1}}, {Key: "updated", Value: time.Now()}}); err != nil {
				w.t.Fatal(err)
			}
			if err := w.db.InsertRaw(ctx, "dossier_flags", bson.D{{Key: "_id", Value: a}}); err != nil {
				w.t.Fatal(err)
			}
			restart(w, false)
			put(w, report(b, unit))
			restart(w, true)
			restart(w, true)
			return rollup.Outcomes{Dossiers: 2, Bad: 1, Index1Sum: 4}
		}, nil},
		{"a saved book that cannot be read, passed over once found: every log is read (no sums)", func(w *world) rollup.Outcomes {
			put(w, report(a, unit), report(b, unit))
			flag(w, a)
			restart(w, true)
			recs, flags, _, err := w.db.SavedOutcomes(w.t.Context())
			if err != nil || recs == "" || flags == "" {
				w.t.Fatalf("saved %q %q, %v", recs, flags, err)
			}
			for _, c := range []string{recs, flags} {
				if err := w.db.ReplaceRaw(w.t.Context(), c, bson.D{{Key: "_id", Value: 0}, {Key: "run", Value: []byte("not gob")}}); err != nil {
					w.t.Fatal(err)
				}
			}
			restart(w, false)
			return rollup.Outcomes{Dossiers: 2, Bad: 1, Index1Sum: 4}
		}, nil},
		{"a report not saved since, after a crash (no sums)", func(w *world) rollup.Outcomes {
			put(w, report(a, unit))
			restart(w, true)
			put(w, report(b, unit))
			restart(w, false)
			return rollup.Outcomes{Dossiers: 2, Index1Sum: 4}
		}, nil},
		{"a flag not saved since, after a crash (no sums)", func(w *world) rollup.Outcomes {
			put(w, report(a, unit))
			restart(w, true)
			flag(w, a)
			restart(w, false)
			return rollup.Outcomes{Dossiers: 1, Bad: 1, Index1Sum: 2}
		}, nil},
		{"a flag stored and not told to the book is saved, its sums not (no sums)", func(w *world) rollup.Outcomes {
			put(w, report(a, unit))
			if err := w.db.AddDossierFlags(w.t.Context(), []string{a}); err != nil {
				w.t.Fatal(err)
			}
			restart(w, true)
			return rollup.Outcomes{Dossiers: 1, Bad: 1, Index1Sum: 2}
		}, nil},
		{"a rebuild's flags replace the saved ones (no sums)", func(w *world) rollup.Outcomes {
			put(w, report(a, unit), report(b, unit))
			flag(w, a)
			restart(w, true)
			if err := w.db.ReplaceDossierFlags(w.t.Context(), []string{b}); err != nil {
				w.t.Fatal(err)
			}
			restart(w, false)
			return rollup.Outcomes{Dossiers: 2, Bad: 1, Index1Sum: 4}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &world{t: t, dir: t.TempDir()}
			w.db, w.stop = ferrettest.OpenDir(t, w.dir)
			var err error
			if w.book, err = outcomes.Load(t.Context(), w.db); err != nil {
				t.Fatal(err)
			}
			want := tt.run(w)
			from, to := hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31)
			if got := w.book.Query([]string{unit}, from, to, rollup.Filter{}); got != want {
				t.Errorf("%s in March: %+v, want %+v", unit, got, want)
			}
			for u, n := range tt.atUnits {
				if got := w.book.Query([]string{u}, from, to, rollup.Filter{}); got.Dossiers != n {
					t.Errorf("%s in March: %d dossiers, want %d", u, got.Dossiers, n)
				}
			}
			// The months of its rollup saved with the book (or the monthly
			// sums an earlier version saved) answer as it does while it is
			// read, when the store still holds them as the book's as it
			// stands ("no sums": it does not). A rebuild's flags leave no
			// saved month standing.
			sums, err := w.db.ReadOutcomeSums(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			months, err := w.db.ReadOutcomeMonths(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if current := sums != nil || months.Exact; current == strings.Contains(tt.name, "(no sums)") {
				t.Fatalf("saved months %+v or sums %v read as the book's as it stands: %v", months, sums != nil, current)
			}
			if strings.Contains(tt.name, "rebuild") && len(months.Months) > 0 {
				t.Fatalf("months %v saved with the flags a rebuild replaced stand", months.Months)
			}
			if sums != nil || months.Exact {
				b := outcomes.New(w.db)
				if err := b.Prepare(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got := b.Query([]string{unit}, from, to, rollup.Filter{}); got != want {
					t.Errorf("%s in March from the saved sums: %+v, want %+v", unit, got, want)
				}
			}
		})
	}
}

// TestAMonthGoneIsNeverTakenForAnEmptyOne: a saved month of the book's
// rollup whose collection is gone under a running process (FerretDB reads a
// dropped collection as empty) does not load as a month with no dossier: a
// save that must load it to add a late report fails, saving nothing, and
// the next start, which finds the state naming a collection that is not
// there, counts every dossier again.
func TestAMonthGoneIsNeverTakenForAnEmptyOne(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	book, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	report := func(b *outcomes.Book, seq int) {
		t.Helper()
		returned := hailong.DateFromYMD(2026, 3, 10)
		o := hailong.Outcome{Dossier: fmt.Sprintf("H22.39-260302-%04d", seq), Unit: "TT-09190", Received: hailong.DateFromYMD(2026, 3, 2),
			Due: hailong.DateFromYMD(2026, 3, 12), Returned: &returned}
		if _, err := b.Report(ctx, []hailong.Outcome{o}, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	report(book, 1)
	report(book, 2)
	if saved, err := book.Compact(ctx); err != nil || !saved {
		t.Fatalf("the whole save: %v %v", saved, err)
	}
	closeDB()
	db, closeDB = ferrettest.OpenDir(t, dir)
	defer func() { closeDB() }()
	if book, err = outcomes.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	march := rollup.MonthOf(hailong.DateFromYMD(2026, 3, 1))
	if err := db.DropOutcomeMonth(ctx, march); err != nil {
		t.Fatal(err)
	}
	report(book, 3) // into the cold month, which the save must load
	if err := book.Save(ctx); err == nil {
		t.Fatal("saved a month read back empty as the month")
	}
	closeDB()
	db, closeDB = ferrettest.OpenDir(t, dir)
	if book, err = outcomes.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	got := book.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
	if got.Dossiers != 3 {
		t.Fatalf("after the start: %+v, want the 3 dossiers", got)
	}
}
