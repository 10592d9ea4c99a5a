package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong"
)

// Subscriptions are a small collection (a few per user), read whole at
// start and kept in memory by the notifier and the schedule; a change
// writes one document by _id.
func (d *DB) subscriptions() *mongo.Collection { return d.db.Collection("subscriptions") }

type subscriptionDoc struct {
	ID         string    `bson:"_id"`
	Username   string    `bson:"username"`
	Unit       string    `bson:"unit"`
	Kind       string    `bson:"kind"`
	Lang       string    `bson:"lang"`
	Created    time.Time `bson:"created"`
	LastPeriod string    `bson:"last_period,omitempty"`
}

func encodeSubscription(s hailong.Subscription) subscriptionDoc {
	return subscriptionDoc{ID: s.ID, Username: s.Username, Unit: s.Unit, Kind: string(s.Kind), Lang: s.Lang,
		Created: s.Created.UTC(), LastPeriod: s.LastPeriod}
}

// Subscriptions returns every subscription.
func (d *DB) Subscriptions(ctx context.Context) ([]hailong.Subscription, error) {
	var docs []subscriptionDoc
	if err := findAll(ctx, d.subscriptions(), &docs); err != nil {
		return nil, err
	}
	out := make([]hailong.Subscription, len(docs))
	for i, s := range docs {
		out[i] = hailong.Subscription{ID: s.ID, Username: s.Username, Unit: s.Unit, Kind: hailong.SubscriptionKind(s.Kind),
			Lang: s.Lang, Created: s.Created, LastPeriod: s.LastPeriod}
	}
	return out, nil
}

// PutSubscription adds or replaces a subscription.
func (d *DB) PutSubscription(ctx context.Context, s hailong.Subscription) error {
	return replaceByID(ctx, d.subscriptions(), s.ID, encodeSubscription(s))
}

// DeleteSubscription deletes a subscription; deleting one that is gone is
// not an error.
func (d *DB) DeleteSubscription(ctx context.Context, id string) error {
	if _, err := d.subscriptions().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	return nil
}
