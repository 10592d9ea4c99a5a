package outcomes_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"testing/synctest"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestBookReadLater: a book made by New, read in the background once the
// aggregator serves, makes whatever reads it or reports to it wait until
// Open, never answering from a part; a report whose context ends first is
// refused, changing nothing; dossiers flagged not satisfied before Open are
// counted once it opens; a save before Open saves nothing and leaves the
// stored book as it was.
func TestBookReadLater(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	first, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Report(ctx, []hailong.Outcome{outcome(local, national), outcome(other, "")}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if err := first.Save(ctx); err != nil {
		t.Fatal(err)
	}
	units := []string{"TT-09190"}
	from, to := outcome(local, "").Received, *outcome(local, "").Returned
	want := rollup.Outcomes{Dossiers: 2, Bad: 1}

	synctest.Test(t, func(t *testing.T) {
		b := outcomes.New(store)
		b.MarkUnhappy([]string{national}) // by the ingest path, before the book is read
		var got rollup.Outcomes
		queried := make(chan struct{})
		go func() {
			got = b.Query(units, from, to, rollup.Filter{})
			close(queried)
		}()
		short, cancel := context.WithCancel(ctx)
		reported := make(chan error)
		go func() {
			_, err := b.Report(short, []hailong.Outcome{outcome("H22.39-260305-0103", "")}, anyUnit)
			reported <- err
		}()
		synctest.Wait()
		select {
		case <-queried:
			t.Fatal("a query answered before the book was open")
		default:
		}
		cancel()
		if err := <-reported; !errors.Is(err, context.Canceled) {
			t.Fatalf("a report whose request ended while the book was read: %v, want it refused", err)
		}
		if err := b.Save(ctx); err != nil {
			t.Fatal(err)
		}
		readAndOpen(t, b)
		<-queried
		if got.Dossiers != want.Dossiers || got.Bad != want.Bad {
			t.Fatalf("the query waiting for the book: %+v, want %d dossiers, %d of them bad (the one flagged while it was read)", got, want.Dossiers, want.Bad)
		}
		if n := b.Dossiers(); n != 2 {
			t.Fatalf("%d dossiers, want 2: the refused report added one", n)
		}
	})
	again, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Dossiers(); n != 2 {
		t.Fatalf("the book read again holds %d dossiers, want the 2 saved", n)
	}
}

// TestBookAnswersWholeMonthsFromItsSavedSums: a book read in the background
// answers a query of whole months with no fine filter at once, from the
// monthly sums saved with it, as the book itself would; a month cut by the
// period, a procedure, or a dossier flagged since the start make the query
// wait for Open; sums the store no longer holds as the book's (a report
// stored after the save) are not used.
func TestBookAnswersWholeMonthsFromItsSavedSums(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	live, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	april := outcome("H22.39-260405-0201", "")
	returned := hailong.DateFromYMD(2026, 4, 20)
	april.Returned, april.Received, april.Due = &returned, hailong.DateFromYMD(2026, 4, 1), hailong.DateFromYMD(2026, 4, 10) // overdue
	april.Procedure = "1.004122"
	if _, err := live.Report(ctx, []hailong.Outcome{outcome(local, national), outcome(other, ""), april}, anyUnit); err != nil {
		t.Fatal(err)
	}
	live.MarkUnhappy([]string{other})
	if err := live.Save(ctx); err != nil {
		t.Fatal(err)
	}
	units := []string{"TT-09190"}
	march, aprilEnd := hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 4, 30)
	type query struct {
		name     string
		from, to hailong.Date
		f        rollup.Filter
		atOnce   bool
	}
	queries := []query{
		{"two whole months", march, aprilEnd, rollup.Filter{}, true},
		{"a whole month, a channel (outcomes have none)", march, hailong.DateFromYMD(2026, 3, 31), rollup.Filter{Channel: hailong.ChannelKiosk}, true},
		{"a month cut by the period", march + 1, aprilEnd, rollup.Filter{}, false},
		{"a procedure", march, aprilEnd, rollup.Filter{Procedure: "1.004122"}, false},
	}
	months, sums := store.saved.months, live.Rollup().Summaries()
	for _, saved := range []struct {
		name   string
		months map[rollup.Month]outcomes.MonthDays
		sums   []rollup.Summary
	}{{"sums", nil, sums}, {"months", months, nil}} {
		// A book saved by an earlier version has sums and no months; once
		// its months are saved, they answer every query at once.
		store.saved.months, store.saved.sums = saved.months, saved.sums
		for _, q := range queries {
			t.Run(saved.name+"/"+q.name, func(t *testing.T) {
				atOnce := q.atOnce || saved.months != nil
				synctest.Test(t, func(t *testing.T) {
					b := prepared(t, store)
					var got rollup.Outcomes
					var gotMonths []rollup.Outcomes
					answered := make(chan struct{})
					go func() {
						got = b.Query(units, q.from, q.to, q.f)
						_, _, gotMonths = b.Breakdown(units, []int{0}, q.from, q.to, q.f)
						close(answered)
					}()
					synctest.Wait()
					select {
					case <-answered:
						if !atOnce {
							t.Fatal("answered before the book was open")
						}
					default:
						if atOnce {
							t.Fatal("waited for the book, with its sums or months saved")
						}
					}
					readAndOpen(t, b)
					<-answered
					_, _, wantMonths := live.Breakdown(units, []int{0}, q.from, q.to, q.f)
					if want := live.Query(units, q.from, q.to, q.f); got != want || !reflect.DeepEqual(gotMonths, wantMonths) {
						t.Fatalf("answered %+v by month %+v, want the live book's %+v by month %+v", got, gotMonths, want, wantMonths)
					}
				})
			})
		}
	}
	t.Run("a dossier flagged since the start", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := prepared(t, store)
			b.MarkUnhappy([]string{local})
			answered := make(chan rollup.Outcomes)
			go func() { answered <- b.Query(units, march, aprilEnd, rollup.Filter{}) }()
			synctest.Wait()
			readAndOpen(t, b)
			if got := <-answered; got.Bad != 3 {
				t.Fatalf("answered %+v: want the three dossiers bad, the one flagged since the start with them", got)
			}
		})
	})
	t.Run("a report stored after the save", func(t *testing.T) {
		if _, err := live.Report(ctx, []hailong.Outcome{outcome("H22.39-260305-0199", "")}, anyUnit); err != nil {
			t.Fatal(err)
		}
		synctest.Test(t, func(t *testing.T) {
			b := prepared(t, store)
			answered := make(chan rollup.Outcomes)
			go func() { answered <- b.Query(units, march, aprilEnd, rollup.Filter{}) }()
			synctest.Wait()
			select {
			case <-answered:
				t.Fatal("answered from sums the store no longer holds as the book's")
			default:
			}
			readAndOpen(t, b)
			if got := <-answered; got.Dossiers != 4 {
				t.Fatalf("answered %+v, want the 4 dossiers", got)
			}
		})
	})
}

// prepared returns a book over store, made and prepared as a start does,
// not read yet.
func prepared(t *testing.T, store outcomes.Store) *outcomes.Book {
	t.Helper()
	b := outcomes.New(store)
	if err := b.Prepare(t.Context()); err != nil {
		t.Fatal(err)
	}
	return b
}

// readAndOpen reads and opens b, as the aggregator does once serving.
func readAndOpen(t *testing.T, b *outcomes.Book) {
	t.Helper()
	if err := b.Read(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
}
