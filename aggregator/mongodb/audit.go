package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/aggregator/access"
)

// The audit log is append-only: events are inserted, never updated or
// deleted by the aggregator. Reading it (an administrator's page) is a
// filtered find, a scan on FerretDB; it is read rarely.

type eventDoc struct {
	At     time.Time `bson:"at"`
	Actor  string    `bson:"actor"`
	Action string    `bson:"action"`
	Target string    `bson:"target,omitempty"`
	Detail string    `bson:"detail,omitempty"`
	Addr   string    `bson:"addr,omitempty"`
	OK     bool      `bson:"ok"`
	Scopes []string  `bson:"scopes,omitempty"`
	Scoped bool      `bson:"scoped,omitempty"`
}

// AddEvent appends an event to the audit log.
func (d *DB) AddEvent(ctx context.Context, e access.Event) error {
	doc := eventDoc{At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Addr: e.Addr, OK: e.OK, Scopes: e.Scopes, Scoped: e.Scoped}
	if _, err := d.audit().InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// Events returns the events at or after since, newest first, at most
// limit.
func (d *DB) Events(ctx context.Context, since time.Time, limit int) ([]access.Event, error) {
	var docs []eventDoc
	err := findAllFilter(ctx, d.audit(), bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: since.UTC()}}}}, &docs,
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := make([]access.Event, len(docs))
	for i, e := range docs {
		out[i] = access.Event{At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Addr: e.Addr, OK: e.OK, Scopes: e.Scopes, Scoped: e.Scoped}
	}
	return out, nil
}
