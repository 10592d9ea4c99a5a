package uploader_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/kiosk/uploader"
	"hailong/syncapi"
)

// TestThousandsOfDeferredRatingsNeverStarveNewerOnes queues thousands of
// ratings the aggregator defers (recorded under a wrong -unit) in a real
// bolt outbox, then a valid one: the uploader walks past the deferred ones
// and delivers it, a later one goes in one upload without walking them
// again, and once the aggregator takes them all are delivered.
func TestThousandsOfDeferredRatingsNeverStarveNewerOnes(t *testing.T) {
	const deferred = 3000
	box, err := bolt.Open(filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	record := func(unit string) hailong.Rating {
		t.Helper()
		r := queued(unit, "counter-quick", 1)
		r.At = time.Now().UTC()
		if _, _, err := box.Record(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for range deferred {
		record("TT-WRONG")
	}
	record("TT-1")
	agg := newAggregator("TT-1", "counter-quick@1")
	// A long backoff: the deferred ratings' turn does not come again
	// within the test unless asked.
	u := newUploader(t, box, serve(t, agg), uploader.Config{Batch: 200, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx := t.Context()

	walk := 0
	for n := 0; n == 0; {
		if walk++; walk > deferred/200+2 {
			t.Fatalf("after %d uploads the valid rating behind %d deferred ones is still queued", walk-1, deferred)
		}
		if n, err = u.SyncOnce(ctx); err != nil && !errors.Is(err, uploader.ErrDeferred) {
			t.Fatal(err)
		}
	}
	if st := stats(t, box); st.Queued != deferred || st.Synced != 1 {
		t.Fatalf("queued %d, synced %d after the walk; want %d and 1", st.Queued, st.Synced, deferred)
	}
	t.Logf("the valid rating went in upload %d", walk)

	// A new rating goes at once: the walk does not start over at the head
	// before the backoff is over.
	before := agg.uploadCount()
	record("TT-1")
	if n, err := u.SyncOnce(ctx); n != 1 || err != nil {
		t.Fatalf("a new rating after the walk: %d, %v; want it sent at once", n, err)
	}
	if got := agg.uploadCount() - before; got != 1 {
		t.Errorf("%d uploads for one new rating, want 1", got)
	}

	// The aggregator takes them now (the operator mended the unit): the
	// node, restarted, delivers every deferred rating.
	agg.mu.Lock()
	agg.unit = "TT-WRONG"
	agg.mu.Unlock()
	u2 := newUploader(t, box, serve(t, agg), uploader.Config{Batch: 200})
	for i := 0; stats(t, box).Queued > 0; i++ {
		if i > deferred/200+2 {
			t.Fatalf("%d still queued after %d uploads", stats(t, box).Queued, i)
		}
		if _, err := u2.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if st := stats(t, box); st.Synced != deferred+2 {
		t.Errorf("synced %d, want %d", st.Synced, deferred+2)
	}
}

func stats(t *testing.T, o *bolt.Outbox) bolt.Stats {
	t.Helper()
	st, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRunWalksPastDeferredRatingsAndBacksOffAtTheEnd: Run sends the
// batches of a long deferred head one after the other, backs off at the
// end of the queue, sends a new rating at once when kicked, and offers the
// deferred ones again only after the backoff.
func TestRunWalksPastDeferredRatingsAndBacksOffAtTheEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		agg := newAggregator("TT-1", "counter-quick@1")
		box := &memOutbox{}
		for range 30 {
			box.queue = append(box.queue, queued("TT-WRONG", "counter-quick", 1))
		}
		cred, _ := syncapi.NewCredential("k1")
		u := uploader.New(uploader.Config{Outbox: box, Aggregator: "http://aggregator.test", Credential: cred, Unit: "TT-1",
			Client: &http.Client{Transport: inMemory{agg}}, Batch: 4, MinBackoff: time.Minute, MaxBackoff: time.Minute, Idle: time.Hour,
			Logger: slog.New(slog.DiscardHandler)})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go u.Run(ctx)
		synctest.Wait()
		// 30 deferred in batches of 4: 8 uploads, at once, then the backoff.
		if n := agg.uploadCount(); n != 8 {
			t.Fatalf("%d uploads for the walk, want 8", n)
		}
		box.mu.Lock()
		box.queue = append(box.queue, queued("TT-1", "counter-quick", 1))
		box.mu.Unlock()
		u.Kick()
		synctest.Wait()
		if n, q := agg.uploadCount(), box.len(); n != 9 || q != 30 {
			t.Fatalf("after a kick: %d uploads, %d queued; want the new rating sent alone and delivered", n, q)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := agg.uploadCount(); n != 17 {
			t.Errorf("%d uploads after the backoff, want the 8 of another walk", n)
		}
	})
}
