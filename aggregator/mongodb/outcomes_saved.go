package mongodb

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/aggregator/outcomes"
)

// The outcome book (outcomes.Book) is read whole at every start: its log
// of reports and the flags of dossiers rated not satisfied grow with
// history, and on FerretDB a read costs about 0.1 ms a document (83,000
// outcomes took 12 s at a million ratings). So a clean stop saves the book
// (SaveOutcomes) as runs of records, gob-encoded a few thousand to a
// document, and a start reads that and only the records and flags stored
// after it.
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
const (
	outcomeLogPrefix   = "outcomes_log_"
	outcomeSavedPrefix = "outcomes_saved_"
	flagLogPrefix      = "dossier_flags_log_"
	flagSavedPrefix    = "dossier_flags_saved_"
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
	// Records names the collection of the saved records; Logs, the logs
	// whose records it holds.
	Records string   `bson:"records"`
	Logs    []string `bson:"logs"`
	Seq     int64    `bson:"seq"`
	// Flags names the collection of the saved flags, empty once a rebuild
	// replaced the flags (which are then all in logs); FlagLogs, the
	// flag logs it holds.
	Flags    string   `bson:"flags,omitempty"`
	FlagLogs []string `bson:"flag_logs,omitempty"`
	Saved    time.Time
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
	// after the process opened the database or saved the book.
	log, flagLog string
	// read and flagsRead name the logs a saved book would hold: those
	// read, and this process's own; nil until read.
	read, flagsRead []string
}

func (l *outcomeLogs) logName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.log == "" {
		l.log = fmt.Sprintf("%s%d", outcomeLogPrefix, time.Now().UnixNano())
	}
	return l.log
}

func (l *outcomeLogs) flagLogName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.flagLog == "" {
		l.flagLog = fmt.Sprintf("%s%d", flagLogPrefix, time.Now().UnixNano())
	}
	return l.flagLog
}

func isOutcomeLog(name string) bool {
	return name == legacyOutcomeLog || strings.HasPrefix(name, outcomeLogPrefix)
}

func isFlagLog(name string) bool {
	return name == legacyFlagLog || strings.HasPrefix(name, flagLogPrefix)
}

// savedState reads the saved book's state and the names of every
// collection; a state naming a collection that is gone counts as none.
func (d *DB) savedState(ctx context.Context) (outcomesSaved, []string, error) {
	var st outcomesSaved
	if _, err := d.getMeta(ctx, outcomesSavedID, &st); err != nil {
		return outcomesSaved{}, nil, err
	}
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return outcomesSaved{}, nil, fmt.Errorf("list collections: %w", err)
	}
	if st.Records != "" && !slices.Contains(names, st.Records) {
		st.Records, st.Logs = "", nil
	}
	if st.Flags != "" && !slices.Contains(names, st.Flags) {
		st.Flags, st.FlagLogs = "", nil
	}
	return st, names, nil
}

// ReadOutcomes calls saved with the records of the book last saved, and
// since with the latest record of every key in the logs it does not hold.
// A saved book that cannot be read is passed over: every log is read.
func (d *DB) ReadOutcomes(ctx context.Context, saved, since func(outcomes.Record)) (int64, error) {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	latest := map[string]outcomes.Record{}
	recs, read, ok, err := readSaved[outcomes.Record](ctx, d, st.Records, st.Logs, names, isOutcomeLog,
		func(n string) error { return d.scanOutcomeLog(ctx, n, latest) })
	if err != nil {
		return 0, err
	}
	if !ok {
		st.Seq = 0
	}
	d.outcomeLogs.mu.Lock()
	d.outcomeLogs.read = read
	d.outcomeLogs.mu.Unlock()
	for _, r := range recs {
		saved(r)
	}
	for _, r := range latest {
		since(r)
	}
	return st.Seq, nil
}

// readSaved reads the runs of a saved collection (none if saved is empty)
// and then, with scan, every log among names that held does not name. A
// saved collection that cannot be read is passed over: ok is false, and
// every log is read. read names the logs the values hold, never nil.
func readSaved[T any](ctx context.Context, d *DB, saved string, held, names []string, isLog func(string) bool, scan func(string) error) (vals []T, read []string, ok bool, err error) {
	if saved != "" {
		err := d.readRuns(ctx, saved, func(run []byte) error {
			var vs []T
			if err := gob.NewDecoder(bytes.NewReader(run)).Decode(&vs); err != nil {
				return err
			}
			vals = append(vals, vs...)
			return nil
		})
		if err != nil && ctx.Err() != nil {
			return nil, nil, false, err
		}
		ok = err == nil
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

// scanOutcomeLog reads a log whole into latest, the latest record of each
// key.
func (d *DB) scanOutcomeLog(ctx context.Context, name string, latest map[string]outcomes.Record) error {
	cur, err := d.db.Collection(name).Find(ctx, bson.D{}, options.Find().SetBatchSize(2000))
	if err != nil {
		return fmt.Errorf("read outcomes %s: %w", name, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc outcomeDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode outcome: %w", err)
		}
		if l, ok := latest[doc.Dossier]; ok && l.Seq > doc.Seq {
			continue
		}
		latest[doc.Dossier] = doc.record()
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read outcomes %s: %w", name, err)
	}
	return nil
}

// ScanDossierFlags calls fn for every flag saved with the book, if the
// flags were not replaced since, and every flag in the logs it does not
// hold. Saved flags that cannot be read are passed over: every log is
// read.
func (d *DB) ScanDossierFlags(ctx context.Context, fn func(string)) error {
	st, names, err := d.savedState(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	var logged []string
	flags, read, _, err := readSaved[string](ctx, d, st.Flags, st.FlagLogs, names, isFlagLog,
		func(n string) error { return d.scanFlagLog(ctx, n, func(id string) { logged = append(logged, id) }) })
	if err != nil {
		return err
	}
	d.outcomeLogs.mu.Lock()
	d.outcomeLogs.flagsRead = read
	d.outcomeLogs.mu.Unlock()
	for _, f := range flags {
		fn(f)
	}
	for _, f := range logged {
		fn(f)
	}
	return nil
}

func (d *DB) scanFlagLog(ctx context.Context, name string, fn func(string)) error {
	cur, err := d.db.Collection(name).Find(ctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return fmt.Errorf("read dossier flags %s: %w", name, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode dossier flag: %w", err)
		}
		fn(doc.ID)
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read dossier flags %s: %w", name, err)
	}
	return nil
}

// readRuns calls fn with every run of a saved book's collection.
func (d *DB) readRuns(ctx context.Context, name string, fn func([]byte) error) error {
	cur, err := d.db.Collection(name).Find(ctx, bson.D{}, options.Find().SetBatchSize(savedReadBatch))
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc savedDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode %s: %w", name, err)
		}
		if err := fn(doc.Run); err != nil {
			return fmt.Errorf("decode %s run %d: %w", name, doc.ID, err)
		}
	}
	return cur.Err()
}

// SaveOutcomes saves the book: its records and flags, each into a new
// collection, then the state naming them and the logs they hold (those this
// process read and its own), then drops the saved books before. A crash
// between leaves the state before, which names what it did. Writes after a
// save go to new logs, not to the ones the save holds.
func (d *DB) SaveOutcomes(ctx context.Context, recs []outcomes.Record, seq int64, flags []string) error {
	l := &d.outcomeLogs
	l.mu.Lock()
	read, flagsRead := l.read, l.flagsRead
	l.mu.Unlock()
	if read == nil || flagsRead == nil {
		return fmt.Errorf("save outcomes: the book was not read in this process")
	}
	now := time.Now()
	st := outcomesSaved{ID: outcomesSavedID,
		Records: fmt.Sprintf("%s%d", outcomeSavedPrefix, now.UnixNano()),
		Flags:   fmt.Sprintf("%s%d", flagSavedPrefix, now.UnixNano()),
		Logs:    append(slices.Clone(read), l.logName()), FlagLogs: append(slices.Clone(flagsRead), l.flagLogName()),
		Seq: seq, Saved: now.UTC()}
	if err := writeRuns(ctx, d, st.Records, recs, savedRunRecords); err != nil {
		return err
	}
	if err := writeRuns(ctx, d, st.Flags, flags, savedRunFlags); err != nil {
		return err
	}
	if err := d.putMeta(ctx, outcomesSavedID, st); err != nil {
		return err
	}
	l.mu.Lock()
	l.log, l.flagLog, l.read, l.flagsRead = "", "", st.Logs, st.FlagLogs
	l.mu.Unlock()
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, n := range names {
		stale := (strings.HasPrefix(n, outcomeSavedPrefix) && n != st.Records) || (strings.HasPrefix(n, flagSavedPrefix) && n != st.Flags)
		if stale {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}

// writeRuns writes vs into a new collection, perRun to a document.
func writeRuns[T any](ctx context.Context, d *DB, name string, vs []T, perRun int) error {
	// A collection even for an empty book: the state names it.
	if err := d.db.CreateCollection(ctx, name); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	w := inserter{coll: d.db.Collection(name), batch: savedReadBatch}
	for i, start := 0, 0; start < len(vs); i, start = i+1, start+perRun {
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(vs[start:min(start+perRun, len(vs))]); err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if err := w.add(ctx, savedDoc{ID: i, Run: b.Bytes()}); err != nil {
			return err
		}
	}
	return w.flush(ctx)
}
