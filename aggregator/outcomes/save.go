package outcomes

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"hailong/aggregator/rollup"
)

// A clean stop saves the book so that the next start reads it in one
// piece rather than its whole log. Writing every dossier at each stop made
// the stop grow with history (17 s for 832,463 dossiers on the embedded
// database), so a stop writes only the entries changed since the book was
// last saved or read, which the store lays over its last whole save by
// key. Once those saves grow past a part of the whole (compactDue), the
// book is saved whole again in the background while serving (Compact),
// never on the stop path.

// Snapshot is what a save of the book writes.
type Snapshot struct {
	// Whole tells that Records is every entry of the book. Otherwise
	// Records holds the entries changed since the book was last saved or
	// a saved book read, and a tombstone (MergedInto) for each key whose
	// entry is gone: laid over the saved book by key, they make the book.
	Whole   bool
	Records []Record
	// Seq is the highest sequence the book gave or read.
	Seq int64
	// Flags is every flagged dossier the book was told of.
	Flags []string
	// Sums are the book's monthly sums (rollup.Summary), as the records
	// and flags make them; none once its rollup is saved by month, whose
	// months' summaries are saved with them.
	Sums []rollup.Summary
	// Months are months of the book's rollup as the records and Flags make
	// them (months.go), lying as MonthsSave says.
	Months     []MonthDays
	MonthsSave MonthsSave
	// Entries are months of the book's entries (entries.go), lying as
	// EntriesSave says, and Aliases every code that carries another month
	// than its entry's key. A save that holds entries by month holds no
	// Records: the book is saved by month from then on.
	Entries     []MonthEntries
	EntriesSave MonthsSave
	Aliases     []Alias
}

// SavedBook tells what ReadOutcomes found saved.
type SavedBook struct {
	// Read tells whether a saved book was read; false if there was none
	// or it could not be read whole (then every log was read).
	Read bool
	// Seq is the highest sequence of the saved book, 0 if none.
	Seq int64
	// Records counts the records of its last whole save; Changed the
	// records of the Saves saves of changes laid over it since.
	Records, Changed, Saves int
	// Months, if not nil, tell that the book is saved by month
	// (entries.go): none of its records was read, and these months hold
	// them, each with its dossiers (LoadOutcomeEntries). Aliases are the
	// codes held apart from their entries' months.
	Months  map[rollup.Month]int64
	Aliases []Alias
}

// Saves of changes laid over a whole save are read at each start, each a
// collection of its own: past maxSaves of them, or once they hold more
// than a wholeShare part of the whole save's records, the book is due to
// be saved whole.
const (
	maxSaves   = 16
	wholeShare = 4
)

func (s SavedBook) compactDue() bool {
	return !s.Read || s.Months == nil || s.Saves >= maxSaves || s.Changed > s.Records/wholeShare
}

// record is the record the entry was made from, without its digest (the
// book makes it again from the outcome: kept); b.mu is held.
func (b *Book) record(e *entry) Record {
	return Record{Key: e.key, Outcome: b.outcome(&e.o), Seq: e.seq}
}

// touch notes that the entry of key changed, or is gone if into (the key
// that holds its dossier now) is set; b.mu is held.
func (b *Book) touch(key, into string) {
	b.changed[key] = into
}

// Save saves the book and the flags it holds (Store.SaveOutcomes), so that
// the next start reads them in one piece with what is stored after them,
// rather than the whole log: only what changed since the book was saved or
// read, once a saved book was read; the whole book otherwise. Call it when
// no more reports or flags come, at a clean stop; a book not saved is read
// from the log.
func (b *Book) Save(ctx context.Context) error {
	return b.save(ctx, false)
}

// Compact saves the book whole if it is due (the saves of changes since
// its last whole save are many or large, or no saved book was read), so
// that the next start reads less and the next stops write only what
// changes. It is meant for the background while serving: reports wait
// only while the book is copied, not while it is written. Cancelling ctx
// stops it, saving nothing; a later Save still holds everything. saved
// tells whether it was due.
func (b *Book) Compact(ctx context.Context) (saved bool, err error) {
	select {
	case <-b.opened:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	b.mu.Lock()
	due := b.compact || !b.segmented // a whole save saves the months
	b.mu.Unlock()
	if !due {
		return false, nil
	}
	return true, b.save(ctx, true)
}

// save saves the book, whole if whole is set or no saved book lies under
// it.
func (b *Book) save(ctx context.Context, whole bool) error {
	select {
	case <-b.opened:
	default:
		// Stopped while reading: nothing was reported to it, and the
		// flags it was told are in the store's log; the book saved
		// before and the logs after it still hold everything.
		return nil
	}
	b.saving.Lock()
	defer b.saving.Unlock()
	b.write.Lock()
	release := sync.OnceFunc(b.write.Unlock)
	defer release()
	b.mu.Lock()
	s := Snapshot{Whole: whole || !b.based, Seq: b.seq}
	var err error
	// The entries first: a whole save reads every cold month, which may
	// count a dossier flagged since again, changing the rollup's months.
	if s.Entries, s.EntriesSave, s.Aliases, err = b.entriesToSave(ctx, s.Whole); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("save the outcome book: %w", err)
	}
	if s.Months, s.MonthsSave, err = b.monthsToSave(ctx, s.Whole); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("save the outcome book: %w", err)
	}
	if !b.segmented && s.MonthsSave == MonthsNone {
		// Every month in memory: the sums answer whole months while the
		// next start reads the book.
		s.Sums = b.roll.Summaries()
	}
	switch {
	case s.EntriesSave != MonthsNone:
		// By month: no records.
	case s.Whole:
		s.Records = make([]Record, 0, len(b.entries))
		for _, e := range b.entries {
			s.Records = append(s.Records, b.record(e))
		}
	default:
		s.Records = make([]Record, 0, len(b.changed))
		for key, into := range b.changed {
			if e, ok := b.entries[key]; ok {
				s.Records = append(s.Records, b.record(e))
				continue
			}
			if into == "" {
				into = key // never so: a key is left only for another
			}
			s.Records = append(s.Records, Record{Key: key, Seq: b.seq, MergedInto: into})
		}
	}
	s.Flags = make([]string, 0, len(b.unhappy))
	for d := range b.unhappy {
		s.Flags = append(s.Flags, d)
	}
	changed := b.changed
	b.changed = map[string]string{}
	b.inFlight = true
	b.mu.Unlock()
	// Records in no order (a saved book's keys share no code, and a
	// delta's are laid over by key): sorting 800,000 of them would hold
	// the reports longer.
	slices.Sort(s.Flags)
	err = b.store.SaveOutcomes(ctx, s, release)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight = false
	b.monthsSaved(s.Months, s.MonthsSave, err)
	if err != nil {
		// Still to be saved, under what changed since.
		for key, into := range changed {
			if _, ok := b.changed[key]; !ok {
				b.changed[key] = into
			}
		}
		return fmt.Errorf("save the outcome book: %w", err)
	}
	b.entriesSaved(s.Entries, s.EntriesSave)
	if s.Whole {
		b.based, b.compact = true, false
	}
	// Months saved may be dropped within the budget, unless a report is
	// being counted (it holds b.write from finding its entries on).
	if b.write.TryLock() {
		b.evict()
		b.write.Unlock()
	}
	return nil
}
