package outcomes_test

import (
	"context"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// hangingMonths is a memStore whose months of entries never answer: a read
// ends only when its context does (a database that hangs).
type hangingMonths struct{ *memStore }

func (h hangingMonths) LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]outcomes.SavedEntry, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestAMonthThatHangsHoldsTheFlagsOnce: the ingest path flags under its
// gate (flagUnhappy → MarkUnhappy), and a flag of a cold month reads it
// holding the book. A month the database does not answer for is tried by
// one flag, for flagReadTimeout; the flags after it are held without
// trying again (the next report or save does), not each another wait (a
// hostile review found each flag waited).
func TestAMonthThatHangsHoldsTheFlagsOnce(t *testing.T) {
	ctx := t.Context()
	mem := &memStore{}
	b, err := outcomes.Load(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	d0, d1 := monthDossier(3, 0, false), monthDossier(3, 1, false)
	if _, err := b.Report(ctx, []hailong.Outcome{d0, d1}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatal(saved, err)
	}
	b, err = outcomes.Load(ctx, hangingMonths{mem}) // March cold
	if err != nil {
		t.Fatal(err)
	}
	b.MarkUnhappy([]string{d0.Dossier}) // tries March, until the timeout
	t0 := time.Now()
	b.MarkUnhappy([]string{d1.Dossier})
	if took := time.Since(t0); took > time.Second {
		t.Errorf("a second flag of the month that hangs held the book %v; want it held at once, the month not tried again", took.Round(time.Millisecond))
	}
}
