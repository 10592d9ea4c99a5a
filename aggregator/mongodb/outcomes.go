package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/outcomes"
)

// outcomeLog and flagLog are where this process writes (outcomes_saved.go).
func (d *DB) outcomeLog() *mongo.Collection {
	return d.db.Collection(d.outcomeLogs.own(&d.outcomeLogs.log, outcomeLogPrefix))
}

func (d *DB) flagLog() *mongo.Collection {
	return d.db.Collection(d.outcomeLogs.own(&d.outcomeLogs.flagLog, flagLogPrefix))
}

// outcomeDoc is one report of a dossier's outcome. Reports are kept as an
// append-only log, each under its own id, and the latest per dossier
// counts: replacing a dossier's document in place would be a filtered
// write, which scans the whole collection on FerretDB. The log also shows
// how a dossier's reports changed.
type outcomeDoc struct {
	ID string `bson:"_id"` // key "#" sequence
	// Dossier is the dossier's key (outcomes.Book): the first code it was
	// reported by. Before dossiers had two codes it was the only one.
	Dossier   string         `bson:"dossier"`
	Seq       int64          `bson:"seq"`
	Local     string         `bson:"local,omitempty"`
	National  string         `bson:"national,omitempty"`
	Unit      string         `bson:"unit"`
	Agency    string         `bson:"agency,omitempty"`
	Via       string         `bson:"via,omitempty"`
	Procedure string         `bson:"procedure,omitempty"`
	Official  string         `bson:"official,omitempty"`
	Counter   string         `bson:"counter,omitempty"`
	Received  hailong.Date   `bson:"received"`
	Due       hailong.Date   `bson:"due"`
	Returned  *hailong.Date  `bson:"returned,omitempty"`
	Complaint int            `bson:"complaints"`
	Indices   map[string]int `bson:"indices,omitempty"`
	Digest    []byte         `bson:"digest"`
	Updated   time.Time      `bson:"updated"`
	// MergedInto marks a tombstone: the key's dossier is that key's
	// (outcomes.Record).
	MergedInto string `bson:"merged_into,omitempty"`
}

// PutOutcomes appends outcome records, in order, each under its dossier's
// key; each supersedes the key's records of lower sequence, which the
// caller assigns in increasing order.
func (d *DB) PutOutcomes(ctx context.Context, recs []outcomes.Record) error {
	now := time.Now().UTC()
	for start := 0; start < len(recs); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(recs))
		docs := make([]any, 0, end-start)
		for _, r := range recs[start:end] {
			o := r.Outcome
			doc := outcomeDoc{ID: fmt.Sprintf("%s#%d", r.Key, r.Seq), Dossier: r.Key, Seq: r.Seq, MergedInto: r.MergedInto, Updated: now}
			if r.MergedInto == "" {
				doc.Local, doc.National, doc.Unit, doc.Agency, doc.Via = o.Dossier, o.NationalDossier, o.Unit, o.Agency, o.Via
				doc.Procedure, doc.Official, doc.Counter = o.Procedure, o.Official, o.Counter
				doc.Received, doc.Due, doc.Returned, doc.Complaint, doc.Indices = o.Received, o.Due, o.Returned, o.Complaints, o.Indices
				doc.Digest = r.Digest[:]
			}
			docs = append(docs, doc)
		}
		// Ordered: a merge's tombstone is never stored without the report
		// before it.
		if _, err := d.outcomeLog().InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("save outcomes: %w", err)
		}
	}
	return nil
}

// record is the outcome record a document holds.
func (doc *outcomeDoc) record() outcomes.Record {
	r := outcomes.Record{Key: doc.Dossier, Seq: doc.Seq, MergedInto: doc.MergedInto}
	if doc.MergedInto != "" {
		return r
	}
	copy(r.Digest[:], doc.Digest)
	local := doc.Local
	if local == "" && doc.National == "" {
		local = doc.Dossier // a report from before dossiers had two codes
	}
	r.Outcome = hailong.Outcome{Dossier: local, NationalDossier: doc.National,
		Unit: doc.Unit, Agency: doc.Agency, Via: doc.Via,
		Procedure: doc.Procedure, Official: doc.Official, Counter: doc.Counter,
		Received: doc.Received, Due: doc.Due, Returned: doc.Returned, Complaints: doc.Complaint, Indices: doc.Indices}
	return r
}

// AddDossierFlags records dossiers that a rating called not satisfied.
// Flags are derived from raw ratings; a flag already there is fine.
func (d *DB) AddDossierFlags(ctx context.Context, dossiers []string) error {
	if len(dossiers) == 0 {
		return nil
	}
	docs := make([]any, len(dossiers))
	for i, id := range dossiers {
		docs[i] = bson.D{{Key: "_id", Value: id}}
	}
	d.outcomeLogs.writing.RLock() // not set aside by a save meanwhile (rotate)
	_, err := d.flagLog().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	d.outcomeLogs.writing.RUnlock()
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return fmt.Errorf("add dossier flags: %w", err)
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("add dossier flags: %w", err)
	}
	return nil
}

// clearSavedFlags writes a new version of the saved book's state without
// its flags, even with no book saved yet: a save begun before this (by a
// process that lost its lease) must not bring the old flags back. A save
// that took the version first wins it: read again, and try the next. A
// claim still standing (a save under way, or one left by a process
// stopped between its claim and its state, just before the rebuild) is
// waited for, the state read again every claimPoll, until the claim ends
// (claimHold and claimSkew after it was made, at most).
func (d *DB) clearSavedFlags(ctx context.Context) error {
	deadline := time.Now().Add(2 * (claimHold + claimSkew))
	for moved := 0; ; {
		var st outcomesSaved
		if _, err := d.getMeta(ctx, outcomesSavedID, &st); err != nil {
			return err
		}
		st.ID = outcomesSavedID
		// The months and sums were counted with the flags replaced.
		st.Flags, st.FlagRuns, st.FlagCount, st.FlagLogs = "", 0, 0, nil
		st.Months, st.Untold, st.Sums = nil, nil, ""
		st.Version++
		err := d.writeStateOver(ctx, st)
		if held := (*claimHeldError)(nil); errors.As(err, &held) && time.Now().Before(deadline) {
			if err := sleepFor(ctx, min(claimPoll, time.Until(held.until))); err != nil {
				return fmt.Errorf("%w: %w", held, err)
			}
			continue
		}
		if errors.Is(err, errSavedMoved) && moved < 5 {
			moved++
			continue
		}
		if err == nil {
			d.outcomeLogs.saw(st.Version, nil, nil)
		}
		return err
	}
}

// claimPoll is how often a rebuild reads the state again while a claim
// stands in its way: the claim's state is usually written within it.
const claimPoll = 100 * time.Millisecond

// sleepFor returns after d, or with ctx's error if ctx ends first.
func sleepFor(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReplaceDossierFlags replaces every flag, for a rebuild: the saved book's
// flags stand no more, every flag collection is dropped (rather than its
// documents deleted: FerretDB deletes by listing every id in one SQL
// statement, which fails past SQLite's limit), and the flags are written
// into this process's log.
func (d *DB) ReplaceDossierFlags(ctx context.Context, dossiers []string) error {
	if err := d.clearSavedFlags(ctx); err != nil {
		return fmt.Errorf("clear dossier flags: %w", err)
	}
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("clear dossier flags: %w", err)
	}
	for _, n := range names {
		if isFlagLog(n) || strings.HasPrefix(n, flagSavedPrefix) {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("clear dossier flags: %w", err)
			}
		}
	}
	for start := 0; start < len(dossiers); start += maxInsertBatch {
		if err := d.AddDossierFlags(ctx, dossiers[start:min(start+maxInsertBatch, len(dossiers))]); err != nil {
			return err
		}
	}
	return nil
}
