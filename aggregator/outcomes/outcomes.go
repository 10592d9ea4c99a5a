// Package outcomes keeps the dossier outcomes the one-stop software reports,
// joined with the citizens' ratings of the same dossiers, so that the
// aggregator can answer the Decision 766 dossier ratio and the one-stop
// indices of Circular 01 for any unit subtree and period.
//
// Each dossier's latest report is kept in memory with what it contributes
// to the outcome rollups, so that a new report, or a dissatisfied rating
// arriving after the report, replaces that contribution exactly.
//
// A dossier may have two codes, its own and the national portal's
// (hailong.DossierCodes), and reports and ratings may name it by either: the
// book finds a dossier by both, normalised. A dossier is stored under a key
// that never changes, the first code it was reported by, so that a later
// report bringing its other code replaces it rather than adding a second.
//
// A dossier reported first by one code alone and then by the other alone is
// two dossiers until a report names both: that report merges them. The log
// is insert-only, so the merge is written as records: the report under the
// key that stays, and a tombstone (Record.MergedInto) that ends the other
// key; the book takes the ended entry's contribution back.
package outcomes

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/intern"
	"hailong/aggregator/rollup"
)

// Store is what the book needs of the database.
//
// The log of records and the flags grow with history, so a clean stop
// saves the book (SaveOutcomes) and a start reads what was saved and what
// was stored after it, not the whole log.
type Store interface {
	// PutOutcomes appends records, in order: a later one supersedes the
	// earlier ones of its key.
	PutOutcomes(ctx context.Context, recs []Record) error
	// ReadOutcomes calls saved with every record of the book last saved
	// (its last whole save with the changes saved since laid over it),
	// then since with the latest record of every key stored after it,
	// tombstones included; with no book saved, since has the latest record
	// of every key ever stored. It tells what it found saved.
	ReadOutcomes(ctx context.Context, saved, since func(Record)) (SavedBook, error)
	// ScanDossierFlags calls saved with every flag saved with the book
	// that its saved months were counted with, if they still stand, and
	// since with every other flag: those flagged since, and any a save held
	// that the book had not been told of. held tells that the saved flags
	// were read: without them, saved is never called.
	ScanDossierFlags(ctx context.Context, saved, since func(string)) (held bool, err error)
	// SaveOutcomes saves a snapshot of the book, which holds everything
	// this process read (ReadOutcomes, ScanDossierFlags) and stored
	// (PutOutcomes) until the snapshot, as the point later reads start
	// from; the flags this process stored are saved whether or not the
	// book was told of them. The book stores nothing while it is called
	// until begun: the store calls begun once what is stored from then on
	// goes where this save does not hold it. It fails, saving nothing, if
	// another process saved or rebuilt the flags since this one read (one
	// that lost its lease), or if the snapshot is not Whole and the store
	// holds no saved book this process read or saved to lay it over.
	//
	// The snapshot's sums are saved beside it unless the flags saved are
	// more than the book was told of.
	SaveOutcomes(ctx context.Context, s Snapshot, begun func()) error
	// ReadOutcomeSums returns the monthly sums saved with the book, if
	// they are still the book's: nothing was stored after the save (no
	// log it does not hold), and its flags stand. nil otherwise.
	ReadOutcomeSums(ctx context.Context) ([]rollup.Summary, error)
	// ReadOutcomeMonths returns which months of the book's rollup the
	// last save holds (Snapshot.Months), if they are still the book's:
	// its records and flags stand. None otherwise.
	ReadOutcomeMonths(ctx context.Context) (SavedMonths, error)
	// LoadOutcomeMonth reads the days of a month ReadOutcomeMonths named,
	// or this process saved since.
	LoadOutcomeMonth(ctx context.Context, m rollup.Month) ([]rollup.Day, error)
	// LoadOutcomeSummary reads the summary of such a month.
	LoadOutcomeSummary(ctx context.Context, m rollup.Month) (rollup.Summary, error)
	// LoadOutcomeEntries reads the entries of a month of the book saved
	// by month (entries.go): one ReadOutcomes named (SavedBook.Months), or
	// this process saved since.
	LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]SavedEntry, error)
}

// Record is one entry of the outcome log: a dossier's report under its key,
// or a tombstone.
type Record struct {
	Key     string
	Outcome hailong.Outcome
	// Digest is the outcome's (hailong.Outcome.Digest), in the log; a
	// saved book's records (Snapshot) have none, and the book reads none:
	// it compares a report with the outcome it keeps (same).
	Digest [32]byte
	// Seq orders the records of a key; the highest is the key's state.
	Seq int64
	// MergedInto, when set, makes the record a tombstone: the key's dossier
	// was found to be that key's (a report named both of its codes), and
	// the key counts no more. Outcome and Digest are empty.
	MergedInto string
}

// Status is what became of one reported outcome.
type Status string

// Statuses of a report.
const (
	Created   Status = "created"
	Updated   Status = "updated"
	Unchanged Status = "unchanged"
	Rejected  Status = "rejected"
	// Ignored answers a report that says nothing the measures use, such as
	// a DongBoHoSoMC record of a dossier still in progress; Reason says why.
	Ignored Status = "ignored"
)

// Result answers one reported outcome.
type Result struct {
	Dossier string `json:"dossier"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`
}

type entry struct {
	key string // the dossier's key in the store
	o   kept
	seq int64 // of the record the entry is
	// counted tells whether the entry is in the rollup (false while in
	// progress), and bad whether it was counted bad. What uncount takes
	// back is made again from o and bad (contribution), as count made it:
	// o never changes once the entry is put. Kept instead, it took about
	// 220 bytes a dossier, 230 MB of the heap at a million dossiers.
	counted, bad bool
	// month is the month its key carries (codeMonth), where a save by
	// month writes it (entries.go).
	month rollup.Month
}

// kept is what the book keeps of a dossier's latest outcome: all of it,
// with the codes of its centre, agency, channel, procedure, official and
// counter as numbers of the book's table (Book.names) and its return day
// in place, not behind a pointer. An entry holding the hailong.Outcome
// and its digest took 224 bytes and the return day 8 more; it takes 120
// (128 as allocated). The digest is not kept: a report is compared with
// the outcome itself (same), field by field, as its digest (the hash of
// its JSON, Outcome.Digest) would tell them apart.
type kept struct {
	dossier, national                               string
	unit, agency, via, procedure, official, counter uint32
	received, due, returned                         hailong.Date
	isReturned                                      bool
	complaints                                      int
	indices                                         map[string]int
}

// keep returns what the book keeps of o; b.mu is held.
func (b *Book) keep(o *hailong.Outcome) kept {
	k := kept{dossier: o.Dossier, national: o.NationalDossier, unit: b.names.ID(o.Unit), agency: b.names.ID(o.Agency),
		via: b.names.ID(o.Via), procedure: b.names.ID(o.Procedure), official: b.names.ID(o.Official), counter: b.names.ID(o.Counter),
		received: o.Received, due: o.Due, complaints: o.Complaints, indices: o.Indices}
	if o.Returned != nil {
		k.returned, k.isReturned = *o.Returned, true
	}
	return k
}

// outcome makes the kept outcome again, equal to the one kept; b.mu is
// held.
func (b *Book) outcome(k *kept) hailong.Outcome {
	o := hailong.Outcome{Dossier: k.dossier, NationalDossier: k.national, Unit: b.names.String(k.unit), Agency: b.names.String(k.agency),
		Via: b.names.String(k.via), Procedure: b.names.String(k.procedure), Official: b.names.String(k.official),
		Counter: b.names.String(k.counter), Received: k.received, Due: k.due, Complaints: k.complaints, Indices: k.indices}
	if k.isReturned {
		day := k.returned
		o.Returned = &day
	}
	return o
}

// codes returns the dossier's codes.
func (k *kept) codes() hailong.DossierCodes {
	return hailong.DossierCodes{Local: k.dossier, National: k.national}
}

// newEntry returns the entry a record of a report makes; b.mu is held.
func (b *Book) newEntry(r *Record) *entry {
	return &entry{key: r.Key, o: b.keep(&r.Outcome), seq: r.Seq, month: codeMonth(r.Key)}
}

// same reports whether o is the outcome k keeps: whether their digests
// (Outcome.Digest) are equal, without making k's outcome and its JSON
// again, which took twice as long as the rest of a report; b.mu is held.
// TestTheBookKeepsEveryField fails when hailong.Outcome gains a field this
// does not compare.
func (b *Book) same(k *kept, o *hailong.Outcome) bool {
	code := func(id uint32, s string) bool {
		n, ok := b.names.Lookup(s)
		return ok && n == id
	}
	if o.Returned != nil != k.isReturned || (k.isReturned && *o.Returned != k.returned) {
		return false
	}
	return o.Dossier == k.dossier && o.NationalDossier == k.national && code(k.unit, o.Unit) && code(k.agency, o.Agency) &&
		code(k.via, o.Via) && code(k.procedure, o.Procedure) && code(k.official, o.Official) && code(k.counter, o.Counter) &&
		o.Received == k.received && o.Due == k.due && o.Complaints == k.complaints && maps.Equal(o.Indices, k.indices)
}

// contribution is what a returned outcome adds to the rollup, bad or not.
func contribution(o *hailong.Outcome, bad bool) (dims rollup.Dims, tally rollup.Outcomes) {
	idx1, _ := o.Index1()
	dims = rollup.Dims{Procedure: o.Procedure, Official: o.Official, Counter: o.Counter}
	tally = rollup.Outcomes{Dossiers: 1, Index1Sum: int64(idx1)}
	if o.Overdue() {
		tally.Overdue = 1
	}
	if o.Complaints > 0 {
		tally.Complained = 1
	}
	if bad {
		tally.Bad = 1
	}
	for k, v := range o.Indices {
		n, _ := strconv.Atoi(k)
		if i := slices.Index(hailong.OneStopIndices, n); i >= 0 {
			tally.IndexSum[i] += int64(v)
			tally.IndexN[i]++
		}
	}
	return dims, tally
}

// Book holds every dossier's latest outcome.
type Book struct {
	store Store

	write   sync.Mutex        // one report at a time: reports are few, order matters
	mu      sync.Mutex        // guards the maps
	entries map[string]*entry // by key
	byCode  map[string]*entry // by each normalised code
	unhappy map[string]bool   // normalised codes of dossiers a rating called not satisfied
	names   intern.Table      // the codes entries hold as numbers (kept)
	roll    *rollup.Rollup
	// seq orders reports: the latest per dossier counts. It is the larger
	// of the clock and the last one plus one, so a clock set back cannot
	// make a new report lose to an old one.
	seq int64
	// opened is closed by Open: until then the book is being read, and
	// what reads or reports waits (wait). earlyMu guards isOpen and
	// early, the dossiers MarkUnhappy was told of before, which Open
	// adds: the ingest path must not wait for the book.
	opened  chan struct{}
	earlyMu sync.Mutex
	isOpen  bool
	early   []string
	// saved holds the monthly sums saved with the book, read by Prepare:
	// until the book is open, a query of whole months without a fine
	// filter is answered from them, as long as no dossier was flagged
	// since the start (early is empty) and no report was taken (reports
	// wait for Open). Guarded by earlyMu; nil once open. savedAll tells
	// that saved is the rollup as saved by month, which answers every
	// query, not only those of whole months.
	saved    *rollup.Rollup
	savedAll bool

	// saving is held by a save (save.go), one at a time. changed holds,
	// under mu, the keys whose entries changed since the book was saved or
	// a saved book read, each with the key that holds its dossier if its
	// entry is gone. based tells whether a saved book was read or the book
	// saved whole, so that a save may write only what changed; compact,
	// that it is due to be saved whole (Compact).
	saving  sync.Mutex
	changed map[string]string
	based   bool
	compact bool

	// The rollup saved by month (months.go). fields and budget are what
	// the rollup is made with (newRoll). monthsMu guards monthsRead, that
	// the saved months were asked for (declareMonths); segmented, under
	// mu, tells that every month of the rollup is saved or cold, so that a
	// save writes only the months changed. fromLog and replaced are what
	// Read leaves Open to count over saved months: the entries made from
	// the records stored after the save, and the saved entries they
	// replaced.
	fields     map[string]string
	budget     int64
	monthsMu   sync.Mutex
	monthsRead bool
	segmented  bool
	fromLog    map[*entry]bool
	replaced   []*entry

	// The entries saved by month (entries.go), under mu. byMonth tells
	// that the store holds the book by month, stored which months; cold
	// are the months saved and not in memory, each with its dossiers;
	// aliases, the codes that carry another month than their entry's key,
	// each with that key. used orders months by their last use (tick).
	byMonth bool
	stored  map[rollup.Month]bool
	cold    map[rollup.Month]int64
	aliases map[string]string
	used    map[rollup.Month]int64
	tick    int64
	// held counts the entries in memory by month (put, forget), so that
	// evict, called after every report, finds what to drop without
	// walking every entry.
	held        map[rollup.Month]int
	entryBudget int
	// unread are the cold months a flag needed and could not read.
	unread map[rollup.Month]bool
	// inFlight tells that a save is being written (evict).
	inFlight bool
}

// Prepare declares the months of the book's rollup saved with it
// (months.go), which answer every query while the book is read (Read,
// Open) if nothing was stored since the save; without saved months, it
// reads the monthly sums an earlier version saved, which answer whole
// months. It reads the saved state and at most one small collection: call
// it on the start path. Without either, every query waits for Open.
//
// Called again (the read of the book failed and is tried again), it checks
// that what it answers from is still the book's as it stands, and stops
// answering from it if not.
func (b *Book) Prepare(ctx context.Context) error {
	switch roll, exact, err := b.declareMonths(ctx); {
	case err != nil:
		return err
	case roll != nil:
		// The saved months are the rollup: with nothing stored since,
		// they answer every query, not only whole months', until Open.
		b.earlyMu.Lock()
		b.saved, b.savedAll = nil, false
		if exact && !b.isOpen {
			b.saved, b.savedAll = roll, true
		}
		b.earlyMu.Unlock()
		return nil
	}
	sums, err := b.store.ReadOutcomeSums(ctx)
	if err != nil || sums == nil {
		b.earlyMu.Lock()
		b.saved, b.savedAll = nil, false
		b.earlyMu.Unlock()
		return err
	}
	r := rollup.New()
	for _, s := range sums {
		first := rollup.FirstDay(s.Month)
		for _, u := range s.Units {
			for _, c := range u.Cells {
				r.AddTally(u.Unit, first, c.Dims, c.Tally)
			}
		}
	}
	b.earlyMu.Lock()
	if !b.isOpen {
		b.saved, b.savedAll = r, false
	}
	b.earlyMu.Unlock()
	return nil
}

// savedFor returns the saved sums if they answer a query of from..to with
// filter f exactly, nil if it must wait for Open.
func (b *Book) savedFor(from, to hailong.Date, f rollup.Filter) *rollup.Rollup {
	b.earlyMu.Lock()
	defer b.earlyMu.Unlock()
	if b.saved == nil || b.isOpen || len(b.early) > 0 || (!b.savedAll && !rollup.Summable(from, to, f)) {
		return nil
	}
	return b.saved
}

// New returns a book over store that holds nothing until Read and Open:
// the aggregator reads the stored outcomes in the background once
// serving, and whatever needs the book waits for Open.
func New(store Store) *Book {
	b := &Book{store: store, entries: map[string]*entry{}, byCode: map[string]*entry{}, unhappy: map[string]bool{},
		opened: make(chan struct{}), changed: map[string]string{}, fromLog: map[*entry]bool{},
		stored: map[rollup.Month]bool{}, cold: map[rollup.Month]int64{}, aliases: map[string]string{}, used: map[rollup.Month]int64{}, held: map[rollup.Month]int{},
		unread: map[rollup.Month]bool{}}
	b.roll = b.newRoll()
	return b
}

// wait returns once the book is open.
func (b *Book) wait() { <-b.opened }

// Opened is closed once the book is open.
func (b *Book) Opened() <-chan struct{} { return b.opened }

// Load reads the stored outcomes and flags into a new book.
func Load(ctx context.Context, store Store) (*Book, error) {
	b, err := Read(ctx, store)
	if err != nil {
		return nil, err
	}
	if err := b.Open(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Read reads the stored outcomes into a new book that counts none of them
// until Open. Reading takes long on the embedded database, and needs
// nothing else: it can go on while the rollups of ratings are loaded or
// rebuilt, which rewrites the flags Open reads.
func Read(ctx context.Context, store Store) (*Book, error) {
	b := New(store)
	if err := b.Read(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Read reads the stored outcomes into a book made by New, which counts
// none of them until Open. A failed read may be made again.
func (b *Book) Read(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.entries)
	clear(b.held)
	clear(b.byCode)
	clear(b.changed)
	clear(b.fromLog)
	clear(b.aliases)
	b.replaced = nil
	b.names = intern.Table{}
	b.seq = 0
	store := b.store
	var since []Record
	var savedSeq int64
	sh := newSharer()
	found, err := store.ReadOutcomes(ctx,
		// The saved book's entries share no code: they are put as they
		// are, as they come (a million of them are not worth a copy).
		func(r Record) {
			savedSeq = max(savedSeq, r.Seq)
			sh.share(&r.Outcome)
			b.put(b.newEntry(&r))
		},
		func(r Record) {
			sh.share(&r.Outcome)
			since = append(since, r)
		})
	if err != nil {
		return err
	}
	b.based, b.compact = found.Read, found.compactDue()
	b.declareEntries(found)
	if !found.Read {
		// No saved book was read (none, or one that could not be read
		// whole, and every log was read instead): sums saved with it are
		// not this book's.
		b.earlyMu.Lock()
		b.saved = nil
		b.earlyMu.Unlock()
	}
	b.seq = max(found.Seq, savedSeq)
	// In order of writing, so that where a merge's tombstone is missing (a
	// write cut short between the merged report and its tombstone) the
	// later report, which names both codes, still wins over the earlier
	// one that shares a code with it.
	slices.SortFunc(since, func(a, b Record) int { return cmp.Compare(a.Seq, b.Seq) })
	// What the saved months hold of an entry dropped here, Open takes
	// back (replaced); an entry of the log, it never counted.
	drop := func(e *entry) {
		b.drop(e)
		if b.fromLog[e] {
			delete(b.fromLog, e)
		} else {
			b.replaced = append(b.replaced, e)
		}
	}
	for _, r := range since {
		b.seq = max(b.seq, r.Seq)
		// The months of the entries it replaces, if saved by month.
		if err := b.need(ctx, r.Key); err != nil {
			return err
		}
		for _, c := range r.Outcome.Codes().Keys() {
			if err := b.need(ctx, c); err != nil {
				return err
			}
		}
		if old, ok := b.entries[r.Key]; ok {
			drop(old) // saved, superseded
		}
		b.touch(r.Key, r.MergedInto)
		if r.MergedInto != "" {
			continue
		}
		e := b.newEntry(&r)
		for _, c := range e.o.codes().Keys() {
			if old, ok := b.byCode[c]; ok {
				drop(old)
				b.touch(old.key, e.key)
			}
		}
		b.put(e)
		b.fromLog[e] = true
	}
	return nil
}

// Open reads the flags of dossiers rated not satisfied and counts the
// outcomes read: over the saved months, only what was stored after their
// save (countOver); else every one. Call it once, before the book is used.
func (b *Book) Open(ctx context.Context) error {
	err := b.open(ctx)
	if err != nil {
		// Counting may have begun: the next Read and Open start from an
		// empty rollup, its saved months declared again.
		b.monthsMu.Lock()
		b.mu.Lock()
		b.roll, b.segmented, b.monthsRead = b.newRoll(), false, false
		b.mu.Unlock()
		b.monthsMu.Unlock()
		b.earlyMu.Lock()
		b.saved, b.savedAll = nil, false
		b.earlyMu.Unlock()
	}
	return err
}

// open is Open.
func (b *Book) open(ctx context.Context) error {
	// Without Prepare (a book loaded whole), the saved months are asked
	// for here.
	b.monthsMu.Lock()
	declared := b.monthsRead
	b.monthsMu.Unlock()
	if !declared {
		if _, _, err := b.declareMonths(ctx); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	saved := map[string]bool{}
	var since []string
	held, err := b.store.ScanDossierFlags(ctx, func(d string) {
		d = hailong.NormalizeDossierCode(d)
		saved[d], b.unhappy[d] = true, true
	}, func(d string) {
		d = hailong.NormalizeDossierCode(d)
		since, b.unhappy[d] = append(since, d), true
	})
	if err != nil {
		return err
	}
	if b.segmented && held && b.based {
		if err := b.countOver(ctx, saved, since); err != nil {
			return err
		}
	} else {
		if b.segmented {
			// Saved months no longer the book's (a rebuild replaced the
			// flags they were counted with, or the saved book could not be
			// read): counted again from the entries.
			b.roll, b.segmented = b.newRoll(), false
		}
		// Every entry, as the flags make it now: those saved by month
		// were counted with the months passed over.
		if err := b.needAll(ctx); err != nil {
			return err
		}
		for _, e := range b.entries {
			e.counted, e.bad = false, false
		}
		b.countAll(maps.Values(b.entries))
	}
	clear(b.fromLog)
	b.replaced = nil
	// What the ingest path flagged while the book was read.
	b.earlyMu.Lock()
	b.isOpen = true
	early := b.early
	b.early, b.saved, b.savedAll = nil, nil, false
	b.earlyMu.Unlock()
	b.markUnhappy(early)
	close(b.opened)
	b.evict()
	return nil
}

// SetFields tells the book the field of each procedure (code to field
// name), for queries by field.
func (b *Book) SetFields(fieldOf map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fields = fieldOf
	b.roll.SetFields(fieldOf)
}

// Dossiers returns how many dossiers the book holds.
func (b *Book) Dossiers() int {
	b.wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.heldDossiers()
}

// Report stores outcome reports and answers for each. allowed decides
// whether the reporter may report for a unit. An error means nothing can be
// said of the batch; sending it again is safe.
func (b *Book) Report(ctx context.Context, reports []hailong.Outcome, allowed func(unit string) bool) ([]Result, error) {
	select {
	case <-b.opened:
	case <-ctx.Done():
		return nil, fmt.Errorf("the outcome book is still being read: %w", ctx.Err())
	}
	b.write.Lock()
	defer b.write.Unlock()
	results := make([]Result, len(reports))
	var (
		put   []Record
		at    = map[string]int{}    // key → index in put, the last record wins
		batch = map[string]string{} // normalised code → key, of reports earlier in the batch
	)
	// pending returns the codes and unit a key has, earlier in the batch or
	// in the book.
	pending := func(key string) (hailong.DossierCodes, string, bool) {
		if j, ok := at[key]; ok && put[j].MergedInto == "" {
			return put[j].Outcome.Codes(), put[j].Outcome.Unit, true
		}
		if e, ok := b.entries[key]; ok {
			return e.o.codes(), b.names.String(e.o.unit), true
		}
		return hailong.DossierCodes{}, "", false
	}
	write := func(r Record) {
		if j, ok := at[r.Key]; ok {
			put[j] = r
			return
		}
		at[r.Key] = len(put)
		put = append(put, r)
	}
	b.mu.Lock()
	// Months a flag could not read: tried again, and again later if
	// they still cannot be.
	_ = b.readUnread(ctx)
	for i := range reports {
		o := reports[i]
		results[i].Dossier = o.Code()
		// The months of the dossiers its codes name, if cold; they stay
		// until the report is counted (evict needs b.write).
		for _, c := range o.Codes().Keys() {
			if err := b.need(ctx, c); err != nil {
				b.mu.Unlock()
				return nil, err
			}
		}
		key, merged, err := b.check(&o, batch, pending, allowed)
		if err != nil {
			results[i].Status, results[i].Reason = Rejected, Reason(err)
			continue
		}
		// A dossier's codes are who it is, not what became of it: a report
		// that leaves one out (a DongBoHoSoMC record has only the national
		// one) keeps the one known.
		known, _, _ := pending(key)
		if o.Dossier == "" {
			o.Dossier = known.Local
		}
		if o.NationalDossier == "" {
			o.NationalDossier = known.National
		}
		for _, c := range o.Codes().Keys() {
			batch[c] = key
		}
		j, inBatch := at[key]
		switch e, ok := b.entries[key]; {
		case !ok && inBatch && merged == "" && put[j].MergedInto == "" && put[j].Outcome.Digest() == o.Digest():
			results[i].Status = Unchanged // as reported earlier in the batch
			continue
		case !ok && inBatch:
			results[i].Status = Updated // reported earlier in the batch
		case !ok:
			results[i].Status = Created
		case merged == "" && b.same(&e.o, &o):
			results[i].Status = Unchanged
			if !inBatch {
				continue // nothing to write: software that resends whole exports costs nothing
			}
		default:
			results[i].Status = Updated
		}
		if merged != "" {
			// The tombstone goes after the report: a write cut short
			// between them leaves the report naming both codes, which
			// Read prefers to the one it supersedes.
			results[i].Reason = "Merged with the dossier reported before under " + merged + "."
		}
		write(Record{Key: key, Outcome: o, Digest: o.Digest()})
		if merged != "" {
			write(Record{Key: merged, MergedInto: key})
		}
	}
	b.mu.Unlock()
	if len(put) == 0 {
		return results, nil
	}
	// Sequences in the order of put, tombstones after the reports they
	// follow.
	slices.SortStableFunc(put, func(x, y Record) int {
		return cmp.Compare(boolInt(x.MergedInto != ""), boolInt(y.MergedInto != ""))
	})
	for i := range put {
		b.seq = max(b.seq+1, time.Now().UnixNano())
		put[i].Seq = b.seq
	}
	if err := b.store.PutOutcomes(ctx, put); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range put {
		e, ok := b.entries[r.Key]
		if r.MergedInto != "" {
			if ok {
				b.uncount(e)
				b.drop(e)
				b.touch(r.Key, r.MergedInto)
			}
			continue
		}
		if ok && b.same(&e.o, &r.Outcome) {
			continue
		}
		if ok {
			b.uncount(e)
			b.drop(e)
		}
		e = b.newEntry(&r)
		b.put(e)
		b.touch(r.Key, "")
		b.count(e)
	}
	b.evict()
	return results, nil
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// Reason writes why a report was rejected: the error's message and one
// sentence per field.
func Reason(err error) string {
	reason := hailong.ErrorMessage(err)
	for _, f := range hailong.ErrorFields(err) {
		reason += " " + f.Field + ": " + f.Message + "."
	}
	return reason
}

// check validates a report and finds the key of its dossier: the key of
// the dossier either of its codes already names, in the book or earlier
// in the batch, or a new key. When its codes name two dossiers reported
// apart, each by one code alone, the report joins them: merged is the key
// that ends, key the one that stays. Codes that contradict what is known
// (a second local or national code for one dossier) are refused. pending
// tells the codes and unit a key has so far. b.mu is held.
func (b *Book) check(o *hailong.Outcome, batch map[string]string, pending func(key string) (hailong.DossierCodes, string, bool), allowed func(unit string) bool) (key, merged string, err error) {
	if err := o.Validate(); err != nil {
		return "", "", err
	}
	if !allowed(o.Unit) {
		return "", "", hailong.Invalid("The outcome is not this reporter's.", hailong.FieldError{Field: "unit", Message: fmt.Sprintf("%s is outside the units this reporter may report for", o.Unit)})
	}
	codes := o.Codes().Keys()
	var keys []string
	for _, c := range codes {
		k, ok := batch[c]
		if !ok {
			if e, found := b.byCode[c]; found {
				k, ok = e.key, true
			}
		}
		if ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	// Every code the report's dossier would have: what it says and what
	// the dossiers its codes name say.
	all := o.Codes()
	for _, k := range keys {
		known, unit, _ := pending(k)
		if !allowed(unit) {
			return "", "", hailong.Invalid("The dossier is not this reporter's.", hailong.FieldError{Field: "dossier", Message: fmt.Sprintf("%s was reported for a unit outside the units this reporter may report for", o.Code())})
		}
		// A dossier's codes never change: a report giving a known dossier
		// another local or national code than it has is refused, not
		// taken as a correction, for the code it would drop could still
		// be reported (a DongBoHoSoMC record names only the national one)
		// and would then count the dossier twice.
		for _, pair := range []struct {
			field      string
			have, more *string
		}{{"dossier", &all.Local, &known.Local}, {"national_dossier", &all.National, &known.National}} {
			have, more := pair.have, *pair.more
			switch {
			case more == "":
			case *have == "":
				*have = more
			case hailong.NormalizeDossierCode(*have) == hailong.NormalizeDossierCode(more):
			case len(keys) == 1:
				return "", "", hailong.Invalid("The dossier's codes contradict what is known of it.", hailong.FieldError{Field: pair.field,
					Message: fmt.Sprintf("the dossier %s is known with %s, not %s; a dossier's codes do not change", k, more, *have)})
			default:
				return "", "", hailong.Invalid("The dossier's codes name two dossiers.", hailong.FieldError{Field: "national_dossier",
					Message: fmt.Sprintf("%s and %s were reported as two dossiers with other codes (%s); report each under its own codes", o.Code(), more, *have)})
			}
		}
	}
	switch len(keys) {
	case 0:
		return codes[0], "", nil
	case 1:
		return keys[0], "", nil
	default:
		return keys[0], keys[1], nil
	}
}

// put adds an entry to the maps; b.mu is held (or the book is not shared
// yet).
//
// The key is one of the codes, normalised: the entry keeps that code's
// string as its key, so that the key, the maps and the outcome (whose
// codes are mostly normal already: NormalizeDossierCode then returns them
// as they are) hold one copy of it, not four (about 100 MB at a million
// dossiers).
func (b *Book) put(e *entry) {
	for _, c := range e.o.codes().Keys() {
		if c == e.key {
			e.key = c
		} else if codeMonth(c) != e.month {
			b.aliases[c] = e.key
		}
		b.byCode[c] = e
	}
	if _, ok := b.entries[e.key]; !ok {
		b.held[e.month]++
	}
	b.entries[e.key] = e
}

// drop takes an entry out of the maps, its aliases with it; b.mu is held.
func (b *Book) drop(e *entry) {
	b.forget(e)
	for _, c := range e.o.codes().Keys() {
		if b.aliases[c] == e.key {
			delete(b.aliases, c)
		}
	}
}

// forget takes an entry out of memory, its aliases kept: it is in a month
// saved, read again when one of its codes is named (evict); b.mu is held.
func (b *Book) forget(e *entry) {
	if b.entries[e.key] == e {
		delete(b.entries, e.key)
		b.held[e.month]--
	}
	for _, c := range e.o.codes().Keys() {
		if b.byCode[c] == e {
			delete(b.byCode, c)
		}
	}
}

// Codes returns both codes of the dossier that code names, by either of
// them, as the latest report gave them; ok is false when no report names
// it, or when its month of the book cannot be read.
func (b *Book) Codes(code string) (codes hailong.DossierCodes, ok bool) {
	b.wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	code = hailong.NormalizeDossierCode(code)
	ctx, cancel := context.WithTimeout(context.Background(), flagReadTimeout)
	defer cancel()
	if err := b.need(ctx, code); err != nil {
		return hailong.DossierCodes{}, false
	}
	e, ok := b.byCode[code]
	if !ok {
		return hailong.DossierCodes{}, false
	}
	return e.o.codes(), true
}

// MarkUnhappy records dossiers a citizen rated not satisfied, by the code
// the rating carries, whichever of the dossier's codes it is: their
// outcomes become "bad" for Decision 766.
func (b *Book) MarkUnhappy(dossiers []string) {
	b.earlyMu.Lock()
	if !b.isOpen {
		b.early = append(b.early, dossiers...)
		b.earlyMu.Unlock()
		return
	}
	b.earlyMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.markUnhappy(dossiers)
}

// markUnhappy is MarkUnhappy with b.mu held.
func (b *Book) markUnhappy(dossiers []string) {
	for _, d := range dossiers {
		d = hailong.NormalizeDossierCode(d)
		if b.unhappy[d] {
			continue
		}
		b.unhappy[d] = true
		// A cold month is read to count its dossier bad now, as the
		// measures must say; if it cannot be, the flag is held and counted
		// when the month is read (loadMonth): by the next report or save,
		// not by the next flag, which would hold the ingest path again.
		if b.unread[b.monthFor(d)] {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), flagReadTimeout)
		err := b.need(ctx, d)
		cancel()
		if err != nil {
			b.unread[b.monthFor(d)] = true
			continue
		}
		if e, ok := b.byCode[d]; ok {
			b.recountFlagged(e)
		}
	}
}

// recountFlagged counts again, bad, an entry counted good whose dossier a
// flag now names, and marks it changed, so that its month is saved again
// as it is counted; b.mu is held.
func (b *Book) recountFlagged(e *entry) {
	if !e.counted || e.bad || !badWith(e, b.unhappy) {
		return
	}
	b.uncount(e)
	b.count(e)
	b.touch(e.key, "")
}

// flagReadTimeout bounds the read of a cold month a flag or a lookup
// needs, which holds the book, and the ingest path that flags, meanwhile
// (a month of 23,000 dossiers reads in 0.1–0.16 s at 10M ratings).
const flagReadTimeout = 2 * time.Second

// countAll counts entries in order of return: a unit's cells then join
// the ends of its date-ordered index lists, where in the map's order each
// went before those of later days, moving them (most of a start's
// counting at 800,000 dossiers). b.mu is held.
func (b *Book) countAll(entries iter.Seq[*entry]) {
	type returned struct {
		day hailong.Date
		e   *entry
	}
	var es []returned
	for e := range entries {
		if e.o.isReturned {
			es = append(es, returned{e.o.returned, e})
		}
	}
	slices.SortFunc(es, func(x, y returned) int { return cmp.Compare(x.day, y.day) })
	for _, r := range es {
		b.count(r.e)
	}
}

// badWith reports whether an entry's dossier counts bad for Decision 766
// with the flags given: overdue, complained about, or rated not satisfied
// by either code.
func badWith(e *entry, flags map[string]bool) bool {
	if (e.o.isReturned && e.o.returned > e.o.due) || e.o.complaints > 0 {
		return true
	}
	for _, c := range e.o.codes().Keys() {
		if flags[c] {
			return true
		}
	}
	return false
}

// count adds an entry's contribution to the rollup; b.mu is held.
func (b *Book) count(e *entry) {
	if !e.o.isReturned {
		return // in progress: counts nothing
	}
	o := b.outcome(&e.o)
	bad := badWith(e, b.unhappy)
	dims, t := contribution(&o, bad)
	e.counted, e.bad = true, bad
	b.roll.AddTally(o.Unit, e.o.returned, dims, rollup.Tally{Out: &t})
}

// uncount takes an entry's contribution back; b.mu is held.
func (b *Book) uncount(e *entry) {
	if !e.counted {
		return
	}
	o := b.outcome(&e.o)
	dims, c := contribution(&o, e.bad) // counted: returned
	neg := c.Negated()
	b.roll.AddTally(o.Unit, e.o.returned, dims, rollup.Tally{Out: &neg})
	e.counted, e.bad = false, false
}

// Query sums the outcomes of the given units over a period. Channel and
// questionnaire filters do not apply to outcomes.
func (b *Book) Query(units []string, from, to hailong.Date, f rollup.Filter) rollup.Outcomes {
	f.Channel, f.Questionnaire = "", ""
	roll := b.savedFor(from, to, f)
	if roll == nil {
		b.wait()
		roll = b.roll
	}
	return roll.Query(units, from, to, f).Outcomes
}

// Breakdown sums outcomes as rollup.Rollup.Breakdown sums ratings: for the
// units, for groups of them and for each month of the period.
func (b *Book) Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (all rollup.Outcomes, groups, months []rollup.Outcomes) {
	f.Channel, f.Questionnaire = "", ""
	roll := b.savedFor(from, to, f)
	if roll == nil {
		b.wait()
		roll = b.roll
	}
	a, gs, ms := roll.Breakdown(units, group, from, to, f)
	for _, g := range gs {
		groups = append(groups, g.Outcomes)
	}
	for _, m := range ms {
		months = append(months, m.Outcomes)
	}
	return a.Outcomes, groups, months
}

// Discard is a Store that keeps nothing: a book over it lives in memory
// only, for generated provinces and tests.
var Discard Store = discard{}

type discard struct{}

func (discard) PutOutcomes(context.Context, []Record) error { return nil }
func (discard) ReadOutcomes(context.Context, func(Record), func(Record)) (SavedBook, error) {
	return SavedBook{}, nil
}
func (discard) ScanDossierFlags(context.Context, func(string), func(string)) (bool, error) {
	return false, nil
}
func (discard) SaveOutcomes(_ context.Context, _ Snapshot, begun func()) error {
	begun()
	return nil
}
func (discard) ReadOutcomeSums(context.Context) ([]rollup.Summary, error) { return nil, nil }
func (discard) ReadOutcomeMonths(context.Context) (SavedMonths, error)    { return SavedMonths{}, nil }
func (discard) LoadOutcomeMonth(_ context.Context, m rollup.Month) ([]rollup.Day, error) {
	return nil, fmt.Errorf("no saved month %s", m)
}
func (discard) LoadOutcomeSummary(_ context.Context, m rollup.Month) (rollup.Summary, error) {
	return rollup.Summary{}, fmt.Errorf("no saved month %s", m)
}
func (discard) LoadOutcomeEntries(_ context.Context, m rollup.Month) ([]SavedEntry, error) {
	return nil, fmt.Errorf("no saved month %s", m)
}
