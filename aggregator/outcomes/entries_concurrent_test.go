package outcomes_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestReportsFlagsAndSavesSideBySide: reports, flags, saves, compactions,
// lookups and queries side by side on the embedded database, within a
// budget of one dossier (run under -race): the book answers as one that
// never dropped a month, and so after a restart.
func TestReportsFlagsAndSavesSideBySide(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	live, _ := outcomes.Load(ctx, &memStore{})
	b, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	b.SetEntryBudget(1)
	var mu sync.Mutex // reports and flags in one order for both books
	var wg, reporters sync.WaitGroup
	stop := make(chan struct{})
	for g := range 2 {
		reporters.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 5))
			for range 60 {
				mu.Lock()
				if rng.IntN(4) == 0 {
					code := manyCode(rng)
					db.AddDossierFlags(ctx, []string{code})
					live.MarkUnhappy([]string{code})
					b.MarkUnhappy([]string{code})
				} else {
					batch := []hailong.Outcome{manyOutcome(rng), manyOutcome(rng)}
					want, err := live.Report(ctx, batch, anyUnit)
					if err != nil {
						t.Error(err)
					}
					got, err := b.Report(ctx, batch, anyUnit)
					if err != nil {
						t.Error(err)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("report answered %v, want %v", got, want)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := b.Save(ctx); err != nil {
				t.Error(err)
			}
			b.Compact(ctx)
		}
	})
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(9, 5))
		for {
			select {
			case <-stop:
				return
			default:
			}
			b.Codes(manyCode(rng))
			b.Query(savedUnits, manyFirst, manyFirst+170, rollup.Filter{})
			b.Dossiers()
		}
	})
	reporters.Wait()
	close(stop)
	wg.Wait()
	sameAsLive(t, "live, after the concurrent ops", b, live)
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
	sameAsLive(t, "restarted", again, live)
}
