package mongodb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

type dayDoc struct {
	ID         string `bson:"_id"`
	rollup.Day `bson:",inline"`
}

func dayID(d *rollup.Day) string { return d.Unit + "|" + d.Date.String() }

// daysPrefix names the collections that hold generations of rollup days.
const daysPrefix = "rollup_days_"

// WriteDays writes every day into a new collection and returns its name: a
// generation, which the rollup state names once it is complete. Writing a
// fresh collection by inserts, never by filtered upserts, keeps this linear
// on FerretDB, where every filtered write scans its collection.
func (d *DB) WriteDays(ctx context.Context, days []rollup.Day) (string, error) {
	name := fmt.Sprintf("%s%d", daysPrefix, time.Now().UnixNano())
	coll := d.db.Collection(name)
	for start := 0; start < len(days); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(days))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, dayDoc{ID: dayID(&days[i]), Day: days[i]})
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			return "", fmt.Errorf("write rollup days: %w", err)
		}
	}
	return name, nil
}

// DropDaysExcept drops every generation of rollup days but keep.
func (d *DB) DropDaysExcept(ctx context.Context, keep string) error {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, daysPrefix) && n != keep {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}

// LoadDays calls fn for every day of a generation.
func (d *DB) LoadDays(ctx context.Context, generation string, fn func(rollup.Day)) error {
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
		fn(doc.Day)
	}
	return cur.Err()
}
