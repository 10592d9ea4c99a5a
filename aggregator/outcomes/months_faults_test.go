package outcomes_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestADeposedOwnersSaveLeavesTheNewOwnersMonths: the old owner A writes
// its saved state within its lease, then pauses past it (here in the
// fence's release, which follows the state's write); B takes over, reads
// the book and saves it, writing new month collections; A resumes. A must
// not drop the collections of B's state, which names months B reads again
// when its budget dropped them (FerretDB reads a dropped collection as
// empty).
func TestADeposedOwnersSaveLeavesTheNewOwnersMonths(t *testing.T) {
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	emb, err := ferret.Start(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	dbA, err := mongodb.Open(ctx, emb.URI(), "hailong_test")
	if err != nil {
		t.Fatal(err)
	}
	defer dbA.Close(ctx)
	dbB, err := mongodb.Open(ctx, emb.URI(), "hailong_test")
	if err != nil {
		t.Fatal(err)
	}
	defer dbB.Close(ctx)

	// A pauses in the fence's release that follows its state's write,
	// once; its fence then goes on granting its writes, as one that has
	// not noticed the lease lost: the state's version must stop them.
	var pause atomic.Bool
	paused, resume := make(chan struct{}), make(chan struct{})
	dbA.SetOutcomesFence(func(ctx context.Context) (context.Context, context.CancelFunc, error) {
		if !pause.CompareAndSwap(true, false) {
			return ctx, func() {}, nil
		}
		return ctx, func() { close(paused); <-resume }, nil
	})

	day := func(m, d int) *hailong.Date { x := hailong.DateFromYMD(2026, time.Month(m), d); return &x }
	dossier := func(i int, ret *hailong.Date) hailong.Outcome {
		return hailong.Outcome{Dossier: fmt.Sprintf("H22.39-260202-%04d", i), Unit: "TT-09190", Procedure: "1.000001",
			Received: hailong.DateFromYMD(2026, 2, 2), Due: hailong.DateFromYMD(2026, 5, 1), Returned: ret}
	}
	live, _ := outcomes.Load(ctx, &memStore{})
	a, err := outcomes.Load(ctx, dbA)
	if err != nil {
		t.Fatal(err)
	}
	both := func(b *outcomes.Book, os ...hailong.Outcome) {
		t.Helper()
		for _, book := range []*outcomes.Book{live, b} {
			if _, err := book.Report(ctx, os, anyUnit); err != nil {
				t.Fatal(err)
			}
		}
	}
	both(a, dossier(0, day(2, 10)), dossier(1, day(3, 10)), dossier(2, day(4, 10)))
	if _, err := a.Compact(ctx); err != nil { // the months saved whole
		t.Fatal(err)
	}
	both(a, dossier(3, day(3, 11)))
	// A's clean stop: its state is written within the lease, then A pauses.
	pause.Store(true)
	saved := make(chan error, 1)
	go func() { saved <- a.Save(ctx) }()
	<-paused

	// B takes over: reads the book A saved, takes a report, saves.
	b := outcomes.New(dbB)
	b.SetBudget(1)
	if err := b.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(ctx); err != nil {
		t.Fatal(err)
	}
	both(b, dossier(4, day(3, 12)))
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	march, marchEnd := hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31)
	f := rollup.Filter{Procedure: "1.000001"} // read from the month's days
	if g, w := b.Query([]string{"TT-09190"}, march, marchEnd, f), live.Query([]string{"TT-09190"}, march, marchEnd, f); g != w {
		t.Fatalf("before A resumes: %+v, want %+v", g, w)
	}
	// A resumes past its lease and finishes its save.
	close(resume)
	<-saved // its state was written: it answers as it may
	// B's March is dropped within its budget and read again.
	b.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 2, 1), hailong.DateFromYMD(2026, 2, 28), f)
	b.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 4, 1), hailong.DateFromYMD(2026, 4, 30), f)
	if res := b.Rollup().Residence(); res.Cold == 0 {
		t.Fatalf("%+v: nothing dropped", res)
	}
	if g, w := b.Query([]string{"TT-09190"}, march, marchEnd, f), live.Query([]string{"TT-09190"}, march, marchEnd, f); g != w {
		t.Errorf("B's March after A dropped its collections: %+v, want %+v", g, w)
	}
}

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
