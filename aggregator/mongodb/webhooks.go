package mongodb

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/aggregator/webhooks"
)

// Webhooks: subscriptions, the queue of deliveries owed, dead letters and
// one delivery log per subscription. Every read is of whole small
// collections at start-up. The queue is insert-only while running: it is
// cut in segments, a collection each (webhook_queue_<n>), and a segment is
// dropped whole once its batches are delivered, because deleting batch by
// batch would scan the queue, megabytes of events, on FerretDB for every
// delivery. Subscriptions, dead letters and logs are small and bounded, so
// their writes by _id stay cheap.

func (d *DB) webhookSubs() *mongo.Collection { return d.db.Collection("webhook_subscriptions") }
func (d *DB) webhookDead() *mongo.Collection { return d.db.Collection("webhook_dead") }
func (d *DB) webhookLogs() *mongo.Collection { return d.db.Collection("webhook_logs") }

// queuePrefix names the queue's segments.
const queuePrefix = "webhook_queue_"

func (d *DB) webhookSegment(seg int) *mongo.Collection {
	return d.db.Collection(queuePrefix + strconv.Itoa(seg))
}

// webhookIndexes orders the dead letters as they are read.
func (d *DB) webhookIndexes(ctx context.Context) error {
	if _, err := d.webhookDead().Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "died", Value: 1}}, Options: options.Index().SetName("died"),
	}); err != nil {
		return fmt.Errorf("create indexes: %w", err)
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

// batchDoc is a queued batch with its events in one blob, the JSON array
// of them compressed with DEFLATE: FerretDB stores a document as JSON and
// parses all of it on every insert (its _id index), so a few kilobytes of
// one value cost far less than an array of hundreds of events.
type batchDoc struct {
	ID         string        `bson:"_id"`
	Created    time.Time     `bson:"created"`
	Events     []byte        `bson:"events_deflate"`
	Deliveries []deliveryDoc `bson:"deliveries"`
}

// deliveryDoc is a queued delivery whose events are stored as runs of
// indexes, [first, last+1) pairs: a subscription's events usually follow
// one another in the batch, and FerretDB parses (and types, one by one)
// every element of an array on insert, so ten subscriptions' lists of 200
// indexes cost more than the batch's events.
type deliveryDoc struct {
	webhooks.Delivery `bson:",inline"`
	Runs              []int `bson:"runs,omitempty"`
}

func toDeliveryDocs(ds []webhooks.Delivery) []deliveryDoc {
	out := make([]deliveryDoc, len(ds))
	for i, d := range ds {
		for n, e := range d.Events {
			if n > 0 && e == d.Events[n-1]+1 {
				out[i].Runs[len(out[i].Runs)-1] = e + 1
				continue
			}
			out[i].Runs = append(out[i].Runs, e, e+1)
		}
		d.Events = nil
		out[i].Delivery = d
	}
	return out
}

func fromDeliveryDocs(docs []deliveryDoc) []webhooks.Delivery {
	out := make([]webhooks.Delivery, len(docs))
	for i, doc := range docs {
		d := doc.Delivery // Events set: queued by an aggregator before runs
		for r := 0; r+1 < len(doc.Runs); r += 2 {
			for e := doc.Runs[r]; e < doc.Runs[r+1]; e++ {
				d.Events = append(d.Events, e)
			}
		}
		out[i] = d
	}
	return out
}

// deflaters are DEFLATE writers kept between batches: each holds about a
// megabyte of state, made anew for every batch it was a fifth of the
// garbage webhooks made.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // a valid level: no error
	return w
}}

func encodeBatch(b *webhooks.Batch) batchDoc {
	var buf bytes.Buffer
	raw := b.JSON()
	buf.Grow(len(raw)/4 + 64) // events of ratings deflate to about a fifth
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&buf)
	w.Write(raw)
	w.Close()
	deflaters.Put(w)
	return batchDoc{ID: b.ID, Created: b.Created.UTC(), Events: buf.Bytes(), Deliveries: toDeliveryDocs(b.Deliveries)}
}

func decodeBatch(doc batchDoc, seg int) (webhooks.Batch, error) {
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(doc.Events)))
	var events []json.RawMessage
	if err == nil {
		err = json.Unmarshal(raw, &events)
	}
	if err != nil {
		return webhooks.Batch{}, fmt.Errorf("webhook batch %s: %w", doc.ID, err)
	}
	b := webhooks.Batch{ID: doc.ID, Created: doc.Created, Deliveries: fromDeliveryDocs(doc.Deliveries), Segment: seg}
	for _, e := range events {
		b.Events = append(b.Events, e)
	}
	return b, nil
}

// WebhookQueue returns the queued batches of every segment, and the
// segments.
func (d *DB) WebhookQueue(ctx context.Context) ([]webhooks.Batch, []int, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, nil, fmt.Errorf("list the webhook queue: %w", err)
	}
	var segs []int
	var out []webhooks.Batch
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, queuePrefix)
		seg, err := strconv.Atoi(rest)
		if !ok || err != nil {
			continue
		}
		segs = append(segs, seg)
		var docs []batchDoc
		if err := findAll(ctx, d.webhookSegment(seg), &docs); err != nil {
			return nil, nil, err
		}
		for _, doc := range docs {
			b, err := decodeBatch(doc, seg)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, b)
		}
	}
	return out, segs, nil
}

// InsertWebhookBatch queues a batch in its segment.
func (d *DB) InsertWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	if _, err := d.webhookSegment(b.Segment).InsertOne(ctx, encodeBatch(&b)); err != nil {
		return fmt.Errorf("queue webhook deliveries: %w", err)
	}
	return nil
}

// ReplaceWebhookBatch writes a batch's state whole (inserting it if an
// earlier insert failed).
func (d *DB) ReplaceWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	return replaceByID(ctx, d.webhookSegment(b.Segment), b.ID, encodeBatch(&b))
}

// DeleteWebhookBatches deletes delivered batches of a segment, in one
// delete (one scan of the segment on FerretDB).
func (d *DB) DeleteWebhookBatches(ctx context.Context, seg int, ids []string) error {
	if _, err := d.webhookSegment(seg).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("delete delivered webhook batches: %w", err)
	}
	return nil
}

// DropWebhookSegment drops a delivered segment of the queue.
func (d *DB) DropWebhookSegment(ctx context.Context, seg int) error {
	if err := d.webhookSegment(seg).Drop(ctx); err != nil {
		return fmt.Errorf("drop webhook queue segment %d: %w", seg, err)
	}
	return nil
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
