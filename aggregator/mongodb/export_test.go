package mongodb

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/aggregator/rollup"
)

// HealthGenerations counts the collections holding kiosk health.
func (d *DB) HealthGenerations(ctx context.Context) (int, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	n := 0
	for _, name := range names {
		if strings.HasPrefix(name, healthPrefix) {
			n++
		}
	}
	return n, err
}

// InsertRawWebhookBatch inserts a queued batch as a document of the given
// shape, as an older aggregator wrote it.
func (d *DB) InsertRawWebhookBatch(ctx context.Context, seg int, doc any) error {
	_, err := d.webhookSegment(seg).InsertOne(ctx, doc)
	return err
}

// WriteDaySegment writes a segment as segments were first written: a
// document per day.
func (d *DB) WriteDaySegment(ctx context.Context, name string, days []rollup.Day) (string, error) {
	name = segmentPrefix + name
	for i := range days {
		doc, err := encodeDay(&days[i])
		if err != nil {
			return "", err
		}
		if _, err := d.db.Collection(name).InsertOne(ctx, doc); err != nil {
			return "", err
		}
	}
	return name, nil
}

// SetSegmentRunBytes bounds the bytes of a run of days of a segment until
// the returned function puts the bound back.
func SetSegmentRunBytes(n int) (restore func()) {
	old := segmentRunBytes
	segmentRunBytes = n
	return func() { segmentRunBytes = old }
}
