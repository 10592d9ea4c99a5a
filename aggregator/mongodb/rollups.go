package mongodb

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"iter"
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

// daysPrefix names the collections that hold generations of rollup days.
const daysPrefix = "rollup_days_"

// WriteDays writes every day into a new collection and returns its name: a
// generation, which the rollup state names once it is complete. Writing a
// fresh collection by inserts, never by filtered upserts, keeps this linear
// on FerretDB, where every filtered write scans its collection.
func (d *DB) WriteDays(ctx context.Context, days iter.Seq[rollup.Day]) (string, error) {
	name := fmt.Sprintf("%s%d", daysPrefix, time.Now().UnixNano())
	coll := d.db.Collection(name)
	docs := make([]any, 0, maxInsertBatch)
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("write rollup days: %w", err)
		}
		docs = docs[:0]
		return nil
	}
	for day := range days {
		doc, err := encodeDay(&day)
		if err != nil {
			return "", err
		}
		if docs = append(docs, doc); len(docs) == maxInsertBatch {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	return name, nil
}

// digestsPrefix names the collections in which versions before the
// rating index (aggregator/seen) kept the digests of recent ratings beside
// a generation of days: they are dropped with it.
const digestsPrefix = "rollup_digests_"

// DropDaysExcept drops every generation of rollup days but keep, and any
// digests an older version wrote beside one.
func (d *DB) DropDaysExcept(ctx context.Context, keep ...string) error {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k] = true
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

// LoadDays calls fn for every day of a generation.
func (d *DB) LoadDays(ctx context.Context, generation string, fn func(rollup.Day)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	if !strings.HasPrefix(generation, daysPrefix) {
		return fmt.Errorf("%q is not a generation of rollup days", generation)
	}
	cur, err := d.db.Collection(generation).Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return fmt.Errorf("load rollup days: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc dayDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode rollup day: %w", err)
		}
		day, err := doc.decode()
		if err != nil {
			return err
		}
		fn(day)
	}
	return cur.Err()
}
