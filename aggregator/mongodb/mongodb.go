// Package mongodb stores the aggregator's data in MongoDB through the
// official driver: raw ratings (the source of truth), persisted rollups,
// enrolled kiosks and the administrative units. The same code runs against a
// MongoDB replica set and against the embedded FerretDB.
//
// FerretDB v1.24 (SQLite) limits, and what this package does about them (all
// workarounds live here and in package ingest, and are correct on MongoDB):
//   - every filtered find is a full scan: nothing reads ratings on a request
//     path; queries are served from in-memory rollups;
//   - $sum of a field silently returns 0: nothing is summed by the server;
//   - BulkWrite of 200 or more upserts hangs: BulkWrites are cut at
//     maxBulkWrite;
//   - concurrent $inc upserts lose updates: rollup documents are written
//     whole (replace), by one writer; walk-in code uses are one inserted
//     document each, made single by their _id (walkins.go).
//   - every filtered update scans too: kiosk health, reported every
//     minute, is written whole as a generation (kiosk_health.go).
//   - so a part of a collection read alone must be a collection of its
//     own: the citizens' comments are kept in one collection a month, and
//     a page reads the months of its period (comments.go), as the rollups'
//     months are segments of their own (checkpoints.go).
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// maxBulkWrite bounds every BulkWrite (FerretDB hangs at 200 upserts).
const maxBulkWrite = 100

// maxInsertBatch bounds every InsertMany.
const maxInsertBatch = 1000

// inserter inserts documents into a collection batch at a time.
type inserter struct {
	coll  *mongo.Collection
	batch int
	docs  []any
}

// add holds doc, and inserts what it holds once a batch is full.
func (w *inserter) add(ctx context.Context, doc any) error {
	w.docs = append(w.docs, doc)
	if len(w.docs) < w.batch {
		return nil
	}
	return w.flush(ctx)
}

// flush inserts what it holds.
func (w *inserter) flush(ctx context.Context) error {
	if len(w.docs) == 0 {
		return nil
	}
	_, err := w.coll.InsertMany(ctx, w.docs)
	w.docs = w.docs[:0]
	if err != nil {
		return fmt.Errorf("write %s: %w", w.coll.Name(), err)
	}
	return nil
}

// eachDoc calls fn with every document of a collection, read whole in
// batches of batch documents, decoded into a T; an error of fn ends it.
func eachDoc[T any](ctx context.Context, coll *mongo.Collection, batch int32, fn func(*T) error) error {
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(batch))
	if err != nil {
		return fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc T
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode %s: %w", coll.Name(), err)
		}
		if err := fn(&doc); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read %s: %w", coll.Name(), err)
	}
	return nil
}

// DB is the aggregator's database. One per process: the driver pools
// connections itself.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	// outcomeLogs is what this process read of the outcome book and where
	// it writes (outcomes_saved.go).
	outcomeLogs outcomeLogs
	// outcomesFence bounds the writes of the saved book's state
	// (SetOutcomesFence); nil: none.
	outcomesFence func(context.Context) (context.Context, context.CancelFunc, error)
}

// Open connects to uri and uses database name. It ensures indexes.
func Open(ctx context.Context, uri, name string) (*DB, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetAppName("hailong-aggregator").
		SetTimeout(60 * time.Second).
		SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	d := &DB{client: client, db: client.Database(name)}
	if err := d.Ping(ctx); err != nil {
		client.Disconnect(context.Background())
		return nil, err
	}
	if err := d.ensureIndexes(ctx); err != nil {
		client.Disconnect(context.Background())
		return nil, err
	}
	return d, nil
}

// Close disconnects.
func (d *DB) Close(ctx context.Context) error { return d.client.Disconnect(ctx) }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("ping MongoDB: %w", err)
	}
	return nil
}

func (d *DB) ratings() *mongo.Collection { return d.db.Collection("ratings") }
func (d *DB) meta() *mongo.Collection    { return d.db.Collection("meta") }
func (d *DB) kiosks() *mongo.Collection  { return d.db.Collection("kiosks") }

func (d *DB) ensureIndexes(ctx context.Context) error {
	// Ratings and kiosks are looked up by _id only, which is always
	// unique-indexed; the dossier index serves per-dossier measures. It is
	// sparse, as FerretDB has no partial indexes.
	_, err := d.ratings().Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "dossier", Value: 1}},
		Options: options.Index().SetSparse(true).SetName("dossier"),
	})
	if err != nil {
		return fmt.Errorf("create indexes: %w", err)
	}
	// The audit log is read newest first from a date.
	_, err = d.audit().Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "at", Value: -1}},
		Options: options.Index().SetName("at"),
	})
	if err != nil {
		return fmt.Errorf("create indexes: %w", err)
	}
	return d.webhookIndexes(ctx)
}

// scanTimeout bounds a whole scan. A scan of millions of documents on
// FerretDB takes minutes, longer than the client's timeout for one
// operation, which applies to every batch of a cursor without a deadline of
// its own.
const scanTimeout = 6 * time.Hour

func scanContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, scanTimeout)
}

// getMeta reads a small state document by id into v; found is false if it
// does not exist.
func (d *DB) getMeta(ctx context.Context, id string, v any) (found bool, err error) {
	err = d.meta().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", id, err)
	}
	return true, nil
}

func (d *DB) putMeta(ctx context.Context, id string, v any) error {
	_, err := d.meta().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, v, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("write %s: %w", id, err)
	}
	return nil
}
