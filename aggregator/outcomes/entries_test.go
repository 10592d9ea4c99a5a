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

// monthDossier returns dossier i of month m of 2026, returned in it: its
// local code carries m, its national code (if national) the month after,
// so that the book finds it by a code of another month than its entry's.
func monthDossier(m, i int, national bool) hailong.Outcome {
	ret := hailong.DateFromYMD(2026, time.Month(m), 10+i)
	o := hailong.Outcome{Dossier: fmt.Sprintf("H22.39-26%02d05-%04d", m, i), Unit: savedUnits[i%len(savedUnits)], Procedure: "1.000001",
		Received: hailong.DateFromYMD(2026, time.Month(m), 5), Due: hailong.DateFromYMD(2026, time.Month(m), 12), Returned: &ret}
	if national {
		o.NationalDossier = fmt.Sprintf("G09.20-2026%02d05-%07d", m+1, i)
	}
	return o
}

// TestAStartReadsNoMonthOfEntries: a book saved by month starts with none
// of its entries in memory, answers queries without reading them, and
// reads a month when a flag, a report or a lookup names one of its codes,
// by its own code or by a code of another month. A flag of a cold month
// counts at once, as does one stored before a crash; months saved and
// unchanged are dropped past the budget; and the book answers as one that
// never stopped, before and after every month is read.
func TestAStartReadsNoMonthOfEntries(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) (store func() restartable, restart func())
	}{
		{"in memory", inMemory},
		{"on the embedded database", onTheEmbeddedDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store, restart := tt.open(t)
			live, b := liveAndStored(t, store())
			var err error
			both := func(reports ...hailong.Outcome) { t.Helper(); reportTo(t, reports, live, b) }
			flag := func(code string) { t.Helper(); flagTo(t, store(), code, b, live) }
			start := func(when string) {
				t.Helper()
				restart()
				if b, err = outcomes.Load(ctx, store()); err != nil {
					t.Fatal(err)
				}
				b.SetEntryBudget(3)
			}
			resident := func(when string, want int) {
				t.Helper()
				if got := b.Resident(); got != want {
					t.Fatalf("%s: %d dossiers in memory, want %d", when, got, want)
				}
			}
			for m := 2; m <= 4; m++ {
				both(monthDossier(m, 0, true), monthDossier(m, 1, false), monthDossier(m, 2, false))
			}
			if saved, err := b.Compact(ctx); err != nil || !saved {
				t.Fatalf("the whole save: %v %v", saved, err)
			}
			start("after a clean stop")
			resident("after a clean start", 0)
			sameMonths(t, "after a clean start", b, live)
			resident("after the queries", 0)

			// February's dossier 0 by its national code, which carries
			// March: February is read, and the dossier counted bad at once.
			flag(monthDossier(2, 0, true).NationalDossier)
			resident("after a flag of February", 3)
			sameMonths(t, "after a flag of February", b, live)

			// March, by a report: read, and kept with February (both
			// changed) past the budget until saved.
			late := monthDossier(3, 1, false)
			*late.Returned++
			both(late)
			resident("after a report of March", 6)
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			resident("after the save", 3)
			sameMonths(t, "after the save", b, live)

			// A flag of a month in memory and unchanged since its save: the
			// month is saved again, with its dossier counted bad, or a
			// later read of it would count the flag twice.
			if _, ok := b.Codes(monthDossier(3, 2, false).Dossier); !ok {
				t.Fatal("March's dossier 2 is not found")
			}
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			flag(monthDossier(3, 2, false).Dossier)
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}

			// April flagged, stored, and lost with a crash: the start reads
			// April to count it.
			if err := store().AddDossierFlags(ctx, []string{monthDossier(4, 2, false).Dossier}); err != nil {
				t.Fatal(err)
			}
			live.MarkUnhappy([]string{monthDossier(4, 2, false).Dossier})
			start("after a crash")
			resident("after a crash", 3)
			sameMonths(t, "after a crash", b, live)
			sameBook(t, "after a crash", b, live)

			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			start("after a clean stop")
			sameMonths(t, "after the last clean stop", b, live)
			for m := 2; m <= 4; m++ {
				for i := range 3 {
					o := monthDossier(m, i, i == 0)
					for _, c := range o.Codes().Keys() {
						if got, ok := b.Codes(c); !ok || got != o.Codes() {
							t.Fatalf("Codes(%s) = %+v %v, want %+v", c, got, ok, o.Codes())
						}
					}
				}
			}
			sameMonths(t, "every month read", b, live)
		})
	}
}

// unreadable is a memStore whose months of entries cannot be read while
// fail is set, as a database gone away.
type unreadable struct {
	*memStore
	fail bool
}

func (u *unreadable) LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]outcomes.SavedEntry, error) {
	if u.fail {
		return nil, errors.New("connection refused")
	}
	return u.memStore.LoadOutcomeEntries(ctx, m)
}

// TestAMonthThatCannotBeReadLosesNothing: a report that needs a month of
// entries the store cannot give is refused whole, storing nothing, and is
// taken when sent again; a flag that cannot read its month is held, and
// counted when the month is read.
func TestAMonthThatCannotBeReadLosesNothing(t *testing.T) {
	ctx := context.Background()
	store := &unreadable{memStore: &memStore{}}
	live, err := outcomes.Load(ctx, &memStore{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	for _, book := range []*outcomes.Book{live, b} {
		if _, err := book.Report(ctx, []hailong.Outcome{monthDossier(2, 0, false), monthDossier(3, 1, false)}, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err = outcomes.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	store.fail = true
	late := monthDossier(2, 0, false)
	*late.Returned++
	stored := len(store.recs)
	if _, err := b.Report(ctx, []hailong.Outcome{late}, anyUnit); err == nil || len(store.recs) != stored {
		t.Fatalf("a report whose month cannot be read: %v, %d records stored; want it refused, nothing stored", err, len(store.recs)-stored)
	}
	// The ingest path's flag: stored, then told.
	code := monthDossier(3, 1, false).Dossier
	store.AddDossierFlags(ctx, []string{code})
	b.MarkUnhappy([]string{code})
	live.MarkUnhappy([]string{code})
	store.fail = false
	for _, book := range []*outcomes.Book{live, b} {
		if _, err := book.Report(ctx, []hailong.Outcome{late}, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	sameMonths(t, "once the months can be read", b, live)
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err = outcomes.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	sameMonths(t, "after a clean stop", b, live)
}
