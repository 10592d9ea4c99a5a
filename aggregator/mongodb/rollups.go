package mongodb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/rollup"
)

const rollupStateID = "rollups"

type stateDoc struct {
	rollup.State `bson:",inline"`
	Updated      time.Time `bson:"updated"`
}

// RollupState reads the state; a database with none is not clean.
func (d *DB) RollupState(ctx context.Context) (rollup.State, error) {
	var doc stateDoc
	_, err := d.getMeta(ctx, rollupStateID, &doc)
	return doc.State, err
}

// SetRollupState writes the state.
func (d *DB) SetRollupState(ctx context.Context, st rollup.State) error {
	return d.putMeta(ctx, rollupStateID, stateDoc{State: st, Updated: time.Now().UTC()})
}

// dayDoc holds one unit's day. Its cells are one gob-encoded binary field:
// FerretDB turns every nested BSON value into JSON and back, which made
// loading 5 million cells as documents take over nine minutes; as binary
// it is a single string to it.
type dayDoc struct {
	ID    string       `bson:"_id"`
	Unit  string       `bson:"unit"`
	Date  hailong.Date `bson:"date"`
	Cells []byte       `bson:"cells"`
}

func encodeDay(d *rollup.Day) (dayDoc, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(d.Cells); err != nil {
		return dayDoc{}, fmt.Errorf("encode rollup day: %w", err)
	}
	return dayDoc{ID: dayID(d), Unit: d.Unit, Date: d.Date, Cells: b.Bytes()}, nil
}

func (doc *dayDoc) decode() (rollup.Day, error) {
	d := rollup.Day{Unit: doc.Unit, Date: doc.Date}
	if err := gob.NewDecoder(bytes.NewReader(doc.Cells)).Decode(&d.Cells); err != nil {
		return d, fmt.Errorf("decode rollup day %s: %w", doc.ID, err)
	}
	return d, nil
}

func dayID(d *rollup.Day) string { return d.Unit + "|" + d.Date.String() }

// daysPrefix named the collections that held whole generations of rollup
// days (schema 5 and before); DropDaysExcept still drops them.
const daysPrefix = "rollup_days_"

// digestsPrefix names the collections that hold the digests of recent
// ratings written with a generation of days.
const digestsPrefix = "rollup_digests_"

func digestsOf(generation string) string {
	return digestsPrefix + strings.TrimPrefix(generation, daysPrefix)
}

// digestChunk is a run of recent ratings' ids and digests in one binary
// field, for the reason dayDoc's cells are.
type digestChunk struct {
	IDs     []string
	Digests [][32]byte
	// Rated holds the times (Unix ms) of the dossiers' ratings among IDs;
	// chunks written before it have none.
	Rated map[string]int64
}

// WriteDigests writes the digests of recent ratings, oldest first, beside a
// generation of days.
func (d *DB) WriteDigests(ctx context.Context, generation string, ids []string, digests [][32]byte, rated map[string]time.Time) error {
	const chunk = 5000 // about 350 KB a document
	coll := d.db.Collection(digestsOf(generation))
	var docs []any
	for start := 0; start < len(ids); start += chunk {
		end := min(start+chunk, len(ids))
		var b bytes.Buffer
		c := digestChunk{IDs: ids[start:end], Digests: digests[start:end]}
		for _, id := range c.IDs {
			if at, ok := rated[id]; ok {
				if c.Rated == nil {
					c.Rated = map[string]int64{}
				}
				c.Rated[id] = at.UnixMilli()
			}
		}
		if err := gob.NewEncoder(&b).Encode(c); err != nil {
			return fmt.Errorf("encode digests: %w", err)
		}
		docs = append(docs, bson.D{{Key: "_id", Value: start}, {Key: "chunk", Value: b.Bytes()}})
	}
	for len(docs) > 0 {
		n := min(len(docs), 10)
		if _, err := coll.InsertMany(ctx, docs[:n]); err != nil {
			return fmt.Errorf("write digests: %w", err)
		}
		docs = docs[n:]
	}
	return nil
}

// LoadDigests calls fn with the digests written beside a generation, oldest
// first.
func (d *DB) LoadDigests(ctx context.Context, generation string, fn func(id string, digest [32]byte, at time.Time)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	// A batch of a few documents: FerretDB does not cut a batch at 16 MB as
	// MongoDB does, and the default of 101 would exceed a message's limit.
	cur, err := d.db.Collection(digestsOf(generation)).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(10))
	if err != nil {
		return fmt.Errorf("load digests: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			Chunk []byte `bson:"chunk"`
		}
		var c digestChunk
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode digests: %w", err)
		}
		if err := gob.NewDecoder(bytes.NewReader(doc.Chunk)).Decode(&c); err != nil || len(c.IDs) != len(c.Digests) {
			return fmt.Errorf("decode digests: %v", cmp.Or(err, errors.New("ids and digests differ in number")))
		}
		for i, id := range c.IDs {
			var at time.Time
			if ms, ok := c.Rated[id]; ok {
				at = time.UnixMilli(ms).UTC()
			}
			fn(id, c.Digests[i], at)
		}
	}
	return cur.Err()
}

// DropDaysExcept drops every generation of rollup days, and the digests
// written beside it, but keep.
func (d *DB) DropDaysExcept(ctx context.Context, keep ...string) error {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k], kept[digestsOf(k)] = true, true
	}
	for _, n := range names {
		if (strings.HasPrefix(n, daysPrefix) || strings.HasPrefix(n, digestsPrefix)) && !kept[n] {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}
