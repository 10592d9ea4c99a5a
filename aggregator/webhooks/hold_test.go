package webhooks_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/webhooks"
)

// A batch of rating.stored events is delivered from memory first and
// written to the queue only if it still owes a delivery QueueAfter after
// it was planned: receivers that answer cost no write, one that does not
// has its events written, and a crash after that loses none of them.
func TestRatingsWrittenOnlyWhenStillOwed(t *testing.T) {
	const gather, queueAfter = 25 * time.Millisecond, time.Second
	cases := []struct {
		name   string
		status func(int) int // the receiver's answer to request n; nil: 204
		// wantInserts: the inserts' sizes a second after the last
		// upload; wantAfterCrash: the events a dispatcher started on
		// what a crash 30 s later left delivers.
		wantInserts    []int
		wantFirstAt    time.Duration // after the first upload
		wantAfterCrash int
	}{
		{"the receiver answers", nil, nil, 0, 0},
		{"the receiver is down", func(int) int { return 503 }, []int{4, 4, 4}, gather + queueAfter, 12},
		// The first and third batches are delivered (requests 1 and 3),
		// the second keeps failing: its segment must outlive the
		// delivered batches never written, past the segment's idle
		// time.
		{"the receiver keeps failing the second batch", func(n int) int {
			if n == 1 || n == 3 {
				return 204
			}
			return 500
		}, []int{4}, 100*time.Millisecond + gather + queueAfter, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := &countingStore{memStore: newMemStore()}
				rc := &recorder{status: c.status}
				d := start(t, webhooks.Config{Store: st, Client: handlerClient(rc), Gather: gather, QueueAfter: queueAfter})
				subscribe(t, d, url, "P", hailong.EventRatingStored)
				t0 := time.Now()
				for i := range 3 {
					d.PublishRatings(stored(fmt.Sprint("u", i, "-"), 4))
					time.Sleep(100 * time.Millisecond)
				}
				synctest.Wait()
				if n := st.sizes(); len(n) != 0 {
					t.Fatalf("inserts %v before the batches are QueueAfter old", n)
				}
				if lost := st.crashed(); len(mustQueue(t, lost)) != 0 {
					t.Fatal("a batch queued before it is QueueAfter old")
				}
				time.Sleep(queueAfter + time.Second)
				synctest.Wait()
				if got := st.sizes(); !slices.Equal(got, c.wantInserts) {
					t.Fatalf("inserts of %v events, want %v", got, c.wantInserts)
				}
				if len(c.wantInserts) > 0 {
					if at := st.inserts[0].at.Sub(t0); at != c.wantFirstAt {
						t.Errorf("first insert at +%v, want +%v (planned after the gathering, written QueueAfter later)", at, c.wantFirstAt)
					}
				}
				if n := st.dropped(); n != 0 {
					t.Errorf("%d segments dropped, want none", n)
				}
				time.Sleep(30 * time.Second) // past the retries at 10 s, and a segment's idle time
				synctest.Wait()

				// A crash now: another dispatcher starts on what is
				// stored, with a receiver that answers, and sends what
				// was owed when its retries fall due.
				after := &recorder{}
				start(t, webhooks.Config{Store: st.crashed(), Client: handlerClient(after), Gather: gather, QueueAfter: queueAfter})
				time.Sleep(time.Minute)
				synctest.Wait()
				if n := len(after.eventIDs()); n != c.wantAfterCrash {
					t.Fatalf("after the crash, %d events delivered, want %d", n, c.wantAfterCrash)
				}
			})
		})
	}
}

// A batch holding anything but rating.stored events (an alert's, with the
// ratings gathered before it) is written when planned; Close writes the
// held batches that still owe, so that a clean stop loses nothing. (Every
// batch written when planned, QueueAfter < 0, is gather_test.go's.)
func TestBatchesWrittenAtOnceAndAtClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &countingStore{memStore: newMemStore()}
		down := &recorder{status: func(int) int { return 503 }}
		d := webhooks.New(webhooks.Config{Store: st, Covers: tree, Client: handlerClient(down), Logger: quiet, AllowPrivate: true})
		if err := d.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		subscribe(t, d, url, "P", hailong.EventRatingStored, hailong.EventAlertOpened)
		d.PublishRatings(stored("a", 3))
		d.Publish(context.Background(), event("alert.opened:x", hailong.EventAlertOpened, "C"))
		synctest.Wait()
		if got := st.sizes(); !slices.Equal(got, []int{4}) {
			t.Fatalf("inserts of %v events, want one of the 3 ratings and the alert at once", got)
		}
		d.PublishRatings(stored("b", 2))
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if got := st.sizes(); !slices.Equal(got, []int{4}) {
			t.Fatalf("inserts of %v events before Close, want the ratings alone held", got)
		}
		d.Close(context.Background())
		if got := st.sizes(); !slices.Equal(got, []int{4, 2}) {
			t.Fatalf("inserts of %v events after Close, want the held batch written", got)
		}
	})
}

// mustQueue returns the batches st holds in its queue.
func mustQueue(t *testing.T, st webhooks.Store) []webhooks.Batch {
	t.Helper()
	q, _, err := st.WebhookQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A subscription's delivery log keeps the newest LogSize deliveries,
// newest first, however many are noted.
func TestDeliveryLogNewestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{}
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc), Gather: -1, LogSize: 3})
		sub := subscribe(t, d, url, "P", hailong.EventRatingStored)
		for i := range 5 {
			d.PublishRatings(stored(fmt.Sprint("u", i, "-"), 1))
			synctest.Wait()
		}
		var sent []string
		for _, r := range rc.requests() {
			sent = append(sent, r.Delivery)
		}
		log, err := d.Log(sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if e.State != webhooks.StateDelivered {
				t.Errorf("delivery %s is %s, want delivered", e.Delivery, e.State)
			}
			got = append(got, e.Delivery)
		}
		if len(sent) != 5 {
			t.Fatalf("%d deliveries sent, want 5", len(sent))
		}
		if want := []string{sent[4], sent[3], sent[2]}; !slices.Equal(got, want) {
			t.Fatalf("log %v, want the last three sent, newest first: %v", got, want)
		}
	})
}

// A start after a crash marks unknown the log lines still pending whose
// delivery the crash lost with its held batch, and leaves those of
// deliveries still queued as they were.
func TestStartMarksLostLogLinesUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		down := &recorder{status: func(int) int { return 503 }}
		d := start(t, webhooks.Config{Store: st, Client: handlerClient(down), Gather: -1, FlushEvery: time.Second, QueueAfter: 5 * time.Second})
		sub := subscribe(t, d, url, "P", hailong.EventRatingStored)
		d.PublishRatings(stored("queued", 1))
		time.Sleep(6 * time.Second) // written to the queue, and the log flushed
		synctest.Wait()
		d.PublishRatings(stored("held", 1))
		time.Sleep(1500 * time.Millisecond) // the log flushed, the batch still held
		synctest.Wait()

		after := start(t, webhooks.Config{Store: st.crashed(), Client: handlerClient(&recorder{status: func(int) int { return 503 }})})
		log, err := after.Log(sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, e := range log {
			states = append(states, e.State)
		}
		if want := []string{webhooks.StateUnknown, webhooks.StateRetrying}; !slices.Equal(states, want) {
			t.Fatalf("log states after the crash %v, want %v (newest first)", states, want)
		}
	})
}
