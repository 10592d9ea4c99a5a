package outcomes_test

import (
	"context"
	"errors"
	"testing"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/outcomes"
)

// TestAMonthASaveWritesIsKeptIfTheSaveFails: a month a save takes as
// changed is not yet the store's while the save is written; a report
// taken meanwhile, past the budget, must not drop it, or the save failing,
// the next would write it without its dossiers (found by a hostile review).
func TestAMonthASaveWritesIsKeptIfTheSaveFails(t *testing.T) {
	ctx := t.Context()
	store := &memStore{}
	live, b, both, late := marchReportedLate(t, store, 1)
	store.during = func() {
		store.during = nil
		both(monthDossier(2, 1, false))
	}
	store.fail = errors.New("cut short")
	if err := b.Save(ctx); err == nil {
		t.Fatal("the save did not fail")
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if g, w := b.Dossiers(), live.Dossiers(); g != w {
		t.Errorf("live: %d dossiers, want %d", g, w)
	}
	if _, ok := b.Codes(late.Dossier); !ok {
		t.Errorf("live: Codes(%s) not found", late.Dossier)
	}
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := again.Dossiers(), live.Dossiers(); g != w {
		t.Errorf("restarted: %d dossiers, want %d", g, w)
	}
	sameMonths(t, "restarted", again, live)
}

// TestAMonthASaveWritesIsNotReadBackWhileWritten: the same, the save
// succeeding: a month dropped meanwhile would be read back as the save
// before held it, and a later report would take back what it no longer
// counts.
func TestAMonthASaveWritesIsNotReadBackWhileWritten(t *testing.T) {
	ctx := t.Context()
	store := &memStore{}
	live, b, both, late := marchReportedLate(t, store, 2)
	store.during = func() {
		store.during = nil
		both(monthDossier(2, 1, false))
		b.Codes(late.Dossier) // reads March as the last save holds it
		// March reported again: the book takes back what it holds.
		later := monthDossier(3, 0, false)
		*later.Returned += 5
		both(later)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	sameMonths(t, "live", b, live)
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	sameMonths(t, "restarted", again, live)
}

// duringDB runs during once a save has begun (the book takes reports
// again while the database writes).
type duringDB struct {
	*mongodb.DB
	during func()
}

func (d *duringDB) SaveOutcomes(ctx context.Context, s outcomes.Snapshot, begun func()) error {
	return d.DB.SaveOutcomes(ctx, s, func() {
		begun()
		if f := d.during; f != nil {
			d.during = nil
			f()
		}
	})
}

// TestAMonthASaveWritesIsKeptThroughASaveCutShort: the same on the
// embedded database, the save cut short as Close cuts the background
// Compact short.
func TestAMonthASaveWritesIsKeptThroughASaveCutShort(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	store := &duringDB{DB: db}
	live, b, both, late := marchReportedLate(t, store, 1)
	sctx, cancel := context.WithCancel(ctx)
	store.during = func() {
		both(monthDossier(2, 1, false))
		cancel() // the save is cut short
	}
	if err := b.Save(sctx); err == nil {
		t.Fatal("the save was not cut short")
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	closeDB()
	db, closeDB = ferrettest.OpenDir(t, dir)
	defer closeDB()
	again, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := again.Dossiers(), live.Dossiers(); g != w {
		t.Errorf("restarted: %d dossiers, want %d", g, w)
	}
	if _, ok := again.Codes(late.Dossier); !ok {
		t.Errorf("restarted: %s lost", late.Dossier)
	}
	sameMonths(t, "restarted", again, live)
}

// twoMonthsSaved reports a dossier of February and one of March to a live
// book and to a book over store, saves the latter whole (by month) and
// bounds it to one dossier in memory.
// marchReportedLate is twoMonthsSaved with a March dossier reported
// again, returned days later, to both books; both reports to the two.
func marchReportedLate(t *testing.T, store outcomes.Store, days hailong.Date) (live, b *outcomes.Book, both func(...hailong.Outcome), late hailong.Outcome) {
	t.Helper()
	live, b = twoMonthsSaved(t, store)
	both = func(reports ...hailong.Outcome) { t.Helper(); reportTo(t, reports, live, b) }
	late = monthDossier(3, 0, false)
	*late.Returned += days
	both(late)
	return live, b, both, late
}

func twoMonthsSaved(t *testing.T, store outcomes.Store) (live, b *outcomes.Book) {
	t.Helper()
	live, b = liveAndStored(t, store)
	b.SetEntryBudget(1)
	reportTo(t, []hailong.Outcome{monthDossier(2, 0, false), monthDossier(3, 0, false)}, live, b)
	if _, err := b.Compact(t.Context()); err != nil {
		t.Fatal(err)
	}
	return live, b
}
