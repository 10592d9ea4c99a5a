// Package webhooks delivers the aggregator's events (hailong.Event) to
// receivers that subscribed to them over HTTP: signed, queued durably,
// retried with backoff, logged per subscription and, after the last retry,
// kept as dead letters that can be resent. docs/WEBHOOKS.md is what a
// receiver needs to know.
//
// The Dispatcher is a hailong.EventPublisher: Publish hands events to a
// bounded buffer and returns; one loop writes them to the queue and
// schedules their sending, so a slow or failing receiver never slows the
// write path that publishes.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"hailong"
)

// EventPing is the type of the event a subscription's test sends: it goes
// to that subscription alone, whatever events it listens to.
const EventPing hailong.EventType = "ping"

// Subscription is a receiver's URL and what it receives: the events of
// the listed types whose unit lies in the subtree of Unit.
type Subscription struct {
	ID  string `json:"id" bson:"_id"`
	URL string `json:"url" bson:"url"`
	// Events are the types delivered, among hailong.EventTypes.
	Events []hailong.EventType `json:"events" bson:"events"`
	// Unit is the scope: only events of units in its subtree (as the
	// access scope check rolls units up) are delivered.
	Unit        string `json:"unit" bson:"unit"`
	Description string `json:"description,omitempty" bson:"description,omitempty"`
	// Secret signs every delivery (Sign). Made by the server, shown once
	// when the subscription is made, never listed.
	Secret  string `json:"-" bson:"secret"`
	Enabled bool   `json:"enabled" bson:"enabled"`
	// Disabled says why the dispatcher disabled the subscription itself
	// (the receiver answered 410 Gone); empty when a person did.
	Disabled  string    `json:"disabled_reason,omitempty" bson:"disabled,omitempty"`
	Created   time.Time `json:"created" bson:"created"`
	CreatedBy string    `json:"created_by,omitempty" bson:"created_by,omitempty"`
}

// Listens reports whether the subscription takes events of type t.
func (s Subscription) Listens(t hailong.EventType) bool {
	for _, e := range s.Events {
		if e == t {
			return true
		}
	}
	return false
}

// Change is a partial update of a subscription: nil fields stay.
type Change struct {
	URL         *string              `json:"url"`
	Events      *[]hailong.EventType `json:"events"`
	Unit        *string              `json:"unit"`
	Description *string              `json:"description"`
	Enabled     *bool                `json:"enabled"`
}

// Apply returns s with the change made.
func (c Change) Apply(s Subscription) Subscription {
	if c.URL != nil {
		s.URL = *c.URL
	}
	if c.Events != nil {
		s.Events = *c.Events
	}
	if c.Unit != nil {
		s.Unit = *c.Unit
	}
	if c.Description != nil {
		s.Description = *c.Description
	}
	if c.Enabled != nil {
		s.Enabled = *c.Enabled
		if s.Enabled {
			s.Disabled = ""
		}
	}
	return s
}

// Delivery is one POST owed to one subscription: events of one type from
// one batch, sent together.
type Delivery struct {
	// ID names the delivery in the Hailong-Delivery header; the same on
	// every attempt and on a resend.
	ID           string            `bson:"id"`
	Subscription string            `bson:"sub"`
	Type         hailong.EventType `bson:"type"`
	// Events index the batch's events.
	Events   []int     `bson:"ev"`
	Attempts int       `bson:"attempts"`
	Next     time.Time `bson:"next"`
	Status   int       `bson:"status,omitempty"` // the last response's code
	Error    string    `bson:"error,omitempty"`  // the last attempt's failure
}

// Batch is a queue entry: events published together, each stored once as
// the JSON a receiver gets, and the deliveries owed of them. It lives in a
// segment of the queue, dropped whole once none of its batches owes
// anything.
type Batch struct {
	ID         string     `bson:"_id"`
	Created    time.Time  `bson:"created"`
	Events     [][]byte   `bson:"events"`
	Deliveries []Delivery `bson:"deliveries"`
	Segment    int        `bson:"-"`
	// dirty: the stored batch is behind (retries counted, deliveries
	// settled or an insert failed); written at Close.
	dirty bool
	// held: not written to the queue yet (Config.QueueAfter); storeAt:
	// when storeDue writes it if it still owes.
	held    bool
	storeAt time.Time
	// raw is, for a batch planned here, the JSON array of Events
	// ("[e0,e1,…]"), each event a slice of it starting at at[i]: the
	// queue stores it and the bodies send slices of it, uncopied.
	raw []byte
	at  []int
}

// JSON returns the JSON array of the batch's events: "[e0,e1,…]".
func (b *Batch) JSON() []byte {
	if b.raw != nil {
		return b.raw
	}
	n := 2 + len(b.Events)
	for _, e := range b.Events {
		n += len(e)
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, e := range b.Events {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	return append(out, ']')
}

// span returns the events at the indexes idx as they follow one another
// in raw ("e3,e4,e5"), when they do: a slice, not a copy.
func (b *Batch) span(idx []int) ([]byte, bool) {
	if b.raw == nil || len(idx) == 0 {
		return nil, false
	}
	for n, i := range idx {
		if i != idx[0]+n {
			return nil, false
		}
	}
	last := idx[len(idx)-1]
	return b.raw[b.at[idx[0]] : b.at[last]+len(b.Events[last])], true
}

// DeadLetter is a delivery that failed its last retry (or whose receiver
// answered 410 Gone), kept with its events until resent.
type DeadLetter struct {
	ID           string            `json:"id" bson:"_id"` // the delivery's id
	Subscription string            `json:"subscription" bson:"sub"`
	Type         hailong.EventType `json:"type" bson:"type"`
	Events       [][]byte          `json:"-" bson:"events"`
	Count        int               `json:"events" bson:"-"`
	Attempts     int               `json:"attempts" bson:"attempts"`
	Status       int               `json:"last_status,omitempty" bson:"status,omitempty"`
	Error        string            `json:"last_error,omitempty" bson:"error,omitempty"`
	Created      time.Time         `json:"created" bson:"created"`
	Died         time.Time         `json:"died" bson:"died"`
}

// States of a delivery in the log.
const (
	StatePending   = "pending"
	StateRetrying  = "retrying"
	StateDelivered = "delivered"
	StateDead      = "dead"
	// StateUnknown is a delivery the log last saw pending or retrying
	// that a start after a crash found neither queued nor dead: it was
	// delivered after the log was last written, or lost with a batch
	// not yet queued (docs/WEBHOOKS.md).
	StateUnknown = "unknown"
)

// LogEntry is the latest word on one delivery to a subscription.
type LogEntry struct {
	Delivery string            `json:"delivery" bson:"delivery"`
	Type     hailong.EventType `json:"type" bson:"type"`
	Events   int               `json:"events" bson:"events"`
	State    string            `json:"state" bson:"state"`
	Attempts int               `json:"attempts" bson:"attempts"`
	Status   int               `json:"last_status,omitempty" bson:"status,omitempty"`
	Error    string            `json:"last_error,omitempty" bson:"error,omitempty"`
	At       time.Time         `json:"at" bson:"at"`
	// Next is when a retrying delivery is tried again.
	Next time.Time `json:"next,omitzero" bson:"next,omitempty"`
}

// Log is a subscription's delivery log, newest first.
type Log struct {
	Subscription string     `bson:"_id"`
	Entries      []LogEntry `bson:"entries"`
}

// Store keeps subscriptions, the queue, dead letters and logs. The queue
// is written insert-only while running, in segments (a collection each on
// MongoDB) dropped whole once delivered: deleting batch by batch would
// scan the queue on FerretDB for every delivery. Dead letters and logs are
// small and bounded.
type Store interface {
	WebhookSubscriptions(ctx context.Context) ([]Subscription, error)
	PutWebhookSubscription(ctx context.Context, s Subscription) error
	DeleteWebhookSubscription(ctx context.Context, id string) error
	// WebhookQueue returns the queued batches, each with its Segment,
	// and every segment of the queue, empty ones included.
	WebhookQueue(ctx context.Context) ([]Batch, []int, error)
	// InsertWebhookBatch and ReplaceWebhookBatch write a batch in its
	// segment.
	InsertWebhookBatch(ctx context.Context, b Batch) error
	ReplaceWebhookBatch(ctx context.Context, b Batch) error
	// DropWebhookSegment drops a segment whose batches owe nothing.
	DropWebhookSegment(ctx context.Context, segment int) error
	// DeleteWebhookBatches deletes batches of a segment that owe
	// nothing, at Close, when others of the segment still owe.
	DeleteWebhookBatches(ctx context.Context, segment int, ids []string) error
	WebhookDeadLetters(ctx context.Context) ([]DeadLetter, error)
	InsertWebhookDeadLetter(ctx context.Context, l DeadLetter) error
	DeleteWebhookDeadLetter(ctx context.Context, id string) error
	WebhookLogs(ctx context.Context) ([]Log, error)
	PutWebhookLog(ctx context.Context, l Log) error
}

// NewSecret returns a fresh signing secret: 32 random bytes, printable.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}
