package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/outcomes"
)

func (d *DB) outcomes() *mongo.Collection { return d.db.Collection("outcomes") }
func (d *DB) flags() *mongo.Collection    { return d.db.Collection("dossier_flags") }

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
		if _, err := d.outcomes().InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("save outcomes: %w", err)
		}
	}
	return nil
}

// ScanOutcomes calls fn for the latest record of every dossier key.
func (d *DB) ScanOutcomes(ctx context.Context, fn func(outcomes.Record)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	byDossier := map[string]outcomes.Record{}
	cur, err := d.outcomes().Find(ctx, bson.D{}, options.Find().SetBatchSize(2000))
	if err != nil {
		return fmt.Errorf("scan outcomes: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc outcomeDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode outcome: %w", err)
		}
		if l, ok := byDossier[doc.Dossier]; ok && l.Seq > doc.Seq {
			continue
		}
		r := outcomes.Record{Key: doc.Dossier, Seq: doc.Seq, MergedInto: doc.MergedInto}
		if doc.MergedInto == "" {
			copy(r.Digest[:], doc.Digest)
			if doc.Local == "" && doc.National == "" {
				doc.Local = doc.Dossier // a report from before dossiers had two codes
			}
			r.Outcome = hailong.Outcome{Dossier: doc.Local, NationalDossier: doc.National,
				Unit: doc.Unit, Agency: doc.Agency, Via: doc.Via,
				Procedure: doc.Procedure, Official: doc.Official, Counter: doc.Counter,
				Received: doc.Received, Due: doc.Due, Returned: doc.Returned, Complaints: doc.Complaint, Indices: doc.Indices}
		}
		byDossier[doc.Dossier] = r
	}
	if err := cur.Err(); err != nil {
		return err
	}
	for _, r := range byDossier {
		fn(r)
	}
	return nil
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
	_, err := d.flags().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
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

// ReplaceDossierFlags replaces every flag, for a rebuild. It drops the
// collection rather than deleting its documents: FerretDB deletes by listing
// every id in one SQL statement, which fails past SQLite's limit.
func (d *DB) ReplaceDossierFlags(ctx context.Context, dossiers []string) error {
	if err := d.flags().Drop(ctx); err != nil {
		return fmt.Errorf("clear dossier flags: %w", err)
	}
	for start := 0; start < len(dossiers); start += maxInsertBatch {
		if err := d.AddDossierFlags(ctx, dossiers[start:min(start+maxInsertBatch, len(dossiers))]); err != nil {
			return err
		}
	}
	return nil
}

// ScanDossierFlags calls fn for every flagged dossier.
func (d *DB) ScanDossierFlags(ctx context.Context, fn func(string)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.flags().Find(ctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return fmt.Errorf("scan dossier flags: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		fn(doc.ID)
	}
	return cur.Err()
}
