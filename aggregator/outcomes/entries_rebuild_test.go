package outcomes_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/outcomes"
)

// TestARebuildBetweenTwoStartsCountsEveryMonthAgain: a rebuild
// (ReplaceDossierFlags: every flag again, and one more) between two starts
// of a book saved by month, within a budget of one dossier; then a Compact
// and a restart: the book answers as the live one throughout.
func TestARebuildBetweenTwoStartsCountsEveryMonthAgain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	rng := rand.New(rand.NewPCG(3, 3))
	live, _ := outcomes.Load(ctx, &memStore{})
	b, err := outcomes.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	b.SetEntryBudget(1)
	var flags []string
	for range 40 {
		batch := []hailong.Outcome{manyOutcome(rng), manyOutcome(rng)}
		live.Report(ctx, batch, anyUnit)
		if _, err := b.Report(ctx, batch, anyUnit); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(4) == 0 {
			c := manyCode(rng)
			flags = append(flags, c)
			db.AddDossierFlags(ctx, []string{c})
			b.MarkUnhappy([]string{c})
			live.MarkUnhappy([]string{c})
		}
	}
	if _, err := b.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	restart := func(when string) {
		t.Helper()
		closeDB()
		db, closeDB = ferrettest.OpenDir(t, dir)
		if b, err = outcomes.Load(ctx, db); err != nil {
			t.Fatal(err)
		}
		b.SetEntryBudget(1)
		sameAsLive(t, when, b, live)
	}
	restart("before the rebuild")
	more := manyCode(rng)
	if err := db.ReplaceDossierFlags(ctx, append(flags, more)); err != nil {
		t.Fatal(err)
	}
	live.MarkUnhappy([]string{more})
	restart("after the rebuild")
	for range 10 {
		batch := []hailong.Outcome{manyOutcome(rng)}
		live.Report(ctx, batch, anyUnit)
		if _, err := b.Report(ctx, batch, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	restart("after a save of changes")
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatal(saved, err)
	}
	restart("after the compaction")
}
