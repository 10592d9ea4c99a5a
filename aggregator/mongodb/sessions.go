package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/aggregator/access"
)

// Sessions hold only live sign-ins: a session is inserted at sign-in,
// deleted at sign-out, revocation or expiry (package access purges), and
// its last activity is written behind (see users.go for the cost).

type sessionDoc struct {
	ID         string    `bson:"_id"` // hex SHA-256 of the token
	Username   string    `bson:"username"`
	Generation int64     `bson:"generation"`
	Created    time.Time `bson:"created"`
	Expires    time.Time `bson:"expires"`
	Seen       time.Time `bson:"seen"`
	Addr       string    `bson:"addr,omitempty"`
}

func encodeSession(s access.Session) sessionDoc {
	return sessionDoc{ID: s.ID, Username: s.Username, Generation: s.Generation, Created: s.Created.UTC(),
		Expires: s.Expires.UTC(), Seen: s.Seen.UTC(), Addr: s.Addr}
}

// Sessions returns every stored session.
func (d *DB) Sessions(ctx context.Context) ([]access.Session, error) {
	var docs []sessionDoc
	if err := findAll(ctx, d.sessions(), &docs); err != nil {
		return nil, err
	}
	out := make([]access.Session, len(docs))
	for i, s := range docs {
		out[i] = access.Session{ID: s.ID, Username: s.Username, Generation: s.Generation, Created: s.Created,
			Expires: s.Expires, Seen: s.Seen, Addr: s.Addr}
	}
	return out, nil
}

// AddSession inserts a session.
func (d *DB) AddSession(ctx context.Context, s access.Session) error {
	if _, err := d.sessions().InsertOne(ctx, encodeSession(s)); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// PutSessions replaces sessions, in bulk writes of at most maxBulkWrite.
// A session deleted meanwhile is not brought back.
func (d *DB) PutSessions(ctx context.Context, ss []access.Session) error {
	models := make([]mongo.WriteModel, len(ss))
	for i, s := range ss {
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: s.ID}}).SetReplacement(encodeSession(s))
	}
	return d.bulk(ctx, d.sessions(), models)
}

// DeleteSessions deletes sessions by id.
func (d *DB) DeleteSessions(ctx context.Context, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), maxBulkWrite)
		if _, err := d.sessions().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids[:n]}}}}); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// bulk runs models in BulkWrites of at most maxBulkWrite.
func (d *DB) bulk(ctx context.Context, coll *mongo.Collection, models []mongo.WriteModel) error {
	for len(models) > 0 {
		n := min(len(models), maxBulkWrite)
		if _, err := coll.BulkWrite(ctx, models[:n]); err != nil {
			return fmt.Errorf("write %s: %w", coll.Name(), err)
		}
		models = models[n:]
	}
	return nil
}
