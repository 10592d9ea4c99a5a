package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/aggregator/webhooks"
)

// Webhooks: subscriptions, the queue of deliveries owed, dead letters and
// one delivery log per subscription. Every read is a whole small
// collection at start-up; every write is one document by _id. The queue
// holds only what is owed (a batch is deleted once delivered) and the
// dead letters and logs are bounded by the dispatcher, so their filtered
// writes, scans on FerretDB, stay cheap.

func (d *DB) webhookSubs() *mongo.Collection  { return d.db.Collection("webhook_subscriptions") }
func (d *DB) webhookQueue() *mongo.Collection { return d.db.Collection("webhook_queue") }
func (d *DB) webhookDead() *mongo.Collection  { return d.db.Collection("webhook_dead") }
func (d *DB) webhookLogs() *mongo.Collection  { return d.db.Collection("webhook_logs") }

// webhookIndexes orders the queue and the dead letters as they are read.
func (d *DB) webhookIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		coll *mongo.Collection
		key  string
	}{{d.webhookQueue(), "created"}, {d.webhookDead(), "died"}} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: ix.key, Value: 1}}, Options: options.Index().SetName(ix.key),
		}); err != nil {
			return fmt.Errorf("create indexes: %w", err)
		}
	}
	return nil
}

// WebhookSubscriptions returns every subscription, secrets included.
func (d *DB) WebhookSubscriptions(ctx context.Context) ([]webhooks.Subscription, error) {
	var out []webhooks.Subscription
	return out, findAll(ctx, d.webhookSubs(), &out)
}

// PutWebhookSubscription stores a subscription whole.
func (d *DB) PutWebhookSubscription(ctx context.Context, s webhooks.Subscription) error {
	s.Created = s.Created.UTC()
	return replaceByID(ctx, d.webhookSubs(), s.ID, s)
}

// DeleteWebhookSubscription deletes a subscription.
func (d *DB) DeleteWebhookSubscription(ctx context.Context, id string) error {
	return deleteByID(ctx, d.webhookSubs(), id)
}

// WebhookQueue returns the batches still owing deliveries, oldest first.
func (d *DB) WebhookQueue(ctx context.Context) ([]webhooks.Batch, error) {
	var out []webhooks.Batch
	return out, findAll(ctx, d.webhookQueue(), &out, options.Find().SetSort(bson.D{{Key: "created", Value: 1}}))
}

// InsertWebhookBatch queues a batch.
func (d *DB) InsertWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	if _, err := d.webhookQueue().InsertOne(ctx, b); err != nil {
		return fmt.Errorf("queue webhook deliveries: %w", err)
	}
	return nil
}

// ReplaceWebhookBatch writes a batch's state whole (inserting it if an
// earlier insert failed).
func (d *DB) ReplaceWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	return replaceByID(ctx, d.webhookQueue(), b.ID, b)
}

// DeleteWebhookBatch drops a batch that owes nothing more.
func (d *DB) DeleteWebhookBatch(ctx context.Context, id string) error {
	return deleteByID(ctx, d.webhookQueue(), id)
}

// WebhookDeadLetters returns the dead letters, oldest first.
func (d *DB) WebhookDeadLetters(ctx context.Context) ([]webhooks.DeadLetter, error) {
	var out []webhooks.DeadLetter
	return out, findAll(ctx, d.webhookDead(), &out, options.Find().SetSort(bson.D{{Key: "died", Value: 1}}))
}

// InsertWebhookDeadLetter keeps a dead letter; one with the same id (a
// crash between its insert and the queue's write) is replaced.
func (d *DB) InsertWebhookDeadLetter(ctx context.Context, l webhooks.DeadLetter) error {
	return replaceByID(ctx, d.webhookDead(), l.ID, l)
}

// DeleteWebhookDeadLetter drops a dead letter.
func (d *DB) DeleteWebhookDeadLetter(ctx context.Context, id string) error {
	return deleteByID(ctx, d.webhookDead(), id)
}

// WebhookLogs returns every subscription's delivery log.
func (d *DB) WebhookLogs(ctx context.Context) ([]webhooks.Log, error) {
	var out []webhooks.Log
	return out, findAll(ctx, d.webhookLogs(), &out)
}

// PutWebhookLog writes a subscription's log whole; an empty one is
// deleted.
func (d *DB) PutWebhookLog(ctx context.Context, l webhooks.Log) error {
	if len(l.Entries) == 0 {
		return deleteByID(ctx, d.webhookLogs(), l.Subscription)
	}
	return replaceByID(ctx, d.webhookLogs(), l.Subscription, l)
}

var _ webhooks.Store = (*DB)(nil)

// deleteByID deletes the document with id, if any.
func deleteByID(ctx context.Context, coll *mongo.Collection, id string) error {
	if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete %s %s: %w", coll.Name(), id, err)
	}
	return nil
}
