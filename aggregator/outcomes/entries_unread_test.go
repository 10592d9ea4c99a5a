package outcomes_test

import (
	"context"
	"errors"
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// monthsFailing fails the reads of some months of entries: for ever, or
// once.
type monthsFailing struct {
	*memStore
	always, once map[rollup.Month]bool
}

func (f *monthsFailing) LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]outcomes.SavedEntry, error) {
	if f.always[m] || f.once[m] {
		delete(f.once, m)
		return nil, errors.New("injected")
	}
	return f.memStore.LoadOutcomeEntries(ctx, m)
}

// TestAFlagUnreadIsCountedBehindAMonthLost: a flag whose month could not
// be read once is counted when the month is read again (at the next
// report), even behind another month held unread that cannot be read at
// all (a hostile review found it stalled there).
func TestAFlagUnreadIsCountedBehindAMonthLost(t *testing.T) {
	ctx := t.Context()
	mem := &memStore{}
	live, _ := outcomes.Load(ctx, &memStore{})
	b, _ := outcomes.Load(ctx, mem)
	feb, mar, apr := monthDossier(2, 0, false), monthDossier(3, 0, false), monthDossier(4, 0, false)
	for _, book := range []*outcomes.Book{live, b} {
		if _, err := book.Report(ctx, []hailong.Outcome{feb, mar, apr}, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	month := func(m int) rollup.Month { return rollup.MonthOf(hailong.DateFromYMD(2026, 3, 1)) + rollup.Month(m-3) }
	store := &monthsFailing{memStore: mem, always: map[rollup.Month]bool{month(2): true}, once: map[rollup.Month]bool{month(3): true}}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{feb.Dossier, mar.Dossier} {
		mem.AddDossierFlags(ctx, []string{c})
		b.MarkUnhappy([]string{c})
		live.MarkUnhappy([]string{c})
	}
	later := apr
	*later.Returned++
	for _, book := range []*outcomes.Book{live, b} {
		if _, err := book.Report(ctx, []hailong.Outcome{later}, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
	from, to := hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31)
	if g, w := b.Query([]string{mar.Unit}, from, to, rollup.Filter{}), live.Query([]string{mar.Unit}, from, to, rollup.Filter{}); g != w {
		t.Errorf("March, readable again, after a report: %+v, want %+v", g, w)
	}
}
