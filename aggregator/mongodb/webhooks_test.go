package mongodb_test

import (
	"bytes"
	"compress/flate"
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/webhooks"
)

// A queued batch comes back as it was written: its events, and each
// delivery's events whether they follow one another in the batch or not
// (stored as runs); a batch queued by an aggregator before runs (a list
// of indexes) still reads.
func TestWebhookQueueRoundTrip(t *testing.T) {
	db := ferrettest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	events := [][]byte{[]byte(`{"id":"a"}`), []byte(`{"id":"b"}`), []byte(`{"id":"c"}`), []byte(`{"id":"d"}`), []byte(`{"id":"e"}`)}
	cases := []struct {
		name string
		idx  []int
	}{
		{"every event", []int{0, 1, 2, 3, 4}},
		{"every other", []int{0, 2, 4}},
		{"runs and gaps", []int{0, 1, 3, 4}},
		{"one", []int{3}},
	}
	want := webhooks.Batch{ID: "b1", Created: at, Events: events, Segment: 1}
	for i, c := range cases {
		want.Deliveries = append(want.Deliveries, webhooks.Delivery{ID: c.name, Subscription: "s", Type: hailong.EventRatingStored,
			Events: c.idx, Attempts: i, Next: at})
	}
	if err := db.InsertWebhookBatch(ctx, want); err != nil {
		t.Fatal(err)
	}
	var old bytes.Buffer
	w, _ := flate.NewWriter(&old, flate.BestSpeed)
	w.Write([]byte(`[{"id":"x"},{"id":"y"}]`))
	w.Close()
	if err := db.InsertRawWebhookBatch(ctx, 2, bson.D{{Key: "_id", Value: "b0"}, {Key: "created", Value: at}, {Key: "events_deflate", Value: old.Bytes()},
		{Key: "deliveries", Value: bson.A{bson.D{{Key: "id", Value: "old"}, {Key: "sub", Value: "s"}, {Key: "type", Value: "rating.stored"},
			{Key: "ev", Value: bson.A{0, 1}}, {Key: "attempts", Value: 0}, {Key: "next", Value: at}}}}}); err != nil {
		t.Fatal(err)
	}
	queue, segs, err := db.WebhookQueue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(segs)
	if len(queue) != 2 || !slices.Equal(segs, []int{1, 2}) {
		t.Fatalf("queue %+v, segments %v", queue, segs)
	}
	slices.SortFunc(queue, func(a, b webhooks.Batch) int { return a.Segment - b.Segment })
	got := queue[0]
	if got.ID != want.ID || !got.Created.Equal(at) || len(got.Events) != len(events) || len(got.Deliveries) != len(cases) {
		t.Fatalf("batch %+v", got)
	}
	for i, e := range events {
		if !bytes.Equal(got.Events[i], e) {
			t.Errorf("event %d: %s, want %s", i, got.Events[i], e)
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := got.Deliveries[i]; d.ID != c.name || !slices.Equal(d.Events, c.idx) || d.Attempts != i {
				t.Fatalf("delivery %+v, want events %v", d, c.idx)
			}
		})
	}
	t.Run("written before runs", func(t *testing.T) {
		if d := queue[1].Deliveries; len(d) != 1 || !slices.Equal(d[0].Events, []int{0, 1}) || len(queue[1].Events) != 2 {
			t.Fatalf("batch %+v", queue[1])
		}
	})
}
