package webhooks_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/ingest"
	"hailong/aggregator/webhooks"
)

// countingStore records every insert into the queue: when, and how many
// events the batch stores.
type countingStore struct {
	*memStore
	mu      sync.Mutex
	inserts []insert
	drops   int
}

func (c *countingStore) DropWebhookSegment(ctx context.Context, seg int) error {
	c.mu.Lock()
	c.drops++
	c.mu.Unlock()
	return c.memStore.DropWebhookSegment(ctx, seg)
}

func (c *countingStore) dropped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drops
}

type insert struct {
	at     time.Time
	events int
}

func (c *countingStore) InsertWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	c.mu.Lock()
	c.inserts = append(c.inserts, insert{at: time.Now(), events: len(b.Events)})
	c.mu.Unlock()
	return c.memStore.InsertWebhookBatch(ctx, b)
}

// sizes returns the events of each insert made, in order.
func (c *countingStore) sizes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n []int
	for _, i := range c.inserts {
		n = append(n, i.events)
	}
	return n
}

// stored returns n ratings of unit C stored, with ids prefix0, prefix1, …
func stored(prefix string, n int) []ingest.Stored {
	out := make([]ingest.Stored, n)
	for i := range out {
		out[i].Rating = &hailong.Rating{ID: fmt.Sprint(prefix, i), Unit: "C", Channel: hailong.ChannelKiosk,
			At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Submission: hailong.Submission{Questionnaire: "q"}}
	}
	return out
}

// ratingIDs returns the event ids of stored ratings, in order.
func ratingIDs(s []ingest.Stored) []string {
	var ids []string
	for _, r := range s {
		ids = append(ids, "rating.stored:"+r.Rating.ID)
	}
	return ids
}

// With every batch written when planned (QueueAfter < 0), the ratings of
// uploads stored within the gathering window are queued with one insert,
// at the window's end after the first of them, and delivered in the order
// stored; reaching GatherEvents ends the wait at once.
func TestRatingsGatheredIntoOneInsert(t *testing.T) {
	cases := []struct {
		name         string
		gatherEvents int
		uploads      int // of 4 ratings each, 5 ms apart
		want         []int
		wantAt       time.Duration // the first insert, after the first upload
	}{
		{"five uploads within the window", 0, 5, []int{20}, 25 * time.Millisecond},
		{"one upload", 0, 1, []int{4}, 25 * time.Millisecond},
		{"the third upload reaches GatherEvents", 12, 3, []int{12}, 10 * time.Millisecond},
		{"GatherEvents reached, then the rest waits", 12, 5, []int{12, 8}, 10 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := &countingStore{memStore: newMemStore()}
				rc := &recorder{}
				d := start(t, webhooks.Config{Store: st, Client: handlerClient(rc), Gather: 25 * time.Millisecond, GatherEvents: c.gatherEvents,
					QueueAfter: -1}) // every batch written when planned
				subscribe(t, d, url, "P", hailong.EventRatingStored)
				t0 := time.Now()
				var want []string
				for i := range c.uploads {
					if i > 0 {
						time.Sleep(5 * time.Millisecond)
					}
					s := stored(fmt.Sprint("u", i, "-"), 4)
					want = append(want, ratingIDs(s)...)
					d.PublishRatings(s)
				}
				synctest.Wait()
				time.Sleep(time.Second)
				synctest.Wait()
				if got := st.sizes(); !slices.Equal(got, c.want) {
					t.Fatalf("inserts of %v events, want %v", got, c.want)
				}
				if at := st.inserts[0].at.Sub(t0); at != c.wantAt {
					t.Errorf("first insert at +%v, want +%v", at, c.wantAt)
				}
				if got := rc.eventIDs(); !slices.Equal(got, want) {
					t.Errorf("received %v, want %v", got, want)
				}
			})
		})
	}
}

// An alert's event or a ping is not held by the window: it is queued at
// once, with the ratings held before it, in the order published.
func TestGatherKeepsOrderAndHoldsNoAlert(t *testing.T) {
	cases := []struct {
		name  string
		after func(t *testing.T, d *webhooks.Dispatcher, sub webhooks.Subscription) string // publishes; returns its event id
	}{
		{"an alert", func(t *testing.T, d *webhooks.Dispatcher, _ webhooks.Subscription) string {
			d.Publish(context.Background(), event("alert.opened:a1", hailong.EventAlertOpened, "C"))
			return "alert.opened:a1"
		}},
		{"a ping", func(t *testing.T, d *webhooks.Dispatcher, sub webhooks.Subscription) string {
			if _, err := d.Ping(context.Background(), sub.ID); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rc := &recorder{}
				d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc), Gather: time.Second})
				sub := subscribe(t, d, url, "P", hailong.EventRatingStored, hailong.EventAlertOpened)
				first, second := stored("a", 3), stored("b", 2)
				d.PublishRatings(first)
				synctest.Wait()
				id := c.after(t, d, sub)
				synctest.Wait()
				got := rc.requests()
				var ids []string
				for _, r := range got {
					for _, e := range r.Events {
						if e.Type == webhooks.EventPing {
							e.ID = "ping"
						}
						ids = append(ids, e.ID)
					}
				}
				if id == "" {
					id = "ping"
				}
				if want := append(ratingIDs(first), id); !slices.Equal(ids, want) {
					t.Fatalf("before the window's end, received %v, want %v", ids, want)
				}
				d.PublishRatings(second)
				time.Sleep(time.Minute)
				synctest.Wait()
				if n := len(rc.requests()); n != len(got)+1 || !slices.Equal(rc.eventIDs()[len(ids):], ratingIDs(second)) {
					t.Fatalf("after the window, received %v", rc.eventIDs())
				}
			})
		})
	}
}

// A clean stop within the window queues the ratings held: the next start
// delivers them.
func TestCloseQueuesGathered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &countingStore{memStore: newMemStore()}
		down := &recorder{status: func(int) int { return 503 }}
		d := webhooks.New(webhooks.Config{Store: st, Covers: tree, Client: handlerClient(down), Logger: quiet, AllowPrivate: true, Gather: time.Hour})
		if err := d.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		subscribe(t, d, url, "P", hailong.EventRatingStored)
		s := stored("r", 5)
		d.PublishRatings(s)
		synctest.Wait()
		if n := len(st.sizes()); n != 0 {
			t.Fatalf("%d inserts within the window", n)
		}
		d.Close(context.Background())
		if got := st.sizes(); !slices.Equal(got, []int{5}) {
			t.Fatalf("inserts at Close: %v, want one of 5 events", got)
		}
		if n := len(down.requests()); n != 0 {
			t.Fatalf("%d requests before Close", n)
		}

		rc := &recorder{}
		start(t, webhooks.Config{Store: st, Client: handlerClient(rc)})
		synctest.Wait()
		if got := rc.eventIDs(); !slices.Equal(got, ratingIDs(s)) {
			t.Fatalf("after the start, received %v, want %v", got, ratingIDs(s))
		}
	})
}

// Gathered batches, each written (QueueAfter < 0), come further apart
// than their deliveries take: the segment they go to is kept while they
// come, not dropped with each and made again by the next insert, and
// dropped once quiet for a segment's time (or at Close), so that nothing
// delivered is left in the queue.
func TestSegmentKeptBetweenGatheredBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &countingStore{memStore: newMemStore()}
		rc := &recorder{}
		d := start(t, webhooks.Config{Store: st, Client: handlerClient(rc), Gather: 25 * time.Millisecond, QueueAfter: -1})
		subscribe(t, d, url, "P", hailong.EventRatingStored)
		for i := range 20 {
			d.PublishRatings(stored(fmt.Sprint("u", i, "-"), 2))
			time.Sleep(100 * time.Millisecond)
			synctest.Wait()
		}
		if n, got := len(st.sizes()), len(rc.eventIDs()); n != 20 || got != 40 {
			t.Fatalf("%d inserts, %d events delivered; want 20 and 40", n, got)
		}
		if n := st.dropped(); n != 0 {
			t.Fatalf("%d segments dropped while batches kept coming, want 0", n)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if n := st.dropped(); n != 1 {
			t.Fatalf("%d segments dropped after a quiet spell, want 1", n)
		}
		if q, _, _ := st.WebhookQueue(context.Background()); len(q) != 0 {
			t.Fatalf("%d delivered batches left in the queue", len(q))
		}
	})
}
