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
		// what a crash then left delivers.
		wantInserts    []int
		wantFirstAt    time.Duration // after the first upload
		wantAfterCrash int
	}{
		{"the receiver answers", nil, nil, 0, 0},
		{"the receiver is down", func(int) int { return 503 }, []int{4, 4, 4}, gather + queueAfter, 12},
		{"the receiver fails the second batch only", func(n int) int {
			if n == 2 {
				return 500
			}
			return 204
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
// ratings gathered before it) is written when planned, as is every batch
// when QueueAfter is negative; Close writes the held batches that still
// owe, so that a clean stop loses nothing.
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

func mustQueue(t *testing.T, st webhooks.Store) []webhooks.Batch {
	t.Helper()
	q, _, err := st.WebhookQueue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return q
}
