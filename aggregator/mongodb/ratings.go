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
)

type ratingDoc struct {
	ID            string         `bson:"_id"`
	Questionnaire string         `bson:"questionnaire"`
	Version       int            `bson:"version"`
	Answers       map[string]any `bson:"answers"`
	Counter       string         `bson:"counter,omitempty"`
	Official      string         `bson:"official,omitempty"`
	Procedure     string         `bson:"procedure,omitempty"`
	Dossier       string         `bson:"dossier,omitempty"`
	Channel       string         `bson:"channel"`
	Unit          string         `bson:"unit"`
	Kiosk         string         `bson:"kiosk,omitempty"`
	At            time.Time      `bson:"at"`
	Flags         []string       `bson:"flags,omitempty"`
	Digest        []byte         `bson:"digest"`
	Received      time.Time      `bson:"received"`
}

func toDoc(r *hailong.Rating, digest [32]byte, received time.Time) ratingDoc {
	answers := make(map[string]any, len(r.Answers))
	for k, a := range r.Answers {
		if a.IsText {
			answers[k] = a.Text
		} else {
			answers[k] = int32(a.Value)
		}
	}
	return ratingDoc{
		ID: r.ID, Questionnaire: r.Questionnaire, Version: r.Version, Answers: answers,
		Counter: r.Counter, Official: r.Official, Procedure: r.Procedure, Dossier: r.Dossier,
		Channel: string(r.Channel), Unit: r.Unit, Kiosk: r.Kiosk, At: r.At.UTC(), Flags: r.Flags,
		Digest: digest[:], Received: received.UTC(),
	}
}

func (doc *ratingDoc) rating() (hailong.Rating, error) {
	answers := make(hailong.Answers, len(doc.Answers))
	for k, v := range doc.Answers {
		switch v := v.(type) {
		case string:
			answers[k] = hailong.Str(v)
		case int32:
			answers[k] = hailong.Int(int(v))
		case int64:
			answers[k] = hailong.Int(int(v))
		case float64: // written by another tool; ratings are whole numbers
			answers[k] = hailong.Int(int(v))
		default:
			return hailong.Rating{}, fmt.Errorf("rating %s: answer %s has type %T", doc.ID, k, v)
		}
	}
	return hailong.Rating{
		ID: doc.ID,
		Submission: hailong.Submission{
			Questionnaire: doc.Questionnaire, Version: doc.Version, Answers: answers,
			Counter: doc.Counter, Official: doc.Official, Procedure: doc.Procedure, Dossier: doc.Dossier,
		},
		Channel: hailong.Channel(doc.Channel), Unit: doc.Unit, Kiosk: doc.Kiosk, At: doc.At.UTC(), Flags: doc.Flags,
	}, nil
}

// InsertRatings inserts ratings, each keyed by its own id, and returns the
// indexes of those whose id was already stored. Any other failure fails the
// call; the caller may retry it, as re-inserting is always safe.
func (d *DB) InsertRatings(ctx context.Context, rs []hailong.Rating, digests [][32]byte, received time.Time) (dups []int, err error) {
	for start := 0; start < len(rs); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(rs))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, toDoc(&rs[i], digests[i], received))
		}
		_, err := d.ratings().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
		case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return nil, fmt.Errorf("insert ratings: %w", err)
				}
				dups = append(dups, start+we.Index)
			}
		default:
			return nil, fmt.Errorf("insert ratings: %w", err)
		}
	}
	return dups, nil
}

// Digests returns the stored digests of the ratings with the given ids. On
// FerretDB this scans the collection, so it is only the fallback for ids
// the ingest job no longer remembers.
func (d *DB) Digests(ctx context.Context, ids []string) (map[string][32]byte, error) {
	out := make(map[string][32]byte, len(ids))
	err := d.scanDigests(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, func(id string, dg [32]byte, _ time.Time) { out[id] = dg })
	return out, err
}

// Receipts calls fn with the stored digest and time of receipt of each
// stored rating among ids. The time of receipt is the one given to the
// InsertRatings call that stored it, so it tells which insert that was. On
// FerretDB this scans the collection, like Digests.
func (d *DB) Receipts(ctx context.Context, ids []string, fn func(id string, digest [32]byte, received, at time.Time)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.ratings().Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "digest", Value: 1}, {Key: "received", Value: 1}, {Key: "at", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find receipts: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			ID       string    `bson:"_id"`
			Digest   []byte    `bson:"digest"`
			Received time.Time `bson:"received"`
			At       time.Time `bson:"at"`
		}
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode receipt: %w", err)
		}
		var dg [32]byte
		copy(dg[:], doc.Digest)
		fn(doc.ID, dg, doc.Received.UTC(), doc.At.UTC())
	}
	return cur.Err()
}

// ScanDigests calls fn with the id, digest and time of every stored rating.
func (d *DB) ScanDigests(ctx context.Context, fn func(id string, digest [32]byte, at time.Time)) error {
	return d.scanDigests(ctx, bson.D{}, fn)
}

func (d *DB) scanDigests(ctx context.Context, filter bson.D, fn func(id string, digest [32]byte, at time.Time)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.ratings().Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "digest", Value: 1}, {Key: "at", Value: 1}}).SetBatchSize(5000))
	if err != nil {
		return fmt.Errorf("find digests: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			ID     string    `bson:"_id"`
			Digest []byte    `bson:"digest"`
			At     time.Time `bson:"at"`
		}
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode digest: %w", err)
		}
		var dg [32]byte
		copy(dg[:], doc.Digest)
		fn(doc.ID, dg, doc.At.UTC())
	}
	return cur.Err()
}

// ScanRatings calls fn for every stored rating with its stored digest, in
// no particular order.
func (d *DB) ScanRatings(ctx context.Context, fn func(r *hailong.Rating, digest [32]byte) error) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.ratings().Find(ctx, bson.D{}, options.Find().SetBatchSize(2000))
	if err != nil {
		return fmt.Errorf("scan ratings: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc ratingDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode rating: %w", err)
		}
		r, err := doc.rating()
		if err != nil {
			return err
		}
		var dg [32]byte
		copy(dg[:], doc.Digest)
		if err := fn(&r, dg); err != nil {
			return err
		}
	}
	return cur.Err()
}
