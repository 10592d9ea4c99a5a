package outcomes_test

import (
	"context"
	"testing"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestAFlagUntoldThroughTwoSavesIsKept: a flag written to this process's
// log and not yet told to the book is saved by the next save as untold; a
// second save before the book is told holds it again (its log is held by
// the first), so that after a crash the flag counts.
func TestAFlagUntoldThroughTwoSavesIsKept(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	b, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	o := outcome(local, "")
	if _, err := b.Report(ctx, []hailong.Outcome{o}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddDossierFlags(ctx, []string{local}); err != nil { // the ingest path, not yet told
		t.Fatal(err)
	}
	for range 2 {
		if err := b.Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b.MarkUnhappy([]string{local}) // told now
	closeDB()                      // crash
	db, closeDB = ferrettest.OpenDir(t, dir)
	defer closeDB()
	again, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	got := again.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
	if got.Bad != 1 {
		t.Fatalf("after the crash: %+v; the flag written before two saves is lost", got)
	}
}

// unheldFlags is a memStore whose saved flags cannot be read whole (held
// false), as a damaged flags collection, while its months stand exact.
type unheldFlags struct{ *memStore }

func (u unheldFlags) ScanDossierFlags(ctx context.Context, saved, since func(string)) (bool, error) {
	_, err := u.memStore.ScanDossierFlags(ctx, since, since)
	return false, err
}

// TestSavedMonthsAnswerWhileOpenCountsAgain: saved months that answer
// queries before Open (nothing stored since) and that Open cannot use (their
// flags cannot be read whole) are replaced by a rollup counted again while
// queries run: with -race, no query reads the book's rollup as it is
// replaced.
func TestSavedMonthsAnswerWhileOpenCountsAgain(t *testing.T) {
	ctx := t.Context()
	m := &memStore{}
	b, _ := outcomes.Load(ctx, m)
	b.Report(ctx, []hailong.Outcome{outcome(local, "")}, anyUnit)
	if _, err := b.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		b2 := outcomes.New(unheldFlags{m})
		if err := b2.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b2.Read(ctx); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		done, started := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				if i == 1 {
					close(started)
				}
				select {
				case <-stop:
					return
				default:
				}
				d := hailong.DateFromYMD(2026, 3, 11)
				b2.Query([]string{"TT-09190"}, d, d, rollup.Filter{})
			}
		}()
		<-started
		if err := b2.Open(ctx); err != nil {
			t.Fatal(err)
		}
		close(stop)
		<-done
	}
}
