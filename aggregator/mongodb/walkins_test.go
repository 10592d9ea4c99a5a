package mongodb_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hailong/aggregator/ferret/ferrettest"
)

// TestWalkInsNeverExceedMax races phones on one code through two counters
// on the same database, as two aggregators (or one before and after a
// restart with a stale cache) would be: the code gives exactly max
// ratings, and a counter read afterwards knows it is used up.
func TestWalkInsNeverExceedMax(t *testing.T) {
	db := ferrettest.Open(t)
	ctx := context.Background()
	now := time.Now()
	a, err := db.WalkIns(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.WalkIns(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	const max = 10
	code := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	expires := now.Add(15 * time.Minute)
	var taken atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		counter := a
		if i%2 == 1 {
			counter = b
		}
		wg.Go(func() {
			ok, err := counter.Take(ctx, code, expires, max)
			if err != nil {
				t.Error(err)
			}
			if ok {
				taken.Add(1)
			}
		})
	}
	wg.Wait()
	if n := taken.Load(); n != max {
		t.Fatalf("%d uses taken, want %d", n, max)
	}
	c, err := db.WalkIns(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Take(ctx, code, expires, max); ok || err != nil {
		t.Fatalf("a counter read afterwards took use %d: %v %v", max+1, ok, err)
	}
	if ok, err := c.Take(ctx, [8]byte{9}, expires, max); !ok || err != nil {
		t.Fatalf("another code: %v %v", ok, err)
	}
}

// TestWalkInsForgetExpiredCodes purges expired uses: they are deleted, so
// the collection read at start stays small, and not counted any more.
func TestWalkInsForgetExpiredCodes(t *testing.T) {
	db := ferrettest.Open(t)
	ctx := context.Background()
	now := time.Now()
	w, err := db.WalkIns(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	old, live := [8]byte{1}, [8]byte{2}
	for range 3 {
		w.Take(ctx, old, now.Add(time.Minute), 3)
		w.Take(ctx, live, now.Add(time.Hour), 3)
	}
	later := now.Add(2 * time.Minute)
	if err := w.Purge(ctx, later); err != nil {
		t.Fatal(err)
	}
	// Only the expired code's uses are gone: a new counter sees the live
	// code used up, and the old one (were its token still honoured) fresh.
	r, err := db.WalkIns(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.Take(ctx, live, now.Add(time.Hour), 3); ok {
		t.Error("the live code's uses were lost")
	}
	if ok, _ := r.Take(ctx, old, now.Add(time.Hour), 3); !ok {
		t.Error("the expired code's uses were not deleted")
	}
}
