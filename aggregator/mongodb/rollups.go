package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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

// SaveDays writes changed days whole, in small batches.
func (d *DB) SaveDays(ctx context.Context, days []rollup.Day) error {
	for start := 0; start < len(days); start += maxBulkWrite {
		end := min(start+maxBulkWrite, len(days))
		models := make([]mongo.WriteModel, 0, end-start)
		for i := start; i < end; i++ {
			id := dayID(&days[i])
			models = append(models, mongo.NewReplaceOneModel().
				SetFilter(bson.D{{Key: "_id", Value: id}}).
				SetReplacement(dayDoc{ID: id, Day: days[i]}).
				SetUpsert(true))
		}
		if _, err := d.days().BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("save rollup days: %w", err)
		}
	}
	return nil
}

// ReplaceDays replaces every persisted day, for a rebuild.
func (d *DB) ReplaceDays(ctx context.Context, days []rollup.Day) error {
	if _, err := d.days().DeleteMany(ctx, bson.D{}); err != nil {
		return fmt.Errorf("clear rollup days: %w", err)
	}
	for start := 0; start < len(days); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(days))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, dayDoc{ID: dayID(&days[i]), Day: days[i]})
		}
		if _, err := d.days().InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("insert rollup days: %w", err)
		}
	}
	return nil
}

// LoadDays calls fn for every persisted day.
func (d *DB) LoadDays(ctx context.Context, fn func(rollup.Day)) error {
	cur, err := d.days().Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
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
