package mongodb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// The outcome book (outcomes.Book) is read whole at every start: its log
// of reports and the flags of dossiers rated not satisfied grow with
// history, and on FerretDB a read costs about 0.1 ms a document (83,000
// outcomes took 12 s at a million ratings). So a clean stop saves the book
// (SaveOutcomes) as runs of records, gob-encoded a few thousand to a
// document, and a start reads that and only the records and flags stored
// after it.
//
// A save of the whole book grows with history too (17 s for 832,463
// dossiers), so a stop saves only the records changed since the last
// save, each such save in a collection of its own (a delta) that the state
// lists after the whole save it is laid over; a start lays them over it by
// key. The book is saved whole again in the background once the deltas
// grow (outcomes.Book.Compact).
//
// "After it" cannot be a filter (on FerretDB a filtered find scans its
// collection), so each process writes its records and flags into logs of
// its own, collections named for when it first wrote (outcomes_log_<ns>,
// dossier_flags_log_<ns>). The saved book's state (meta outcomesSavedID)
// names the logs it holds: a start reads the saved book and every log it
// does not name, each whole. The logs of the collections "outcomes" and
// "dossier_flags", where every process wrote before, are read the same
// way. Logs are never dropped (the reports are the one-stop software's,
// kept as they came), except the flags' at a rebuild (ReplaceDossierFlags),
// which are derived from the ratings.
//
// Going back to a version before the saved book is not supported: it would
// write into "outcomes" and "dossier_flags", which a saved book holds, so
// the newer version would not read what it wrote. (Telling such writes by
// the collections' counts was tried: a count of "outcomes" scans it on
// FerretDB, 7 s at a million ratings, which is what the save took away.)
const (
	outcomeLogPrefix   = "outcomes_log_"
	outcomeSavedPrefix = "outcomes_saved_"
	outcomeSumsPrefix  = "outcomes_sums_"
	// outcomeMonthPrefix and outcomeMonthSumPrefix name a month of the
	// book's rollup and its summary: outcomes_month_<YYYYMM>_<unix ns>_<random>.
	outcomeMonthPrefix    = "outcomes_month_"
	outcomeMonthSumPrefix = "outcomes_monthsum_"
	// outcomeEntriesPrefix names a month of the book's entries, when the
	// book is saved by month (outcomes_entries_<YYYYMM>_<unix ns>_<random>),
	// and outcomeAliasesPrefix the codes held apart from their entries'
	// months.
	outcomeEntriesPrefix = "outcomes_entries_"
	outcomeAliasesPrefix = "outcomes_aliases_"
	flagLogPrefix        = "dossier_flags_log_"
	flagSavedPrefix      = "dossier_flags_saved_"
	// legacyOutcomeLog and legacyFlagLog are where every process wrote
	// before logs were per process.
	legacyOutcomeLog = "outcomes"
	legacyFlagLog    = "dossier_flags"
	outcomesSavedID  = "outcomes_saved"
)

// savedRun bounds one document of a saved book: records (or flags) are
// gob-encoded together in one binary field, which FerretDB stores as one
// string, for the reason a rollup segment's days are (runDoc).
const (
	savedRunRecords = 2048
	savedRunFlags   = 16384
	savedReadBatch  = 16
)

// outcomesSaved is the state of the saved book.
type outcomesSaved struct {
	ID string `bson:"_id"`
	// Format is savedFormat when the runs were written; a state of
	// another names a book passed over (every log read).
	Format int `bson:"format"`
	// Version counts the writes of the state. A save replaces the state
	// only at the version its process last saw, so that a process that
	// lost its lease (paused past it) cannot overwrite the new owner's.
	Version int64 `bson:"version"`
	// Records names the collection of the records of the last whole save,
	// written in RecordRuns documents holding RecordCount records; Deltas,
	// the saves of changes since, in order; Logs, the logs whose records
	// they hold.
	//
	// In format 3 the last whole save is named by Whole, and Records is
	// left empty: a process of a version before deltas that rewrites the
	// state (a rebuild's clearSavedFlags) keeps the fields it knows and
	// drops Whole and Deltas, which leaves a state the next start passes
	// over (every log read), never a whole save read without its deltas.
	// savedState and replaceSaved move the name between the two.
	Records     string      `bson:"records"`
	Whole       string      `bson:"whole,omitempty"`
	RecordRuns  int         `bson:"record_runs"`
	RecordCount int         `bson:"record_count"`
	Deltas      []savedPart `bson:"deltas,omitempty"`
	Logs        []string    `bson:"logs"`
	Seq         int64       `bson:"seq"`
	// Flags names the collection of the saved flags, empty once a rebuild
	// replaced the flags (which are then all in logs); FlagLogs, the
	// flag logs it holds.
	Flags     string    `bson:"flags,omitempty"`
	FlagRuns  int       `bson:"flag_runs,omitempty"`
	FlagCount int       `bson:"flag_count,omitempty"`
	FlagLogs  []string  `bson:"flag_logs,omitempty"`
	Saved     time.Time `bson:"saved"`
	// Sums names the collection of the book's monthly sums as saved
	// (ReadOutcomeSums), SumRuns documents of SumCount months; empty if
	// they were not saved.
	Sums     string `bson:"sums,omitempty"`
	SumRuns  int    `bson:"sum_runs,omitempty"`
	SumCount int    `bson:"sum_count,omitempty"`
	// Months name the months of the book's rollup as saved
	// (outcomes.Snapshot.Months), each written as a rollup segment and its
	// summary are, counted with the saved flags but Untold: flags of this
	// process's logs the book had not been told of when it was saved,
	// which a start counts as flagged since. The months are the book's
	// while its records and flags stand: a rebuild's clearSavedFlags
	// drops them, and a version before them, which does not know the
	// field, leaves them out when it writes the state.
	Months []savedMonth `bson:"months,omitempty"`
	Untold []string     `bson:"untold,omitempty"`
	// Entries name the months of the book's entries, in a state of
	// byMonthFormat, which names no Records: the book is saved by month
	// (outcomes.SavedEntry). Aliases names the collection of the codes
	// held apart (outcomes.Alias), AliasRuns documents of AliasCount; a
	// state of that format without it (rewritten by a version that does
	// not know the fields) holds no book.
	Entries    []savedEntries `bson:"entries,omitempty"`
	Aliases    string         `bson:"aliases,omitempty"`
	AliasRuns  int            `bson:"alias_runs,omitempty"`
	AliasCount int            `bson:"alias_count,omitempty"`
}

// savedEntries names the collection of one month of the book's entries,
// Runs documents holding Count entries.
type savedEntries struct {
	Month int32  `bson:"month"`
	Name  string `bson:"name"`
	Runs  int    `bson:"runs"`
	Count int    `bson:"count"`
}

func (e savedEntries) part() savedPart { return savedPart{e.Name, e.Runs, e.Count} }

// holdsBook reports whether st names a saved book: its records, or its
// months of entries.
func (st *outcomesSaved) holdsBook() bool {
	return st.Records != "" || (st.Format == byMonthFormat && st.Aliases != "")
}

// savedMonth names the collections of one month of the book's rollup, and
// how many dossiers its days count: a month read back must count as many
// (rollup.Rollup.SetCold), so that a collection dropped under a running
// process (FerretDB reads it as empty) is not taken for an empty month.
type savedMonth struct {
	Month    int32  `bson:"month"`
	Days     string `bson:"days"`
	Summary  string `bson:"summary"`
	Dossiers *int64 `bson:"dossiers"`
}

// savedPart names one save of changes: a collection of Runs documents
// holding Count records, tombstones for the keys gone.
type savedPart struct {
	Name  string `bson:"name"`
	Runs  int    `bson:"runs"`
	Count int    `bson:"count"`
}

// sumsPerRun is how many months of the book's sums one document holds.
const sumsPerRun = 12

// savedFormat is the shape of the saved book: 3, runs of savedRecord and
// the deltas laid over them. A state of format 2 has no deltas, and is
// read alike; a process of a version that knows only 2 passes a state of
// 3 over, reading every log, rather than miss the deltas. (1 held
// outcomes.Record, and lost a return on day 0.)
const (
	savedFormat   = 3
	noDeltaFormat = 2
	// byMonthFormat: the book saved by month (Entries), which a version
	// that knows only 3 passes over.
	byMonthFormat = 4
)

// savedRecord is a record as a saved run holds it. gob leaves out a
// pointer to a zero value, so a dossier returned on day 0 (1 January 1970,
// which a report may say) would read back as in progress: its return day
// travels apart.
type savedRecord struct {
	Record      outcomes.Record
	Returned    hailong.Date
	HasReturned bool
	// Bad is what a month of entries holds: whether the save counted it
	// bad (outcomes.SavedEntry).
	Bad bool
}

// wireRecord returns a record as a saved run holds it.
func wireRecord(r outcomes.Record, bad bool) savedRecord {
	w := savedRecord{Record: r, Bad: bad}
	if r.Outcome.Returned != nil {
		w.Returned, w.HasReturned = *r.Outcome.Returned, true
	}
	return w
}

// record returns the record a saved run held.
func (r *savedRecord) record() outcomes.Record {
	if r.HasReturned {
		// A day of its own: a pointer into the saved value would keep
		// all of it (its strings, its map of scores) for as long as the
		// book holds the outcome.
		day := r.Returned
		r.Record.Outcome.Returned = &day
	}
	return r.Record
}

// savedDoc is one run of a saved book.
type savedDoc struct {
	ID  int    `bson:"_id"`
	Run []byte `bson:"run"`
}

// outcomeLogs is what this process read of the book's storage and where it
// writes.
type outcomeLogs struct {
	mu sync.Mutex
	// log and flagLog name this process's logs, chosen at the first write
	// after the process opened the database or saved the book; empty
	// before.
	log, flagLog string
	// read and flagsRead name the logs a saved book would hold besides
	// this process's own: those read; nil until read.
	read, flagsRead []string
	// version is the highest version of the state this process saw.
	version int64
	// whole and deltas are the saved book this process read or last
	// saved, which a save of changes is laid over; whole.Name is empty if
	// none.
	whole  savedPart
	deltas []savedPart
	// flagLogs name this process's flag logs set aside by a save
	// (rotate) that has not yet succeeded: each save reads them for flags
	// the book was not told of.
	flagLogs []string
	// untold are the flags its last save held that the book had not been
	// told of: the next save holds them again until the book is.
	untold []string
	// months name the saved months of the book's rollup this process read
	// (ReadOutcomeMonths, the first time) or last saved: what it loads.
	months map[rollup.Month]savedMonth
	// entries name the months of the book's entries this process read
	// (ReadOutcomes) or last saved, nil if the book is not saved by month.
	entries map[rollup.Month]savedEntries
	// broken are the months of entries that could not be read whole
	// (passOver): while there are some, no save lays months over those
	// entries, and they are not read again.
	broken map[rollup.Month]bool
	// writing is held (read) by a write into this process's flag log
	// from naming it to its end, and by rotate: a flag the ingest path
	// writes while the book is saved in the background lands either in a
	// log the save reads or in one it does not hold, never in a log set
	// aside after the save read it.
	writing sync.RWMutex
}

// savePoint is what a save holds: the logs whose records and flags the
// book holds, this process's flag logs set aside (read for flags the book
// was not told of), the version of the state it replaces and the saved
// book a save of changes is laid over.
type savePoint struct {
	read, flagsRead, ownFlags []string
	version                   int64
	whole                     savedPart
	deltas                    []savedPart
	months                    map[rollup.Month]savedMonth
	entries                   map[rollup.Month]savedEntries
	lost                      bool // a month of those entries is broken
	untold                    []string
}

// rotate sets this process's logs aside for a save, so that what is
// stored from now on goes into new ones, which the save does not hold. The
// logs set aside are counted read: the book holds their records, and a
// later save holds them if this one fails. ok is false if the book was not
// read in this process.
func (l *outcomeLogs) rotate() (p savePoint, ok bool) {
	l.writing.Lock()
	defer l.writing.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.read == nil || l.flagsRead == nil {
		return savePoint{}, false
	}
	if l.log != "" {
		l.read = append(slices.Clip(l.read), l.log)
		l.log = ""
	}
	if l.flagLog != "" {
		l.flagsRead = append(slices.Clip(l.flagsRead), l.flagLog)
		l.flagLogs = append(l.flagLogs, l.flagLog)
		l.flagLog = ""
	}
	return savePoint{read: slices.Clone(l.read), flagsRead: slices.Clone(l.flagsRead), ownFlags: slices.Clone(l.flagLogs),
		version: l.version, whole: l.whole, deltas: slices.Clone(l.deltas), months: maps.Clone(l.months), entries: maps.Clone(l.entries), lost: len(l.broken) > 0, untold: slices.Clone(l.untold)}, true
}

// logName names a new collection of a kind: the time, and a random part
// against two processes (or a clock set back) picking the same instant.
func logName(prefix string) string {
	return fmt.Sprintf("%s%d_%s", prefix, time.Now().UnixNano(), strings.ToLower(rand.Text()[:8]))
}

// own returns the name of one of this process's logs (l.log or
// l.flagLog), naming it at the first call.
func (l *outcomeLogs) own(log *string, prefix string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *log == "" {
		*log = logName(prefix)
	}
	return *log
}

// saw notes what a read of the state found: its version and, if into is
// not nil, the logs read (into l.read or l.flagsRead).
func (l *outcomeLogs) saw(version int64, into *[]string, read []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version = max(l.version, version)
	if into != nil {
		*into = read
	}
}

func isOutcomeLog(name string) bool {
	return name == legacyOutcomeLog || strings.HasPrefix(name, outcomeLogPrefix)
}

func isFlagLog(name string) bool {
	return name == legacyFlagLog || strings.HasPrefix(name, flagLogPrefix)
}

// savedState reads the saved book's state and the names of every
// collection. A state naming a collection that is gone counts as none.
func (d *DB) savedState(ctx context.Context) (outcomesSaved, []string, error) {
	var st outcomesSaved
	if _, err := d.getMeta(ctx, outcomesSavedID, &st); err != nil {
		return outcomesSaved{}, nil, err
	}
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return outcomesSaved{}, nil, fmt.Errorf("list collections: %w", err)
	}
	switch st.Format {
	case savedFormat:
		st.Records, st.Whole = st.Whole, ""
	case noDeltaFormat:
		st.Deltas = nil
	case byMonthFormat:
		st.Records, st.Deltas = "", nil
	default:
		st.Records, st.Deltas, st.Logs, st.Flags, st.FlagLogs = "", nil, nil, "", nil
	}
	if st.Format != byMonthFormat {
		st.Entries, st.Aliases = nil, ""
	}
	gone := st.Records != "" && !slices.Contains(names, st.Records)
	for _, p := range st.Deltas {
		gone = gone || !slices.Contains(names, p.Name)
	}
	if st.Format == byMonthFormat {
		gone = st.Aliases == "" || !slices.Contains(names, st.Aliases)
		for _, e := range st.Entries {
			gone = gone || !slices.Contains(names, e.Name)
		}
	}
	if gone {
		st.Records, st.Deltas, st.Logs, st.Entries, st.Aliases = "", nil, nil, nil, ""
	}
	if st.Flags != "" && !slices.Contains(names, st.Flags) {
		st.Flags, st.FlagLogs = "", nil
	}
	return st, names, nil
}

// ReadOutcomes calls saved with the records of the book last saved (its
// last whole save with its deltas laid over it), and since with the latest
// record of every key in the logs it does not hold. A saved book that
// cannot be read whole is passed over: every log is read.
func (d *DB) ReadOutcomes(ctx context.Context, saved, since func(outcomes.Record)) (outcomes.SavedBook, error) {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return outcomes.SavedBook{}, err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	if st.Format == byMonthFormat && st.Aliases != "" {
		return d.readByMonth(ctx, st, names, since)
	}
	valid := func(r *savedRecord) bool {
		return r.Record.Key != "" && (r.Record.MergedInto != "" || r.Record.Outcome.Unit != "")
	}
	// The deltas first, small: the latest of each key, in the order saved.
	over := map[string]savedRecord{}
	changed := 0
	for _, p := range st.Deltas {
		recs, ok, err := readPart(ctx, d, p, valid)
		if err != nil {
			return outcomes.SavedBook{}, err
		}
		if !ok {
			st.Records = "" // the whole book is passed over
			break
		}
		for _, r := range recs {
			over[r.Record.Key] = r
		}
		changed += len(recs)
	}
	latest := map[string]outcomes.Record{}
	recs, read, ok, err := readSaved(ctx, d, savedPart{st.Records, st.RecordRuns, st.RecordCount}, valid, st.Logs, names, isOutcomeLog,
		func(n string) error { return d.scanOutcomeLog(ctx, n, latest) })
	if err != nil {
		return outcomes.SavedBook{}, err
	}
	found := outcomes.SavedBook{Read: true, Seq: st.Seq, Records: st.RecordCount, Changed: changed, Saves: len(st.Deltas)}
	if !ok {
		found, st = outcomes.SavedBook{}, outcomesSaved{}
		clear(over) // every log is read instead
	}
	d.outcomeLogs.saw(st.Version, &d.outcomeLogs.read, read)
	d.outcomeLogs.mu.Lock()
	d.outcomeLogs.whole, d.outcomeLogs.deltas = savedPart{st.Records, st.RecordRuns, st.RecordCount}, st.Deltas
	d.outcomeLogs.entries = nil
	d.outcomeLogs.mu.Unlock()
	put := func(r *savedRecord) { saved(r.record()) }
	for i := range recs {
		if _, ok := over[recs[i].Record.Key]; !ok {
			put(&recs[i])
		}
	}
	for _, r := range over {
		if r.Record.MergedInto == "" {
			put(&r)
		}
	}
	for _, r := range latest {
		since(r)
	}
	return found, nil
}

// readByMonth is ReadOutcomes of a book saved by month: it reads its
// aliases and the logs the state does not hold, none of its entries,
// whose months it names (LoadOutcomeEntries). Aliases that cannot be read
// whole pass the saved book over: every log is read. A month is checked
// when first read, not here: on FerretDB even a count reads a collection's
// documents (5.6 s for the 60 months at 10M ratings); savedState checks
// that each is there.
func (d *DB) readByMonth(ctx context.Context, st outcomesSaved, names []string, since func(outcomes.Record)) (outcomes.SavedBook, error) {
	latest := map[string]outcomes.Record{}
	aliases, read, ok, err := readSaved(ctx, d, savedPart{st.Aliases, st.AliasRuns, st.AliasCount},
		func(a *outcomes.Alias) bool { return a.Code != "" && a.Key != "" }, st.Logs, names, isOutcomeLog,
		func(n string) error { return d.scanOutcomeLog(ctx, n, latest) })
	if err != nil {
		return outcomes.SavedBook{}, err
	}
	var found outcomes.SavedBook
	var entries map[rollup.Month]savedEntries
	if ok {
		found = outcomes.SavedBook{Read: true, Seq: st.Seq, Months: make(map[rollup.Month]int64, len(st.Entries)), Aliases: aliases}
		entries = make(map[rollup.Month]savedEntries, len(st.Entries))
		for _, e := range st.Entries {
			found.Months[rollup.Month(e.Month)], entries[rollup.Month(e.Month)] = int64(e.Count), e
		}
	} else {
		st = outcomesSaved{}
	}
	l := &d.outcomeLogs
	l.saw(st.Version, &l.read, read)
	l.mu.Lock()
	l.whole, l.deltas, l.entries = savedPart{}, nil, entries
	l.mu.Unlock()
	for _, r := range latest {
		since(r)
	}
	return found, nil
}

// LoadOutcomeEntries reads a month of the book's entries saved by month,
// which must hold as many as the save wrote: a collection dropped under a
// running process reads as empty on FerretDB, and must not be taken for a
// month with no dossier.
func (d *DB) LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]outcomes.SavedEntry, error) {
	d.outcomeLogs.mu.Lock()
	e, ok := d.outcomeLogs.entries[m]
	broken := d.outcomeLogs.broken[m]
	d.outcomeLogs.mu.Unlock()
	switch {
	case !ok:
		return nil, fmt.Errorf("no saved month %s of the outcome book's entries", m)
	case broken:
		// Read and found damaged once: not read again until a start.
		return nil, fmt.Errorf("month %s of the outcome book's entries (%s) cannot be read whole; the next start reads every log", m, e.Name)
	}
	recs, ok, err := readPart(ctx, d, e.part(), func(r *savedRecord) bool {
		return r.Record.Key != "" && r.Record.MergedInto == "" && r.Record.Outcome.Unit != ""
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		// Damaged (a read that failed is err, above): the next start
		// reads every log instead.
		perr := d.passOver(ctx, m)
		return nil, errors.Join(fmt.Errorf("month %s of the outcome book's entries (%s) cannot be read whole; the next start reads every log", m, e.Name), perr)
	}
	out := make([]outcomes.SavedEntry, len(recs))
	for i := range recs {
		out[i] = outcomes.SavedEntry{Record: recs[i].record(), Bad: recs[i].Bad}
	}
	return out, nil
}

// passOver writes a new version of the saved book's state that names no
// book (its months of entries and of the rollup, its sums), so that the
// next start reads every log: a month of it cannot be read whole. Only
// while the state is still the one this process read or saved, within the
// fence: another owner's state is its own. This process saves no more
// months over it: its saves fail until a start reads the logs.
//
// The month is taken for lost (not read again, no save laid over it) only
// once the state is written: a write that fails (the fence, the database)
// is tried again at the next read of the month, or a retried start would
// find the month damaged for ever and never read the logs.
func (d *DB) passOver(ctx context.Context, m rollup.Month) error {
	ctx = context.WithoutCancel(ctx)
	l := &d.outcomeLogs
	l.mu.Lock()
	seen, was := l.version, len(l.broken) > 0
	l.mu.Unlock()
	lost := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.broken == nil {
			l.broken = map[rollup.Month]bool{}
		}
		l.broken[m] = true
	}
	if was {
		lost() // passed over already
		return nil
	}
	var st outcomesSaved
	if _, err := d.getMeta(ctx, outcomesSavedID, &st); err != nil {
		return fmt.Errorf("pass the saved outcome book over: %w", err)
	}
	if st.Version != seen || st.Format != byMonthFormat {
		// Another process wrote the state since (this one lost its
		// lease), or it holds no book by month any more: not this
		// process's to write; a read of the state again finds what it is.
		return nil
	}
	st.Entries, st.Aliases, st.AliasRuns, st.AliasCount = nil, "", 0, 0
	st.Months, st.Untold, st.Sums = nil, nil, ""
	st.Version++
	if err := d.writeStateOver(ctx, st); err != nil {
		return fmt.Errorf("pass the saved outcome book over: %w", err)
	}
	l.saw(st.Version, nil, nil)
	lost()
	return nil
}

// ReadOutcomeSums returns the monthly sums saved with the book if they
// are still the book's: the saved records and flags stand, and every log
// of reports and of flags is one the saved book holds (none was written
// since: after a crash, or by a rebuild of the flags, there are). nil
// otherwise, or if they cannot be read whole.
func (d *DB) ReadOutcomeSums(ctx context.Context) ([]rollup.Summary, error) {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return nil, err
	}
	if st.Sums == "" || !st.holdsBook() || st.Flags == "" || !slices.Contains(names, st.Sums) || !holdsEveryLog(st, names) { // savedState checked the deltas
		return nil, nil
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	sums, ok, err := readPart(ctx, d, savedPart{st.Sums, st.SumRuns, st.SumCount}, func(s *rollup.Summary) bool { return s.Month != 0 || len(s.Units) > 0 })
	if err != nil || !ok {
		return nil, err
	}
	return sums, nil
}

// ReadOutcomeMonths returns the months of the book's rollup the saved
// state names, if they are still the book's: its records and flags stand,
// and every month's collections are there. Exact tells that every log of
// reports and of flags is one the saved book holds, and that the save held
// no flag the book had not been told of. The first call in a
// process sets the months it loads (LoadOutcomeMonth); its saves set them
// after.
func (d *DB) ReadOutcomeMonths(ctx context.Context) (outcomes.SavedMonths, error) {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return outcomes.SavedMonths{}, err
	}
	if len(st.Months) == 0 || !st.holdsBook() || st.Flags == "" {
		return outcomes.SavedMonths{}, nil
	}
	months := make(map[rollup.Month]savedMonth, len(st.Months))
	counts := make(map[rollup.Month]int64, len(st.Months))
	for _, m := range st.Months {
		if !slices.Contains(names, m.Days) || !slices.Contains(names, m.Summary) || m.Dossiers == nil {
			return outcomes.SavedMonths{}, nil
		}
		months[rollup.Month(m.Month)], counts[rollup.Month(m.Month)] = m, *m.Dossiers
	}
	// A flag the book had not been told of is saved and not counted in
	// the months: Open counts it.
	exact := len(st.Untold) == 0 && holdsEveryLog(st, names)
	l := &d.outcomeLogs
	l.mu.Lock()
	if l.months == nil {
		l.months = months
	}
	l.mu.Unlock()
	return outcomes.SavedMonths{Months: counts, Exact: exact}, nil
}

// holdsEveryLog reports whether the saved state st holds every log of
// reports and of flags among names: nothing was stored after the save.
func holdsEveryLog(st outcomesSaved, names []string) bool {
	for _, n := range names {
		if (isOutcomeLog(n) && !slices.Contains(st.Logs, n)) || (isFlagLog(n) && !slices.Contains(st.FlagLogs, n)) {
			return false
		}
	}
	return true
}

// savedMonth returns the collections of month m as this process knows
// them.
func (d *DB) savedMonth(m rollup.Month) (savedMonth, error) {
	d.outcomeLogs.mu.Lock()
	defer d.outcomeLogs.mu.Unlock()
	sm, ok := d.outcomeLogs.months[m]
	if !ok {
		return savedMonth{}, fmt.Errorf("no saved month %s of the outcome book", m)
	}
	return sm, nil
}

// LoadOutcomeMonth reads the days of a saved month of the book's rollup.
func (d *DB) LoadOutcomeMonth(ctx context.Context, m rollup.Month) ([]rollup.Day, error) {
	sm, err := d.savedMonth(m)
	if err != nil {
		return nil, err
	}
	var days []rollup.Day
	if err := d.loadDays(ctx, sm.Days, func(day rollup.Day) { days = append(days, day) }); err != nil {
		return nil, err
	}
	return days, nil
}

// LoadOutcomeSummary reads the summary of a saved month of the book's
// rollup.
func (d *DB) LoadOutcomeSummary(ctx context.Context, m rollup.Month) (rollup.Summary, error) {
	sm, err := d.savedMonth(m)
	if err != nil {
		return rollup.Summary{}, err
	}
	s, err := d.loadSummary(ctx, sm.Summary)
	if err == nil && s.Month != m {
		err = fmt.Errorf("the summary of month %s of the outcome book is of %s", m, s.Month)
	}
	return s, err
}

// maxPresized bounds the room made at once for a saved collection's
// values, in case its state's count is wrong.
const maxPresized = 1 << 24

// readSaved reads the saved collection p (none if p.Name is empty) with
// readPart and then, with scan, every log among names that held does not
// name. A saved collection that cannot be read whole is passed over: ok is
// false, and every log is read. read names the logs the values hold,
// never nil.
func readSaved[T any](ctx context.Context, d *DB, p savedPart, valid func(*T) bool, held, names []string, isLog func(string) bool, scan func(string) error) (vals []T, read []string, ok bool, err error) {
	if vals, ok, err = readPart(ctx, d, p, valid); err != nil {
		return nil, nil, false, err
	}
	if !ok {
		vals, held = nil, nil
	}
	read = append([]string{}, held...)
	for _, n := range names {
		if !isLog(n) || slices.Contains(held, n) {
			continue
		}
		if err := scan(n); err != nil {
			return nil, nil, false, err
		}
		read = append(read, n)
	}
	return vals, read, ok, nil
}

// readPart reads the runs of a saved collection, which must be p.Runs
// documents 0 to p.Runs−1 holding p.Count valid values. ok is false if p
// names none or what it holds is not that; err if ctx ended or the
// connection failed the read (readFailed), which a later read may not.
func readPart[T any](ctx context.Context, d *DB, p savedPart, valid func(*T) bool) (vals []T, ok bool, err error) {
	if p.Name == "" {
		return nil, false, nil
	}
	seen := make([]bool, max(p.Runs, 0))
	// Made to the count at once: a million values grown by appending
	// were copied over and over (most of the saved book's read).
	vals = make([]T, 0, min(max(p.Count, 0), maxPresized))
	err = readRuns(ctx, d, p.Name, func(id int, run []byte) ([]T, error) {
		var vs []T
		if err := decodeRun(run, &vs); err != nil {
			return nil, err
		}
		// gob takes a run of another shape for one of zero values
		// when no field's name matches: never trusted.
		for i := range vs {
			if !valid(&vs[i]) {
				return nil, fmt.Errorf("run %d holds a value that is not one", id)
			}
		}
		return vs, nil
	}, func(id int, vs []T) error {
		if id < 0 || id >= p.Runs || seen[id] {
			return fmt.Errorf("run %d of %d", id, p.Runs)
		}
		seen[id] = true
		vals = append(vals, vs...)
		return nil
	})
	if err != nil && (ctx.Err() != nil || errors.As(err, &readFailed{})) {
		return nil, false, err
	}
	// On FerretDB a find on a collection dropped meanwhile is empty,
	// not an error: the counts tell a whole book.
	if err != nil || len(vals) != p.Count || slices.Contains(seen, false) {
		return nil, false, nil
	}
	return vals, true, nil
}

// scanOutcomeLog reads a log whole into latest, the latest record of each
// key.
func (d *DB) scanOutcomeLog(ctx context.Context, name string, latest map[string]outcomes.Record) error {
	return eachDoc(ctx, d.db.Collection(name), 2000, func(doc *outcomeDoc) error {
		if l, ok := latest[doc.Dossier]; !ok || l.Seq <= doc.Seq {
			latest[doc.Dossier] = doc.record()
		}
		return nil
	})
}

// ScanDossierFlags calls saved with every flag saved with the book but
// those it had not been told of (outcomesSaved.Untold), if the flags were
// not replaced since, and since with those and every flag in the logs it
// does not hold. Saved flags that cannot be read whole are passed over:
// every log is read, and held is false.
func (d *DB) ScanDossierFlags(ctx context.Context, saved, since func(string)) (held bool, err error) {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return false, err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	var logged []string
	flags, read, ok, err := readSaved(ctx, d, savedPart{st.Flags, st.FlagRuns, st.FlagCount}, func(f *string) bool { return *f != "" }, st.FlagLogs, names, isFlagLog,
		func(n string) error { return d.scanFlagLog(ctx, n, func(id string) { logged = append(logged, id) }) })
	if err != nil {
		return false, err
	}
	d.outcomeLogs.saw(st.Version, &d.outcomeLogs.flagsRead, read)
	untold := make(map[string]bool, len(st.Untold))
	for _, f := range st.Untold {
		untold[f] = true
	}
	for _, f := range flags {
		if untold[f] {
			since(f)
		} else {
			saved(f)
		}
	}
	for _, f := range logged {
		since(f)
	}
	return ok, nil
}

func (d *DB) scanFlagLog(ctx context.Context, name string, fn func(string)) error {
	return eachDoc(ctx, d.db.Collection(name), 5000, func(doc *struct {
		ID string `bson:"_id"`
	}) error {
		fn(doc.ID)
		return nil
	})
}

// runDecoders is how many runs of a saved book are decoded side by side.
const runDecoders = 2

// readRuns decodes every run of a saved book's collection and hands each
// to collect, one at a time, in no set order (the decoders may finish out
// of order; the saved runs are of records of distinct keys, or of flags). The runs are decoded by
// runDecoders goroutines while the next are read: on the embedded
// database reading and decoding each took about half of a read run after
// run, and a start has two cores for it.
func readRuns[T any](ctx context.Context, d *DB, name string, decode func(id int, run []byte) ([]T, error), collect func(id int, vs []T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type decoded struct {
		id  int
		vs  []T
		err error
	}
	docs := make(chan savedDoc, runDecoders)
	out := make(chan decoded, runDecoders)
	var wg sync.WaitGroup
	for range runDecoders {
		wg.Go(func() {
			for doc := range docs {
				vs, err := decode(doc.ID, doc.Run)
				select {
				case out <- decoded{doc.ID, vs, err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(docs)
		readErr <- eachDoc(ctx, d.db.Collection(name), savedReadBatch, func(doc *savedDoc) error {
			select {
			case docs <- *doc:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	go func() {
		wg.Wait()
		close(out)
	}()
	var err error
	for r := range out {
		if err != nil {
			continue // drained, so that the decoders end
		}
		if r.err == nil {
			r.err = collect(r.id, r.vs)
		}
		if r.err != nil {
			err = fmt.Errorf("decode %s run %d: %w", name, r.id, r.err)
			cancel()
		}
	}
	if rerr := <-readErr; err == nil && rerr != nil {
		err = rerr
		// A network error or a timeout may pass; an error the server
		// answered (a table it cannot read) is taken for damage, as a
		// document that does not decode is, and the saved book passed
		// over, rather than a start tried again for ever.
		if mongo.IsNetworkError(rerr) || mongo.IsTimeout(rerr) {
			err = readFailed{rerr}
		}
	}
	return err
}

// readFailed is an error of the connection in a read of saved runs (not
// of what they hold): the read may be made again; what was saved is not
// found damaged.
type readFailed struct{ err error }

func (e readFailed) Error() string { return e.err.Error() }
func (e readFailed) Unwrap() error { return e.err }

// errSavedMoved answers a save whose process no longer saw the latest
// state: another process wrote it since (this one lost its lease).
var errSavedMoved = errors.New("the saved outcome book was written by another process since this one read it")

// SaveOutcomes saves the book: its records (all of them, or only those
// changed, into a delta over the whole save this process read or saved)
// and flags, each into a new collection, then the state naming them and
// the logs they hold (those this process read, and its own, which it sets
// aside before calling begun), then drops the saved collections the state
// no longer names. A crash between leaves the state before, which names
// what it did. The flags of this process's logs are saved whether or not
// the book was told of them. The state is replaced only at the version
// this process last saw (errSavedMoved).
func (d *DB) SaveOutcomes(ctx context.Context, s outcomes.Snapshot, begun func()) (err error) {
	l := &d.outcomeLogs
	at, ok := l.rotate()
	begun()
	if !ok {
		return fmt.Errorf("save outcomes: the book was not read in this process")
	}
	byMonth := s.EntriesSave != outcomes.MonthsNone
	switch {
	case byMonth && s.EntriesSave == outcomes.MonthsChanged && (at.entries == nil || at.lost):
		return fmt.Errorf("save outcomes: no book saved by month to lay the changed months over (or one of its months is lost)")
	case !byMonth && !s.Whole && at.whole.Name == "":
		return fmt.Errorf("save outcomes: no saved book to lay the changes over")
	}
	st := outcomesSaved{ID: outcomesSavedID, Format: savedFormat, Version: at.version + 1,
		Flags: logName(flagSavedPrefix), Logs: at.read, FlagLogs: at.flagsRead,
		Seq: s.Seq, Saved: time.Now().UTC()}
	flags, sums := s.Flags, s.Sums
	// A flag is written before the book is told of it: one written and
	// not told is saved all the same.
	set := make(map[string]bool, len(flags))
	for _, f := range flags {
		set[f] = true
	}
	untold := func(id string) {
		if id = hailong.NormalizeDossierCode(id); !set[id] {
			set[id] = true
			flags = append(flags, id)
			sums = nil // they do not count this flag
			st.Untold = append(st.Untold, id)
		}
	}
	// Those the last save held untold, whose logs it held: still untold,
	// they are in no log this save reads.
	for _, id := range at.untold {
		untold(id)
	}
	for _, own := range at.ownFlags {
		if err = d.scanFlagLog(ctx, own, untold); err != nil {
			return err
		}
	}
	wire := make([]savedRecord, len(s.Records))
	for i, r := range s.Records {
		wire[i] = wireRecord(r, false)
	}
	var written []string // collections to drop if the state is not written
	defer func() {
		if err == nil {
			return
		}
		// Not named by any state: dropped here, or by the next save.
		for _, n := range written {
			d.db.Collection(n).Drop(context.WithoutCancel(ctx))
		}
	}()
	switch {
	case byMonth:
		st.Format = byMonthFormat
		if st.Entries, err = d.saveEntries(ctx, s, at.entries, &written); err != nil {
			return err
		}
		st.Aliases, st.AliasCount = logName(outcomeAliasesPrefix), len(s.Aliases)
		written = append(written, st.Aliases)
		if st.AliasRuns, err = writeRuns(ctx, d, st.Aliases, s.Aliases, savedRunFlags); err != nil {
			return err
		}
	case s.Whole:
		st.Records = logName(outcomeSavedPrefix)
		written = append(written, st.Records)
		if st.RecordRuns, err = writeRuns(ctx, d, st.Records, wire, savedRunRecords); err != nil {
			return err
		}
		st.RecordCount = len(wire)
	default:
		st.Records, st.RecordRuns, st.RecordCount = at.whole.Name, at.whole.Runs, at.whole.Count
		st.Deltas = at.deltas
		// Nothing changed, nothing laid over: idle stops add no
		// collection for the next start to read.
		if len(wire) > 0 {
			p := savedPart{Name: logName(outcomeSavedPrefix), Count: len(wire)}
			written = append(written, p.Name)
			if p.Runs, err = writeRuns(ctx, d, p.Name, wire, savedRunRecords); err != nil {
				return err
			}
			st.Deltas = append(st.Deltas, p)
		}
	}
	written = append(written, st.Flags)
	if st.FlagRuns, err = writeRuns(ctx, d, st.Flags, flags, savedRunFlags); err != nil {
		return err
	}
	st.FlagCount = len(flags)
	if st.Months, err = d.saveMonths(ctx, s, at.months, &written); err != nil {
		return err
	}
	if sums != nil {
		st.Sums, st.SumCount = logName(outcomeSumsPrefix), len(sums)
		written = append(written, st.Sums)
		if st.SumRuns, err = writeRuns(ctx, d, st.Sums, sums, sumsPerRun); err != nil {
			return err
		}
	}
	// From the claim on, not cut short by the caller (a stop cancelling
	// the background whole save): a claim without its state would stand
	// in the way of the next save, and a state written must be reported
	// so. (The fence still bounds the claim and the state.)
	ctx = context.WithoutCancel(ctx)
	err = d.claimVersion(ctx, st.Version, func(ctx context.Context) error {
		return d.replaceSaved(ctx, at.version, st)
	})
	if err != nil {
		return fmt.Errorf("save outcomes: %w", err)
	}
	l.mu.Lock()
	l.version = max(l.version, st.Version)
	l.whole, l.deltas = savedPart{st.Records, st.RecordRuns, st.RecordCount}, st.Deltas
	l.entries = nil
	if byMonth {
		// Every month written anew: none lost in what this save names.
		if s.EntriesSave == outcomes.MonthsAll {
			l.broken = nil
		}
		l.entries = make(map[rollup.Month]savedEntries, len(st.Entries))
		for _, e := range st.Entries {
			l.entries[rollup.Month(e.Month)] = e
		}
	}
	l.flagLogs = slices.DeleteFunc(l.flagLogs, func(n string) bool { return slices.Contains(at.ownFlags, n) })
	l.months = make(map[rollup.Month]savedMonth, len(st.Months))
	for _, m := range st.Months {
		l.months[rollup.Month(m.Month)] = m
	}
	l.untold = st.Untold
	l.mu.Unlock()
	written = nil // the state names them
	return d.dropUnnamed(ctx, st)
}

// dropUnnamed drops the saved collections the state st does not name: those
// of the saves before, and what a save cut short left. Only while st is the
// state and this process owns the book (the fence): a process paused past
// its lease after writing st must not drop what the new owner has saved
// since, whose months it reads when it needs them. Left undone, the next
// save drops them.
func (d *DB) dropUnnamed(ctx context.Context, st outcomesSaved) error {
	if fence := d.outcomesFence; fence != nil {
		fctx, cancel, err := fence(ctx)
		if err != nil {
			return nil
		}
		defer cancel()
		ctx = fctx
	}
	var now outcomesSaved
	if _, err := d.getMeta(ctx, outcomesSavedID, &now); err != nil || now.Version != st.Version {
		return nil
	}
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	named := []string{st.Records, st.Flags, st.Sums, st.Aliases}
	for _, p := range st.Deltas {
		named = append(named, p.Name)
	}
	for _, e := range st.Entries {
		named = append(named, e.Name)
	}
	for _, m := range st.Months {
		named = append(named, m.Days, m.Summary)
	}
	for _, n := range names {
		saved := strings.HasPrefix(n, outcomeSavedPrefix) || strings.HasPrefix(n, flagSavedPrefix) || strings.HasPrefix(n, outcomeSumsPrefix) ||
			strings.HasPrefix(n, outcomeMonthPrefix) || strings.HasPrefix(n, outcomeMonthSumPrefix) ||
			strings.HasPrefix(n, outcomeEntriesPrefix) || strings.HasPrefix(n, outcomeAliasesPrefix)
		if saved && !slices.Contains(named, n) {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}

// saveMonths writes the months of the book's rollup a snapshot holds, each
// its days and its summary in collections of their own, adding their names
// to written, and returns the months the state names: those written laid
// over the months saved before (MonthsChanged), or only those written
// (MonthsAll), a month left with no day named by none.
func (d *DB) saveMonths(ctx context.Context, s outcomes.Snapshot, before map[rollup.Month]savedMonth, written *[]string) ([]savedMonth, error) {
	switch s.MonthsSave {
	case outcomes.MonthsNone:
		return nil, nil
	case outcomes.MonthsChanged:
		if before == nil {
			return nil, fmt.Errorf("save outcomes: no saved months to lay the changed ones over")
		}
	}
	return layMonths(before, s.MonthsSave == outcomes.MonthsAll, s.Months,
		func(md outcomes.MonthDays) (rollup.Month, bool) { return md.Month, len(md.Days) == 0 },
		func(md outcomes.MonthDays) (savedMonth, error) {
			name := logName(outcomeMonthPrefix + md.Month.String() + "_")
			var dossiers int64
			for _, d := range md.Days {
				for _, c := range d.Cells {
					if c.Out != nil {
						dossiers += c.Out.Dossiers
					}
				}
			}
			sm := savedMonth{Month: int32(md.Month), Days: name, Summary: strings.Replace(name, outcomeMonthPrefix, outcomeMonthSumPrefix, 1),
				Dossiers: &dossiers}
			*written = append(*written, sm.Days, sm.Summary)
			if err := d.writeDays(ctx, sm.Days, md.Days); err != nil {
				return sm, fmt.Errorf("save outcomes: month %s: %w", md.Month, err)
			}
			if err := d.writeSummary(ctx, sm.Summary, md.Summary); err != nil {
				return sm, fmt.Errorf("save outcomes: month %s: %w", md.Month, err)
			}
			return sm, nil
		})
}

// layMonths writes each month of a save that holds anything (write), and
// returns the months a state names, in order: those written laid over
// those saved before, or only those written if all; a month left with
// nothing (of tells) is named by none.
func layMonths[T, S any](before map[rollup.Month]S, all bool, months []T, of func(T) (m rollup.Month, empty bool), write func(T) (S, error)) ([]S, error) {
	laid := map[rollup.Month]S{}
	if !all {
		maps.Copy(laid, before)
	}
	for _, v := range months {
		m, empty := of(v)
		if empty {
			delete(laid, m)
			continue
		}
		saved, err := write(v)
		if err != nil {
			return nil, err
		}
		laid[m] = saved
	}
	out := make([]S, 0, len(laid))
	for _, m := range slices.Sorted(maps.Keys(laid)) {
		out = append(out, laid[m])
	}
	return out, nil
}

// saveEntries writes the months of the book's entries a snapshot holds,
// each into a collection of its own, adding their names to written, and
// returns the months the state names: those written laid over the months
// saved before (MonthsChanged), or only those written (MonthsAll), a month
// left with no dossier named by none.
func (d *DB) saveEntries(ctx context.Context, s outcomes.Snapshot, before map[rollup.Month]savedEntries, written *[]string) ([]savedEntries, error) {
	return layMonths(before, s.EntriesSave == outcomes.MonthsAll, s.Entries,
		func(me outcomes.MonthEntries) (rollup.Month, bool) { return me.Month, len(me.Entries) == 0 },
		func(me outcomes.MonthEntries) (savedEntries, error) {
			e := savedEntries{Month: int32(me.Month), Count: len(me.Entries), Name: logName(outcomeEntriesPrefix + me.Month.String() + "_")}
			*written = append(*written, e.Name)
			wire := make([]savedRecord, len(me.Entries))
			for i, se := range me.Entries {
				wire[i] = wireRecord(se.Record, se.Bad)
			}
			var err error
			if e.Runs, err = writeRuns(ctx, d, e.Name, wire, savedRunRecords); err != nil {
				return e, fmt.Errorf("save outcomes: month %s of entries: %w", me.Month, err)
			}
			return e, nil
		})
}

// replaceSaved writes the state st over the one at version (none for 0).
// Version 0 also matches a state written before states had versions.
func (d *DB) replaceSaved(ctx context.Context, version int64, st outcomesSaved) error {
	if st.Format == savedFormat {
		st.Whole, st.Records = st.Records, ""
	}
	return d.replaceStateAt(ctx, version, st)
}

// replaceStateAt writes the state st, as it stands, over the one at
// version (none for 0, or one written before states had versions).
// errSavedMoved if the state is at another version.
func (d *DB) replaceStateAt(ctx context.Context, version int64, st outcomesSaved) error {
	at := any(version)
	if version == 0 {
		at = bson.D{{Key: "$in", Value: bson.A{int64(0), nil}}}
	}
	_, err := d.meta().ReplaceOne(ctx, bson.D{{Key: "_id", Value: outcomesSavedID}, {Key: "version", Value: at}}, st, options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return errSavedMoved
	}
	return err
}

// writeStateOver writes st, read at version st.Version−1 and changed, as
// version st.Version: claimed (claimVersion), and only over the state it
// was read from. The claim alone would not do: a process paused between
// its read and its claim, while two others wrote that version and the
// next (which deletes the claims of the one before), would find no claim
// in its way and put the version back.
func (d *DB) writeStateOver(ctx context.Context, st outcomesSaved) error {
	return d.claimVersion(ctx, st.Version, func(ctx context.Context) error {
		return d.replaceStateAt(ctx, st.Version-1, st)
	})
}

// claimVersion takes version v of the state for this process, then calls
// write, within the fence (SetOutcomesFence) if set and within
// claimHold in any case. Inserting a document of one's own id is atomic
// on FerretDB, where the conditional replace of replaceSaved is a find
// and then a replace: two processes that saw the same version would both
// pass it. errSavedMoved if another process took v first: a
// *claimHeldError if that claim still stands, saying until when.
//
// A claim whose state was never written (its process paused past its
// lease or killed between the two, or its write failed) would stand in
// the way of every later write at v, the owner's and a rebuild's alike. A
// claim records when its process stops writing (the end of its fence, or
// claimHold on), and once that is claimSkew past with the state still at
// v−1, the next writer claims v again under the next id of v (claimID),
// never by deleting the claim, which on FerretDB is a find and then a
// delete, and could take a live claim away.
func (d *DB) claimVersion(ctx context.Context, v int64, write func(context.Context) error) error {
	if fence := d.outcomesFence; fence != nil {
		fctx, cancel, err := fence(ctx)
		if err != nil {
			return err
		}
		defer cancel()
		ctx = fctx
	}
	// Every claim ends, the rebuild's too (it has no fence): a rebuild
	// killed between its claim and its state stood in the way of every
	// later save for ever.
	ctx, cancel := context.WithTimeout(ctx, claimHold)
	defer cancel()
	until, _ := ctx.Deadline() // past it, this process writes nothing more
	for n := 0; ; n++ {
		id := claimID(v, n)
		_, err := d.meta().InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: time.Now().UTC()}, {Key: "until", Value: until.UTC()}})
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("claim version %d of the saved outcome book: %w", v, err)
		}
		ends, err := d.claimEnds(ctx, id, v)
		if err != nil {
			return err
		}
		if time.Now().Before(ends) {
			return &claimHeldError{version: v, until: ends}
		}
		// Ended: the next id. There is one for every write at v that
		// failed after its claim, and none is ever refused for ever.
	}
	if err := write(ctx); err != nil {
		return err
	}
	// The claims of the version before are spent: meta stays small (a
	// filtered delete scans it on FerretDB).
	d.meta().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: claimPattern(v - 1)}}}})
	return nil
}

// claimHold bounds how long a claim of the state stands: the claim and
// the state's write are given this long (the state is one small
// document), within the fence if there is one.
const claimHold = 30 * time.Second

// claimSkew is how far the clocks of two processes on one database may
// differ, for claimEnds: at least the lease's skew (lease.DefaultSkew).
const claimSkew = 5 * time.Second

// legacyClaimHold is how long a claim made before claims recorded their
// end stands: such a process wrote its state at once or not at all.
const legacyClaimHold = 10 * time.Minute

// claimHeldError answers a claim of version whose earlier claim still
// stands, until then: its process may still write its state.
type claimHeldError struct {
	version int64
	until   time.Time
}

func (e *claimHeldError) Error() string {
	return fmt.Sprintf("version %d of the saved outcome book is claimed by another process until %s", e.version, e.until.Format(time.RFC3339))
}

func (e *claimHeldError) Unwrap() error { return errSavedMoved }

// claimEnds returns when the claim id of version v stops standing in the
// way: claimSkew after its process stopped writing. errSavedMoved if the
// state is no longer at v−1 (the claim's state was written).
func (d *DB) claimEnds(ctx context.Context, id string, v int64) (time.Time, error) {
	var c struct {
		At    time.Time `bson:"at"`
		Until time.Time `bson:"until"`
	}
	if found, err := d.getMeta(ctx, id, &c); err != nil || !found {
		return time.Time{}, errSavedMoved // its state was written and the claim spent, or unreadable: read again
	}
	var st outcomesSaved
	if _, err := d.getMeta(ctx, outcomesSavedID, &st); err != nil || st.Version != v-1 {
		return time.Time{}, errSavedMoved
	}
	if c.Until.IsZero() {
		return c.At.Add(legacyClaimHold), nil
	}
	return c.Until.Add(claimSkew), nil
}

// claimID is the nth id version v may be claimed under: the next is
// taken when the one before was left by a process that can no longer
// write (claimEnds).
func claimID(v int64, n int) string {
	if n == 0 {
		return fmt.Sprintf("%s@%d", outcomesSavedID, v)
	}
	return fmt.Sprintf("%s@%d#%d", outcomesSavedID, v, n)
}

// claimPattern matches every id of claimID(v, n).
func claimPattern(v int64) string {
	return fmt.Sprintf("^%s@%d(#[0-9]+)?$", regexp.QuoteMeta(outcomesSavedID), v)
}

// SetOutcomesFence bounds the writes of the saved outcome book's state by
// fence (lease.Held.Context): a process that lost its lease writes none.
// The saved runs are written before, outside it, so that a long save does
// not run past the lease's deadline. Call it before the book is used.
func (d *DB) SetOutcomesFence(fence func(context.Context) (context.Context, context.CancelFunc, error)) {
	d.outcomesFence = fence
}

// writeRuns writes vs into a new collection, perRun to a document, and
// returns the documents written.
func writeRuns[T any](ctx context.Context, d *DB, name string, vs []T, perRun int) (int, error) {
	// A collection even for an empty book: the state names it.
	if err := d.db.CreateCollection(ctx, name); err != nil {
		return 0, fmt.Errorf("create %s: %w", name, err)
	}
	w := inserter{coll: d.db.Collection(name), batch: savedReadBatch}
	runs := 0
	for start := 0; start < len(vs); start += perRun {
		run, err := encodeRun(vs[start:min(start+perRun, len(vs))])
		if err != nil {
			return 0, fmt.Errorf("encode %s: %w", name, err)
		}
		if err := w.add(ctx, savedDoc{ID: runs, Run: run}); err != nil {
			return 0, err
		}
		runs++
	}
	return runs, w.flush(ctx)
}

// encodeRun gob-encodes values. (Deflating them too was tried: the book
// read no faster from FerretDB, and the start spent the CPU inflating.)
func encodeRun[T any](vs []T) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(vs); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeRun[T any](run []byte, vs *[]T) error {
	return gob.NewDecoder(bytes.NewReader(run)).Decode(vs)
}
