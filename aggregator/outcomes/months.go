package outcomes

import (
	"context"
	"fmt"

	"hailong/aggregator/rollup"
)

// The book's rollup is saved by month with the book (Snapshot.Months), as
// the ratings' rollups are checkpointed: so that a start need not count
// every dossier again, which kept every month of the rollup in memory and
// took seconds at a million dossiers. A start declares the saved months
// cold (loaded on first use, their summaries answering whole months, and
// dropped again within the budget), and Open counts over them only what
// was stored after the save:
//
//   - each saved entry a record of the log replaced is taken back, as the
//     save counted it: bad by the flags saved with it;
//   - each entry of the log is counted, by every flag;
//   - each saved entry whose dossier was flagged since (a flag of the log,
//     or one a save held that the book had not been told of) and which
//     the save counted not bad is counted again, bad.
//
// A save that holds months writes those changed since the last one (or
// every month, the first time), laid over the months saved before. A book
// that counted every dossier at its start (no months saved yet, or saved
// months no longer its own: a rebuild replaced the flags they were counted
// with) saves its months whole at its next whole save (Compact), and none
// before: the state then names no months, and the next start counts
// everything, as before months were saved.

// SavedMonths tells which months of the book's rollup a save holds.
type SavedMonths struct {
	// Months are the months saved, each with the dossiers it counts (a
	// month read back must count as many); none if the saved months are
	// not the book's (or none were saved).
	Months map[rollup.Month]int64
	// Exact tells that nothing was stored after the save: the saved
	// months are the book's rollup as it stands.
	Exact bool
}

// MonthsSave tells how a snapshot's months lie over those saved before.
type MonthsSave int

// How a save holds the book's rollup.
const (
	// MonthsNone: the save holds no month; the next start counts every
	// dossier.
	MonthsNone MonthsSave = iota
	// MonthsChanged: Snapshot.Months are the months changed since the
	// last save, laid over the months it holds.
	MonthsChanged
	// MonthsAll: Snapshot.Months are every month of the rollup.
	MonthsAll
)

// MonthDays is one month of the book's rollup as a save writes it: its
// days (rollup.Rollup.DaysOf), none if the month holds nothing any more,
// and their summary.
type MonthDays struct {
	Month   rollup.Month
	Days    []rollup.Day
	Summary rollup.Summary
}

// SetBudget bounds the cells of the book's rollup held in memory, as
// rollup.Rollup.SetBudget does: saved months least recently used are
// dropped past it and read again when a query needs them. 0: no bound.
func (b *Book) SetBudget(cells int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.budget = cells
	b.roll.SetBudget(cells)
}

// newRoll returns an empty rollup for the book, which reads its saved
// months from the store.
func (b *Book) newRoll() *rollup.Rollup {
	r := rollup.New()
	r.SetFields(b.fields)
	r.SetLoader(b.store.LoadOutcomeMonth)
	r.SetSummaryLoader(func(ctx context.Context, m rollup.Month) (rollup.Summary, bool, error) {
		s, err := b.store.LoadOutcomeSummary(ctx, m)
		return s, err == nil, err
	})
	r.SetBudget(b.budget)
	return r
}

// declareMonths asks the store, once, which months of the rollup the last
// save holds, and declares them cold in the rollup. It returns the rollup
// if there are some, and whether nothing was stored since the save.
func (b *Book) declareMonths(ctx context.Context) (roll *rollup.Rollup, exact bool, err error) {
	b.monthsMu.Lock()
	defer b.monthsMu.Unlock()
	saved, err := b.store.ReadOutcomeMonths(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("read the outcome book's saved months: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.monthsRead {
		b.monthsRead = true
		if len(saved.Months) > 0 {
			b.roll.SetCold(saved.Months)
			b.segmented = true
		}
	}
	if !b.segmented {
		return nil, false, nil
	}
	return b.roll, saved.Exact, nil
}

// countOver counts over the saved months what was stored after the save
// (see above); b.mu is held. saved are the flags the months were counted
// with, since the others. Entries read from months saved by month
// (entries.go) were counted as they were saved; those of a book saved
// whole are told so here.
func (b *Book) countOver(ctx context.Context, saved map[string]bool, since []string) error {
	if !b.byMonth {
		for _, e := range b.entries {
			if !b.fromLog[e] {
				e.counted = e.o.isReturned
				e.bad = e.counted && badWith(e, saved)
			}
		}
		for _, e := range b.replaced {
			e.counted = e.o.isReturned
			e.bad = e.counted && badWith(e, saved)
		}
	}
	for _, e := range b.replaced {
		b.uncount(e)
	}
	b.countAll(func(yield func(*entry) bool) {
		for e := range b.fromLog {
			if b.entries[e.key] == e && !yield(e) {
				return
			}
		}
	})
	for _, c := range since {
		if err := b.need(ctx, c); err != nil {
			return err
		}
		if e, ok := b.byCode[c]; ok {
			b.recountFlagged(e)
		}
	}
	return nil
}

// monthsToSave returns the months of the rollup a save writes, and how
// they lie; b.mu is held. A book whose every month is saved or cold writes
// those changed since its last save, loading first the cold ones changed
// (a late report of a month no query read); a book that counted every
// dossier writes every month at a whole save, and none at another.
func (b *Book) monthsToSave(ctx context.Context, whole bool) ([]MonthDays, MonthsSave, error) {
	var months []rollup.Month
	how := MonthsChanged
	switch {
	case b.segmented:
		if err := b.roll.LoadDirty(ctx); err != nil {
			return nil, MonthsNone, err
		}
		months = b.roll.TakeDirty()
	case whole:
		b.roll.TakeDirty()
		months, how = b.roll.Months(), MonthsAll
	default:
		return nil, MonthsNone, nil
	}
	out := make([]MonthDays, 0, len(months))
	for _, m := range months {
		days := b.roll.DaysOf(m)
		out = append(out, MonthDays{Month: m, Days: days, Summary: rollup.Summarise(m, days)})
	}
	return out, how, nil
}

// monthsSaved tells the rollup that a save holds its months, so that they
// may be dropped within the budget, or, if the save failed, that they are
// still to be saved; b.mu is held.
func (b *Book) monthsSaved(months []MonthDays, how MonthsSave, err error) {
	ms := make([]rollup.Month, 0, len(months))
	for _, m := range months {
		ms = append(ms, m.Month)
	}
	if err != nil {
		if how == MonthsChanged {
			b.roll.MarkDirty(ms...)
		}
		return
	}
	if how == MonthsAll {
		b.segmented = true
	}
	if how != MonthsNone {
		b.roll.Saved(ms...)
	}
}
