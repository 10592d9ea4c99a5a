package outcomes_test

import (
	"testing"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// returnedOn is outcome(local, national) returned on day d of March 2026,
// due on the 12th: after it is overdue.
func returnedOn(local, national string, d int) hailong.Outcome {
	o := outcome(local, national)
	ret := hailong.DateFromYMD(2026, 3, d)
	o.Returned = &ret
	return o
}

// TestBookMergesADossierReportedByEachCodeAlone reports one dossier by one
// code alone, then by the other alone (two dossiers, as far as anyone can
// tell), then by both: the third report merges them into one dossier, with
// the tallies of the latest report only, in the book and after a restart
// on the real database. A dissatisfied rating given under the code whose
// entry ends still makes the merged dossier bad. Sending any report again
// changes nothing.
func TestBookMergesADossierReportedByEachCodeAlone(t *testing.T) {
	late, onTime := 14, 12
	tests := []struct {
		name    string
		batches [][]hailong.Outcome
		flag    string // a dissatisfied rating's dossier code
		want    []outcomes.Status
	}{
		{"local, national, both", [][]hailong.Outcome{{returnedOn(local, "", late)}, {returnedOn("", national, onTime)}, {returnedOn(local, national, onTime)}}, "",
			[]outcomes.Status{outcomes.Created, outcomes.Created, outcomes.Updated}},
		{"national, local, both", [][]hailong.Outcome{{returnedOn("", national, late)}, {returnedOn(local, "", onTime)}, {returnedOn(local, national, onTime)}}, "",
			[]outcomes.Status{outcomes.Created, outcomes.Created, outcomes.Updated}},
		{"rated under the national code, which ends", [][]hailong.Outcome{{returnedOn(local, "", late)}, {returnedOn("", national, onTime)}, {returnedOn(local, national, onTime)}}, national,
			[]outcomes.Status{outcomes.Created, outcomes.Created, outcomes.Updated}},
		{"rated under the local code", [][]hailong.Outcome{{returnedOn("", national, late)}, {returnedOn(local, "", onTime)}, {returnedOn(local, national, onTime)}}, local,
			[]outcomes.Status{outcomes.Created, outcomes.Created, outcomes.Updated}},
		{"all three in one batch", [][]hailong.Outcome{{returnedOn(local, "", late), returnedOn("", national, late), returnedOn(local, national, onTime)}}, "",
			[]outcomes.Status{outcomes.Created, outcomes.Created, outcomes.Updated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			db, closeDB := ferrettest.OpenDir(t, dir)
			b, err := outcomes.Load(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			var got []outcomes.Status
			for i, batch := range tt.batches {
				if i == len(tt.batches)-1 {
					before := b.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
					if len(tt.batches) > 1 && (b.Dossiers() != 2 || before.Dossiers != 2 || before.Overdue != 1) {
						t.Fatalf("before the joining report: %d dossiers, tally %+v; want two, one overdue", b.Dossiers(), before)
					}
				}
				res, err := b.Report(ctx, batch, anyUnit)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					got = append(got, r.Status)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("statuses %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("statuses %v, want %v", got, tt.want)
					break
				}
			}
			wantBad := int64(0)
			if tt.flag != "" {
				b.MarkUnhappy([]string{tt.flag})
				if err := db.AddDossierFlags(ctx, []string{tt.flag}); err != nil {
					t.Fatal(err)
				}
				wantBad = 1
			}
			check := func(b *outcomes.Book, when string) {
				t.Helper()
				got := b.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
				want := rollup.Outcomes{Dossiers: 1, Bad: wantBad, Index1Sum: 1}
				if b.Dossiers() != 1 || got != want {
					t.Errorf("%s: %d dossiers in the book, tally %+v; want one, on time (index 1 of 1), bad %d", when, b.Dossiers(), got, wantBad)
				}
				for _, c := range []string{local, national} {
					if codes, ok := b.Codes(c); !ok || codes != (hailong.DossierCodes{Local: local, National: national}) {
						t.Errorf("%s: Codes(%s) = %+v, %v", when, c, codes, ok)
					}
				}
			}
			check(b, "as reported")
			// Every report again, in order: the dossier stays one, with the
			// joining report's tally; the joining report alone changes
			// nothing.
			for _, batch := range tt.batches {
				if _, err := b.Report(ctx, batch, anyUnit); err != nil {
					t.Fatal(err)
				}
			}
			res, err := b.Report(ctx, tt.batches[len(tt.batches)-1][len(tt.batches[len(tt.batches)-1])-1:], anyUnit)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != outcomes.Unchanged {
				t.Errorf("the joining report again: %+v, want unchanged", res[0])
			}
			check(b, "sent again")

			closeDB()
			db, _ = ferrettest.OpenDir(t, dir)
			again, err := outcomes.Load(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			check(again, "after a restart")
		})
	}
}

// TestBookReadsAMergeCutShort: a merge whose tombstone was never stored
// (the write cut between the joining report and it) still reads as one
// dossier, the later report winning.
func TestBookReadsAMergeCutShort(t *testing.T) {
	ctx := t.Context()
	store := &memStore{}
	b, _ := outcomes.Load(ctx, store)
	for _, o := range []hailong.Outcome{outcome(local, ""), outcome("", national), outcome(local, national)} {
		if _, err := b.Report(ctx, []hailong.Outcome{o}, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	last := store.recs[len(store.recs)-1]
	if last.MergedInto == "" {
		t.Fatalf("last record %+v, want the tombstone", last)
	}
	store.recs = store.recs[:len(store.recs)-1]
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	got := again.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
	if again.Dossiers() != 1 || got.Dossiers != 1 {
		t.Errorf("%d dossiers, tally %+v; want one", again.Dossiers(), got)
	}
}
