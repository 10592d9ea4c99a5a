package outcomes_test

import (
	"context"
	"errors"
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
		if err := b.Read(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Open(ctx); err != nil {
			t.Fatal(err)
		}
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
