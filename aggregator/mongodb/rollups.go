package mongodb

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

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

// digestsPrefix named the collections of recent ratings' digests written
// beside a generation before the duplicate memory had its own index
// (package seen); DropDaysExcept drops what is left of them.
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
