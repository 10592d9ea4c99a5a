package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/webhooks"
)

// Deliveries pending when the aggregator stops (a receiver that does not
// answer, events just published) are sent after a restart on the same
// database, each event once, and the queue is then empty.
func TestRestartDeliversPendingOnce(t *testing.T) {
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer hanging.Close()
	defer close(hang)

	d := webhooks.New(webhooks.Config{Store: db, Covers: tree, AllowPrivate: true, Logger: quiet, Schedule: []time.Duration{time.Millisecond}})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub := subscribe(t, d, hanging.URL, "P", hailong.EventRatingStored)
	var want []string
	for i := range 5000 {
		id := fmt.Sprintf("rating.stored:%04d", i)
		want = append(want, id)
		d.Publish(context.Background(), event(id, hailong.EventRatingStored, "C"))
	}
	// Close at once: the events still buffered are queued, the attempt in
	// flight is cancelled when the deadline passes.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	d.Close(ctx)
	cancel()
	closeDB()

	db, _ = ferrettest.OpenDir(t, dir)
	queued, _, err := db.WebhookQueue(context.Background())
	if err != nil || len(queued) == 0 {
		t.Fatalf("queue after the stop: %d batches, %v", len(queued), err)
	}
	rc := &recorder{}
	ok := httptest.NewServer(rc)
	defer ok.Close()
	sub.URL = ok.URL // the receiver is back, elsewhere
	if err := db.PutWebhookSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	d = webhooks.New(webhooks.Config{Store: db, Covers: tree, AllowPrivate: true, Logger: quiet})
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	waitFor(t, func() bool { return len(rc.eventIDs()) >= len(want) })
	waitFor(t, func() bool {
		q, _, err := db.WebhookQueue(context.Background())
		return err == nil && len(q) == 0
	})
	if got := slices.Sorted(slices.Values(rc.eventIDs())); !slices.Equal(got, want) {
		t.Fatalf("received %d events, want each of %d once", len(got), len(want))
	}
}

// waitFor polls cond until it holds, failing the test after a minute
// (a bound on a hang, not a measure of speed).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not so after a minute")
		}
	}
}
