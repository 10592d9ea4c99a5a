package outcomes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
)

// The book's entries, every dossier's latest report, grow with history
// (about 237 bytes a dossier). Once the book's rollup is saved by month
// (months.go), a save also writes the entries by month, the month their
// key's code carries (a dossier code holds the day it was received:
// hailong.ParseDossierCode), so that a start reads none of them: the
// months saved are cold, and a month is read when a report, a flag or a
// lookup names a code of it (need). Past the budget (SetEntryBudget), the
// months least recently used that are saved and unchanged since are
// dropped again.
//
// A code is found without an index from code to month, which on FerretDB
// would be a collection scanned at every lookup: the code says its month.
// A dossier's other code may carry another month (its national code given
// another day); such codes are held apart, always in memory and saved
// with the book (aliases), each naming its entry's key.
//
// Each saved entry keeps whether the save counted it bad, as the book's
// saved months count it, so that a month read later is taken back exactly
// when a report replaces one of its entries; an entry flagged since (a flag
// the book holds that the entry was not counted bad with) is counted again
// when its month is read. The saved entries are trusted only with the
// saved months they were counted in: a book that counted every dossier at
// its start (a rebuild replaced the flags, or no months were saved) reads
// every month and keeps them until its next whole save.

// SavedEntry is one entry of a month of the book as a save writes it: the
// record it was made from, and whether it was counted bad.
type SavedEntry struct {
	Record Record
	Bad    bool
}

// MonthEntries are the entries of the book whose key carries Month, as a
// save writes them; none if the month holds no dossier any more.
type MonthEntries struct {
	Month   rollup.Month
	Entries []SavedEntry
}

// Alias is a code of a dossier that carries another month than its key:
// the book finds the dossier by it in its key's month.
type Alias struct {
	Code, Key string
}

// codeMonth returns the month a normalised dossier code carries
// (<agency>-<YYMMDD or YYYYMMDD>-<sequence>), or 0, a month of its own,
// for a code that carries none. It reads the digits where
// hailong.ParseDossierCode's pattern puts them, without the pattern: it
// is called for every entry a month holds.
func codeMonth(code string) rollup.Month {
	_, rest, ok := strings.Cut(code, "-")
	digits, _, ok2 := strings.Cut(rest, "-")
	if !ok || !ok2 || (len(digits) != 6 && len(digits) != 8) {
		return 0
	}
	n := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	// YYMMDD or YYYYMMDD: the year and month, the day dropped.
	y, m := n/10000, n/100%100
	if len(digits) == 6 {
		y += 2000
	}
	if y < 2000 || y > 2100 || m < 1 || m > 12 {
		return 0
	}
	return rollup.MonthOf(hailong.DateFromYMD(y, time.Month(m), 1))
}

// SetEntryBudget bounds the dossiers whose entries the book holds in
// memory once they are saved by month: past it, the months least recently
// used that are saved and unchanged since are dropped, and read again when
// a report, a flag or a lookup names one of their codes. 0: no bound.
func (b *Book) SetEntryBudget(dossiers int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entryBudget = dossiers
}

// declareEntries takes what a read found of a book saved by month: its
// months cold, its aliases held; b.mu is held.
func (b *Book) declareEntries(found SavedBook) {
	b.byMonth = found.Months != nil
	b.cold = maps.Clone(found.Months)
	if b.cold == nil {
		b.cold = map[rollup.Month]int64{}
	}
	b.stored = map[rollup.Month]bool{}
	for m := range found.Months {
		b.stored[m] = true
	}
	for _, a := range found.Aliases {
		b.aliases[a.Code] = a.Key
	}
}

// need reads the month that holds the entry a normalised code names, if
// it is cold, so that b.entries and b.byCode hold it; b.mu is held.
func (b *Book) need(ctx context.Context, code string) error {
	m := b.monthFor(code)
	b.tick++
	b.used[m] = b.tick
	if _, cold := b.cold[m]; !cold {
		return nil
	}
	return b.loadMonth(ctx, m)
}

// monthFor returns the month that holds the entry a normalised code
// names, if any; b.mu is held.
func (b *Book) monthFor(code string) rollup.Month {
	if key, ok := b.aliases[code]; ok {
		return codeMonth(key)
	}
	return codeMonth(code)
}

// readUnread reads the cold months a flag needed and could not read
// (markUnhappy): their dossiers flagged are counted bad once read; b.mu
// is held.
func (b *Book) readUnread(ctx context.Context) error {
	var errs []error
	for _, m := range slices.Sorted(maps.Keys(b.unread)) {
		if _, cold := b.cold[m]; cold {
			if err := b.loadMonth(ctx, m); err != nil {
				errs = append(errs, err) // the others are read all the same
				continue
			}
		}
		delete(b.unread, m)
	}
	return errors.Join(errs...)
}

// needAll reads every cold month; b.mu is held.
func (b *Book) needAll(ctx context.Context) error {
	for _, m := range slices.Sorted(maps.Keys(b.cold)) {
		if err := b.loadMonth(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// loadMonth reads a cold month's entries into the maps, counted as the
// save counted them; b.mu is held. Once the book is open, an entry
// flagged since is counted again, bad.
func (b *Book) loadMonth(ctx context.Context, m rollup.Month) error {
	saved, err := b.store.LoadOutcomeEntries(ctx, m)
	if err != nil {
		return fmt.Errorf("read month %s of the outcome book: %w", m, err)
	}
	if want := b.cold[m]; int64(len(saved)) != want {
		return fmt.Errorf("read month %s of the outcome book: %d dossiers, the save wrote %d", m, len(saved), want)
	}
	delete(b.cold, m)
	sh := newSharer()
	open := b.isOpened()
	for i := range saved {
		r := &saved[i].Record
		sh.share(&r.Outcome)
		e := b.newEntry(r)
		e.counted = e.o.isReturned
		e.bad = e.counted && saved[i].Bad
		b.put(e)
		if open {
			b.recountFlagged(e)
		}
	}
	return nil
}

// isOpened reports whether Open has ended.
func (b *Book) isOpened() bool {
	select {
	case <-b.opened:
		return true
	default:
		return false
	}
}

// Resident returns how many dossiers' entries the book holds in memory;
// the others are in cold months (SetEntryBudget).
func (b *Book) Resident() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.entries)
}

// heldDossiers returns the dossiers of the book, in memory or in cold
// months; b.mu is held.
func (b *Book) heldDossiers() int {
	n := len(b.entries)
	for _, c := range b.cold {
		n += int(c)
	}
	return n
}

// evict drops the months least recently used, saved and unchanged since,
// while the entries held pass the budget; b.mu is held, and b.write (or no
// report can have begun: Open), so that no report is between finding its
// entries and counting them. Saved entries count as the book's rollup
// counts them only while its months are saved (segmented): a book that
// counted every dossier keeps them. Nothing is dropped while a save is
// being written: the months it took as changed are not yet the store's
// (stored), nor changed any more (b.changed), and if the save fails they
// must still be in memory to be saved by the next.
func (b *Book) evict() {
	if b.entryBudget <= 0 || !b.byMonth || !b.segmented || b.inFlight || len(b.entries) <= b.entryBudget {
		return
	}
	saved := map[rollup.Month]bool{}
	for m, n := range b.held {
		if n > 0 && b.stored[m] {
			saved[m] = true
		}
	}
	if len(saved) == 0 {
		return // the common case past the budget: b.changed is not read
	}
	for key := range b.changed {
		delete(saved, codeMonth(key)) // changed since saved
	}
	candidates := slices.Collect(maps.Keys(saved))
	slices.SortFunc(candidates, func(x, y rollup.Month) int { return cmp.Compare(b.used[x], b.used[y]) })
	drop := map[rollup.Month]bool{}
	over := len(b.entries) - b.entryBudget
	for _, m := range candidates {
		if over <= 0 {
			break
		}
		drop[m] = true
		b.cold[m] = int64(b.held[m])
		over -= b.held[m]
	}
	if len(drop) == 0 {
		return
	}
	for _, e := range b.entries {
		if drop[e.month] {
			b.forget(e)
		}
	}
}

// SaveDue reports whether the book holds a quarter more dossiers than its
// budget because months changed since its last save cannot be dropped
// until saved (late reports and flags of old months): a save lets them go.
// A long-running process saves then (app), not only at its stop.
func (b *Book) SaveDue() bool {
	if !b.isOpened() {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byMonth && b.segmented && b.entryBudget > 0 && len(b.changed) > 0 && len(b.entries) > b.entryBudget+b.entryBudget/4
}

// entriesToSave returns the months of entries a save writes, and how they
// lie, with every alias; b.mu is held. A book saved by month writes the
// months changed since its last save; a whole save writes every month,
// reading the cold ones first. A book not yet saved by month writes none
// but at a whole save.
func (b *Book) entriesToSave(ctx context.Context, whole bool) ([]MonthEntries, MonthsSave, []Alias, error) {
	how := MonthsChanged
	months := map[rollup.Month][]SavedEntry{}
	if err := b.readUnread(ctx); err != nil {
		return nil, MonthsNone, nil, err
	}
	switch {
	case whole:
		if err := b.needAll(ctx); err != nil {
			return nil, MonthsNone, nil, err
		}
		how = MonthsAll
	case b.byMonth:
		for key := range b.changed {
			months[codeMonth(key)] = nil
		}
	default:
		return nil, MonthsNone, nil, nil
	}
	for _, e := range b.entries {
		if es, ok := months[e.month]; ok || whole {
			months[e.month] = append(es, SavedEntry{Record: b.record(e), Bad: e.bad})
		}
	}
	out := make([]MonthEntries, 0, len(months))
	for _, m := range slices.Sorted(maps.Keys(months)) {
		out = append(out, MonthEntries{Month: m, Entries: months[m]})
	}
	aliases := make([]Alias, 0, len(b.aliases))
	for c, k := range b.aliases {
		aliases = append(aliases, Alias{Code: c, Key: k})
	}
	return out, how, aliases, nil
}

// entriesSaved notes which months the store holds after a save; b.mu is
// held.
func (b *Book) entriesSaved(months []MonthEntries, how MonthsSave) {
	switch how {
	case MonthsNone:
		return
	case MonthsAll:
		b.stored = map[rollup.Month]bool{}
	}
	b.byMonth = true
	for _, m := range months {
		b.stored[m.Month] = len(m.Entries) > 0
	}
}
