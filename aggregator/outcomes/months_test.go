package outcomes_test

import (
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestSavedMonthsCountWhatCameAfter: a book whose rollup was saved by month
// starts with those months cold, and counts over them only what was stored
// after the save, before a crash: a report that moves a saved dossier to
// another month, one that merges two saved dossiers, a new dossier, a
// dossier flagged not satisfied after it was saved good, and one flagged
// before the save whose book had not been told of it yet. It then answers
// as a book that never stopped, and so again after a clean stop.
func TestSavedMonthsCountWhatCameAfter(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) (store func() restartable, restart func())
	}{
		{"in memory", inMemory},
		{"on the embedded database", onTheEmbeddedDatabase},
	}
	day := func(m, d int) *hailong.Date {
		x := hailong.DateFromYMD(2026, time.Month(m), d)
		return &x
	}
	dossier := func(i int, local, national bool, returned *hailong.Date) hailong.Outcome {
		o := hailong.Outcome{Unit: savedUnits[i%len(savedUnits)], Procedure: "1.000001",
			Received: hailong.DateFromYMD(2026, 2, 2), Due: hailong.DateFromYMD(2026, 5, 1), Returned: returned}
		if local {
			o.Dossier = fmt.Sprintf("H22.39-260202-%04d", i)
		}
		if national {
			o.NationalDossier = fmt.Sprintf("G09.20-20260202-%07d", i)
		}
		return o
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store, restart := tt.open(t)
			live, b := liveAndStored(t, store())
			var err error
			both := func(reports ...hailong.Outcome) { t.Helper(); reportTo(t, reports, live, b) }
			flag := func(code string, tell bool) {
				t.Helper()
				if tell {
					flagTo(t, store(), code, b, live)
				} else {
					flagTo(t, store(), code, live)
				}
			}
			both(dossier(0, true, false, day(2, 25)), dossier(1, true, false, day(3, 10)),
				dossier(2, true, false, day(4, 5)), dossier(3, false, true, day(4, 6)), dossier(4, true, true, day(3, 11)),
				dossier(6, true, false, day(2, 27)))
			if saved, err := b.Compact(ctx); err != nil || !saved {
				t.Fatalf("the first whole save: %v %v", saved, err)
			}
			// Flagged before the save, told after it.
			flag(dossier(6, true, false, nil).Dossier, false)
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			b.MarkUnhappy([]string{dossier(6, true, false, nil).Dossier})
			// After the save, lost with the crash but in the store's logs.
			both(dossier(0, true, false, day(4, 20)), // moved from February to April
				dossier(3, true, true, day(4, 6)), // saved by its national code, now by both
				dossier(5, true, false, day(3, 12)))
			both(dossier(7, false, true, day(3, 1)))
			both(dossier(7, true, true, day(3, 1))) // merges two dossiers reported by one code each
			flag(dossier(1, true, false, nil).Dossier, true)
			flag(dossier(4, false, true, nil).NationalDossier, true)
			restart()
			if b, err = outcomes.Load(ctx, store()); err != nil {
				t.Fatal(err)
			}
			b.SetBudget(1)
			res := b.Rollup().Residence()
			if res.Cold == 0 {
				t.Fatalf("%+v: the saved months were counted again at the start, not declared cold", res)
			}
			// A whole month is answered from the month's saved summary, with
			// the tail counted beside it, without reading its days.
			feb := rollup.MonthOf(hailong.DateFromYMD(2026, 2, 1))
			if g, w := b.Query(savedUnits[:1], rollup.FirstDay(feb), rollup.FirstDay(feb+1)-1, rollup.Filter{}),
				live.Query(savedUnits[:1], rollup.FirstDay(feb), rollup.FirstDay(feb+1)-1, rollup.Filter{}); g != w {
				t.Fatalf("February from its summary: %+v, want %+v", g, w)
			}
			if after := b.Rollup().Residence(); after.Loads != res.Loads || after.SummaryReads == res.SummaryReads {
				t.Fatalf("%+v then %+v: a whole month read its days, not its summary", res, after)
			}
			sameBook(t, "after the crash", b, live)
			sameMonths(t, "after the crash", b, live)
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			restart()
			if b, err = outcomes.Load(ctx, store()); err != nil {
				t.Fatal(err)
			}
			sameMonths(t, "after a clean stop", b, live)
		})
	}
}

// sameMonths fails the test unless got answers as want for every unit and
// day from February to April 2026, by procedure and not.
func sameMonths(t *testing.T, when string, got, want *outcomes.Book) {
	t.Helper()
	for _, u := range savedUnits {
		for d := hailong.DateFromYMD(2026, 2, 1); d <= hailong.DateFromYMD(2026, 4, 30); d++ {
			for _, f := range []rollup.Filter{{}, {Procedure: "1.000001"}} {
				if g, w := got.Query([]string{u}, d, d, f), want.Query([]string{u}, d, d, f); g != w {
					t.Fatalf("%s: %s on %s, %+v: %+v, want %+v", when, u, d, f, g, w)
				}
			}
		}
	}
}
