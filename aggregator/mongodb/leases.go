package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"hailong/aggregator/lease"
)

// Leases are one document per ownership scope in the collection "leases"
// (package lease): {_id: scope, holder, expires, epoch}. Every change is one
// conditional update, which the database applies atomically to the one
// document, so two processes cannot both take a lease. On FerretDB a
// filtered update scans its collection: the collection holds one document
// per scope (a few dozen at most), so the scan costs nothing that matters.
//
// On a replica set every lease write waits for a majority and every read
// is a majority read from the primary, whatever the URI says: a takeover
// acknowledged by one member only could be rolled back by a failover and
// leave two holders. (FerretDB, a single server, accepts and ignores
// both; they are exercised only on a real replica set.)

func (d *DB) leases() *mongo.Collection {
	return d.db.Collection("leases", options.Collection().
		SetWriteConcern(writeconcern.Majority()).
		SetReadConcern(readconcern.Majority()).
		SetReadPreference(readpref.Primary()))
}

type leaseDoc struct {
	Scope   string    `bson:"_id"`
	Holder  string    `bson:"holder"`
	Expires time.Time `bson:"expires"`
	Epoch   int64     `bson:"epoch"`
}

func (l leaseDoc) lease() lease.Lease {
	return lease.Lease{Scope: l.Scope, Holder: l.Holder, Expires: l.Expires, Epoch: l.Epoch}
}

// Take gives scope's lease to holder until expires when it is absent,
// holder's already, or expired before freeBefore, incrementing its epoch;
// it returns the stored lease, taken or not (lease.Store).
func (d *DB) Take(ctx context.Context, scope, holder string, expires, freeBefore time.Time) (lease.Lease, error) {
	filter := bson.D{{Key: "_id", Value: scope}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "holder", Value: holder}},
		bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: freeBefore.UTC()}}}},
	}}}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires", Value: expires.UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "epoch", Value: int64(1)}}},
	}
	var doc leaseDoc
	err := d.leases().FindOneAndUpdate(ctx, filter, update,
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	switch {
	case err == nil:
		return doc.lease(), nil
	case mongo.IsDuplicateKeyError(err):
		// The lease exists and is held (the filter did not match, so the
		// upsert tried to insert its _id), or another process's upsert of
		// the first lease won the race: either way, read who holds it.
	default:
		return lease.Lease{}, fmt.Errorf("take lease %s: %w", scope, err)
	}
	err = d.leases().FindOne(ctx, bson.D{{Key: "_id", Value: scope}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		// Released and deleted in between: nobody holds it; the caller
		// tries again at its next turn.
		return lease.Lease{Scope: scope}, nil
	}
	if err != nil {
		return lease.Lease{}, fmt.Errorf("read lease %s: %w", scope, err)
	}
	return doc.lease(), nil
}

// Renew extends l to expires if it is still l's holder's at l's epoch, else
// lease.ErrLost (lease.Store).
func (d *DB) Renew(ctx context.Context, l lease.Lease, expires time.Time) (lease.Lease, error) {
	res, err := d.leases().UpdateOne(ctx, heldFilter(l),
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: expires.UTC()}}}})
	if err != nil {
		return lease.Lease{}, fmt.Errorf("renew lease %s: %w", l.Scope, err)
	}
	if res.MatchedCount == 0 {
		return lease.Lease{}, lease.ErrLost
	}
	l.Expires = expires
	return l, nil
}

// Release ends l at once if it is still held so (lease.Store).
func (d *DB) Release(ctx context.Context, l lease.Lease) error {
	_, err := d.leases().UpdateOne(ctx, heldFilter(l),
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: time.Unix(0, 0).UTC()}}}})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", l.Scope, err)
	}
	return nil
}

// LeaseOf reads scope's lease; found is false if none was ever taken.
func (d *DB) LeaseOf(ctx context.Context, scope string) (l lease.Lease, found bool, err error) {
	var doc leaseDoc
	err = d.leases().FindOne(ctx, bson.D{{Key: "_id", Value: scope}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return lease.Lease{}, false, nil
	}
	if err != nil {
		return lease.Lease{}, false, fmt.Errorf("read lease %s: %w", scope, err)
	}
	return doc.lease(), true, nil
}

// Leases lists every scope's lease (a few documents).
func (d *DB) Leases(ctx context.Context) ([]lease.Lease, error) {
	cur, err := d.leases().Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	var docs []leaseDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	out := make([]lease.Lease, len(docs))
	for i, doc := range docs {
		out[i] = doc.lease()
	}
	return out, nil
}

func heldFilter(l lease.Lease) bson.D {
	return bson.D{{Key: "_id", Value: l.Scope}, {Key: "holder", Value: l.Holder}, {Key: "epoch", Value: l.Epoch}}
}
