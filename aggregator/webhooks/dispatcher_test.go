package webhooks_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/webhooks"
)

var quiet = slog.New(slog.DiscardHandler)

const url = "http://receiver.example/hook"

// A failing receiver is retried on the schedule, then the delivery is a
// dead letter; resending it delivers it, with the same delivery id.
func TestRetriesThenDeadLetterThenResend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := true
		rc := &recorder{status: func(int) int {
			if failing {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}}
		schedule := []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute}
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc), Schedule: schedule, Jitter: -1})
		sub := subscribe(t, d, url, "P", hailong.EventAlertOpened)
		t0 := time.Now()
		d.Publish(context.Background(), event("alert.opened:a1", hailong.EventAlertOpened, "C"))
		time.Sleep(time.Hour)
		synctest.Wait()

		got := rc.requests()
		if len(got) != 1+len(schedule) {
			t.Fatalf("%d attempts, want %d", len(got), 1+len(schedule))
		}
		wantAt := []time.Duration{0, time.Minute, 5 * time.Minute, 21 * time.Minute}
		for i, r := range got {
			if r.At.Sub(t0) != wantAt[i] {
				t.Errorf("attempt %d at +%v, want +%v", i+1, r.At.Sub(t0), wantAt[i])
			}
			if r.Headers.Get(webhooks.HeaderAttempt) != fmt.Sprint(i+1) || r.Delivery != got[0].Delivery {
				t.Errorf("attempt %d: headers %v, delivery %s", i+1, r.Headers, r.Delivery)
			}
		}
		dead := d.DeadLetters()
		if len(dead) != 1 || dead[0].ID != got[0].Delivery || dead[0].Attempts != 4 || dead[0].Status != 500 || dead[0].Subscription != sub.ID {
			t.Fatalf("dead letters %+v", dead)
		}
		log, _ := d.Log(sub.ID)
		if len(log) != 1 || log[0].State != webhooks.StateDead || log[0].Attempts != 4 || log[0].Status != 500 {
			t.Fatalf("log %+v", log)
		}

		failing = false
		if err := d.Resend(context.Background(), dead[0].ID, nil); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		got = rc.requests()
		last := got[len(got)-1]
		if len(got) != 5 || last.Delivery != dead[0].ID || len(last.Events) != 1 || last.Events[0].ID != "alert.opened:a1" {
			t.Fatalf("after resend: %d requests, last %+v", len(got), last)
		}
		if left := d.DeadLetters(); len(left) != 0 {
			t.Fatalf("dead letters after resend: %+v", left)
		}
		log, _ = d.Log(sub.ID)
		if log[0].State != webhooks.StateDelivered || log[0].Status != 200 {
			t.Fatalf("log after resend %+v", log)
		}
	})
}

// The waits are spread by the jitter, within its fraction.
func TestRetryJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{status: func(int) int { return http.StatusBadGateway }}
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc), Schedule: []time.Duration{100 * time.Second}, Jitter: 0.2})
		subscribe(t, d, url, "P", hailong.EventAlertOpened)
		var waits []time.Duration
		for i := range 20 {
			d.Publish(context.Background(), event(fmt.Sprint(i), hailong.EventAlertOpened, "P"))
			time.Sleep(time.Hour)
			synctest.Wait()
			got := rc.requests()
			waits = append(waits, got[len(got)-1].At.Sub(got[len(got)-2].At))
		}
		for _, w := range waits {
			if w < 80*time.Second || w > 120*time.Second {
				t.Fatalf("wait %v outside 100 s ± 20%%", w)
			}
		}
		if slices.Min(waits) == slices.Max(waits) {
			t.Fatalf("all waits %v: no jitter", waits[0])
		}
	})
}

// A receiver answering 410 Gone disables its subscription; its delivery
// is a dead letter at once.
func TestGoneDisables(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{status: func(int) int { return http.StatusGone }}
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc)})
		sub := subscribe(t, d, url, "P", hailong.EventAlertOpened)
		d.Publish(context.Background(), event("e1", hailong.EventAlertOpened, "P"))
		synctest.Wait()
		s, _ := d.Subscription(sub.ID)
		if s.Enabled || s.Disabled == "" {
			t.Fatalf("subscription %+v", s)
		}
		if dead := d.DeadLetters(); len(dead) != 1 || dead[0].Attempts != 1 {
			t.Fatalf("dead letters %+v", dead)
		}
		d.Publish(context.Background(), event("e2", hailong.EventAlertOpened, "P"))
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if n := len(rc.requests()); n != 1 {
			t.Fatalf("%d requests to a disabled subscription's receiver", n)
		}
	})
}

// A subscription receives the events of its types whose unit is in its
// scope, and nothing else; a ping goes to one subscription only.
func TestScopeAndTypes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, q := &recorder{}, &recorder{}
		mux := http.NewServeMux()
		mux.Handle("/p", p)
		mux.Handle("/q", q)
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(mux)})
		subscribe(t, d, "http://r.example/p", "P", hailong.EventAlertOpened, hailong.EventRatingStored)
		sq := subscribe(t, d, "http://r.example/q", "Q", hailong.EventAlertClosed)
		d.Publish(context.Background(),
			event("1", hailong.EventAlertOpened, "C"),  // P: commune under it
			event("2", hailong.EventAlertOpened, "Q"),  // neither: Q takes closings only
			event("3", hailong.EventRatingStored, "P"), // P
			event("4", hailong.EventAlertClosed, "C"),  // neither: C is not under Q; P takes no closings
			event("5", hailong.EventAlertClosed, "Q"),  // Q
			event("6", hailong.EventRatingStored, "X"), // neither: X is in no scope
		)
		synctest.Wait()
		if got := p.eventIDs(); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"1", "3"}) {
			t.Errorf("P received %v, want 1 and 3", got)
		}
		if got := q.eventIDs(); !slices.Equal(got, []string{"5"}) {
			t.Errorf("Q received %v, want 5", got)
		}
		for _, r := range p.requests() {
			if r.Headers.Get(webhooks.HeaderEvent) != string(r.Events[0].Type) {
				t.Errorf("Hailong-Event %q for %s", r.Headers.Get(webhooks.HeaderEvent), r.Events[0].Type)
			}
		}
		if _, err := d.Ping(context.Background(), sq.ID); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		got := q.requests()
		if len(got) != 2 || got[1].Events[0].Type != webhooks.EventPing || len(p.requests()) != 2 {
			t.Fatalf("after ping: Q %d requests, P %d", len(got), len(p.requests()))
		}
	})
}

// Many events make deliveries of at most MaxEvents events each, every
// event once.
func TestBatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{}
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc), MaxEvents: 7})
		subscribe(t, d, url, "P", hailong.EventRatingStored)
		var want []string
		for i := range 100 {
			want = append(want, fmt.Sprint(i))
			d.Publish(context.Background(), event(fmt.Sprint(i), hailong.EventRatingStored, "C"))
		}
		synctest.Wait()
		for _, r := range rc.requests() {
			if len(r.Events) > 7 {
				t.Fatalf("a delivery of %d events", len(r.Events))
			}
		}
		if got := rc.eventIDs(); !slices.Equal(got, want) {
			t.Fatalf("received %v", got)
		}
	})
}

// Publish never waits, even when the queue's database and the receiver
// both hang: past the buffer it drops and counts.
func TestPublishNeverWaits(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	st := &hangingStore{memStore: newMemStore(), hang: hang}
	d := start(t, webhooks.Config{Store: st, Client: handlerClient(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang })), Buffer: 64})
	subscribe(t, d, url, "P", hailong.EventRatingStored)
	for i := range 10_000 {
		d.Publish(context.Background(), event(fmt.Sprint(i), hailong.EventRatingStored, "P"))
	}
	if d.Dropped() == 0 {
		t.Fatal("10,000 events into a buffer of 64 while the queue hangs, none dropped: Publish must have waited")
	}
}

// hangingStore hangs on queueing until hang is closed.
type hangingStore struct {
	*memStore
	hang chan struct{}
}

func (h *hangingStore) InsertWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	<-h.hang
	return h.memStore.InsertWebhookBatch(ctx, b)
}

// A receiver that never answers holds its own deliveries only: another
// subscription's events still arrive.
func TestHangingReceiverHoldsOnlyItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := make(chan struct{})
		defer close(hang)
		ok := &recorder{}
		mux := http.NewServeMux()
		mux.Handle("/ok", ok)
		mux.HandleFunc("/hang", func(http.ResponseWriter, *http.Request) { <-hang })
		d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(mux), MaxEvents: 1})
		subscribe(t, d, "http://r.example/hang", "P", hailong.EventRatingStored)
		subscribe(t, d, "http://r.example/ok", "P", hailong.EventRatingStored)
		for i := range 50 {
			d.Publish(context.Background(), event(fmt.Sprint(i), hailong.EventRatingStored, "P"))
			synctest.Wait()
		}
		if n := len(ok.eventIDs()); n != 50 {
			t.Fatalf("the other receiver got %d of 50 events", n)
		}
	})
}

// After a clean stop, a restart sends what was owed and nothing that was
// delivered: not the deliveries of a batch half delivered, nor a batch
// delivered whole beside one still owed.
func TestCleanRestartSendsOnlyWhatIsOwed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		a := &recorder{}
		failing := true
		b := &recorder{status: func(int) int {
			if failing {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}}
		mux := http.NewServeMux()
		mux.Handle("/a", a)
		mux.Handle("/b", b)
		d := webhooks.New(webhooks.Config{Store: st, Covers: tree, Client: handlerClient(mux), Logger: quiet, AllowPrivate: true})
		if err := d.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		subscribe(t, d, "http://r.example/a", "P", hailong.EventAlertOpened, hailong.EventAlertClosed)
		subscribe(t, d, "http://r.example/b", "P", hailong.EventAlertOpened)
		d.Publish(context.Background(), event("opened", hailong.EventAlertOpened, "P"))
		synctest.Wait()
		d.Publish(context.Background(), event("closed", hailong.EventAlertClosed, "P"))
		synctest.Wait()
		d.Close(context.Background())

		failing = false
		d = start(t, webhooks.Config{Store: st, Client: handlerClient(mux)})
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := a.eventIDs(); !slices.Equal(got, []string{"opened", "closed"}) {
			t.Errorf("A received %v, want each event once", got)
		}
		if got := b.eventIDs(); len(got) < 2 || got[len(got)-1] != "opened" || slices.Contains(got, "closed") {
			t.Errorf("B received %v, want its event again until taken", got)
		}
	})
}
