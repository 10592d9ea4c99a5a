package mongodb_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/lease"
)

// TestLeaseTakeRenewTakeover walks one scope's lease through its states on
// the real database: first take, refused while held, renewed by its holder
// only, taken over once expired (the epoch grows), the old holder's renewal
// refused, released.
func TestLeaseTakeRenewTakeover(t *testing.T) {
	db := ferrettest.Open(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	ttl := 10 * time.Second

	a, err := db.Take(ctx, "provinces:24", "a", now.Add(ttl), now)
	if err != nil || a.Holder != "a" || a.Epoch != 1 {
		t.Fatalf("first take = %+v, %v; want a's at epoch 1", a, err)
	}
	steps := []struct {
		name   string
		holder string
		at     time.Time
		want   string
		epoch  int64
	}{
		{"another process while held", "b", now.Add(time.Second), "a", 1},
		{"another process just at the expiry", "b", now.Add(ttl), "a", 1},
		{"another process once expired", "b", now.Add(ttl + time.Millisecond), "b", 2},
		{"the old holder after the takeover", "a", now.Add(ttl + 2*time.Millisecond), "b", 2},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			l, err := db.Take(ctx, "provinces:24", s.holder, s.at.Add(ttl), s.at)
			if err != nil {
				t.Fatal(err)
			}
			if l.Holder != s.want || l.Epoch != s.epoch {
				t.Errorf("lease = %+v, want held by %s at epoch %d", l, s.want, s.epoch)
			}
		})
	}
	t.Run("the old holder cannot renew", func(t *testing.T) {
		if _, err := db.Renew(ctx, a, now.Add(time.Hour)); !errors.Is(err, lease.ErrLost) {
			t.Errorf("renew = %v, want ErrLost", err)
		}
	})
	b, _, err := db.LeaseOf(ctx, "provinces:24")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the holder renews", func(t *testing.T) {
		l, err := db.Renew(ctx, b, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := db.LeaseOf(ctx, "provinces:24"); !got.Expires.Equal(l.Expires) || got.Holder != "b" || got.Epoch != 2 {
			t.Errorf("stored %+v after renewal to %v", got, l.Expires)
		}
	})
	t.Run("a released lease is taken at once", func(t *testing.T) {
		if err := db.Release(ctx, b); err != nil {
			t.Fatal(err)
		}
		l, err := db.Take(ctx, "provinces:24", "c", now.Add(ttl), now)
		if err != nil || l.Holder != "c" || l.Epoch != 3 {
			t.Errorf("take after release = %+v, %v; want c's at epoch 3", l, err)
		}
	})
	t.Run("scopes are independent", func(t *testing.T) {
		l, err := db.Take(ctx, "provinces:48", "a", now.Add(ttl), now)
		if err != nil || l.Holder != "a" || l.Epoch != 1 {
			t.Errorf("take of another scope = %+v, %v", l, err)
		}
	})
}

// TestLeaseFirstTakeRace has many processes take a new scope's lease at
// once (upserts racing on one _id): exactly one holds it, and every one
// is told the same holder.
func TestLeaseFirstTakeRace(t *testing.T) {
	db := ferrettest.Open(t)
	ctx := context.Background()
	now := time.Now()
	const n = 8
	holders := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			l, err := db.Take(ctx, "all", string(rune('a'+i)), now.Add(time.Minute), now)
			if err != nil {
				t.Error(err)
				return
			}
			holders[i] = l.Holder
		})
	}
	wg.Wait()
	stored, _, err := db.LeaseOf(ctx, "all")
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range holders {
		if h != stored.Holder {
			t.Errorf("process %c was told %q holds the lease; stored: %+v", 'a'+i, h, stored)
		}
	}
	if stored.Epoch != 1 {
		t.Errorf("epoch = %d after the first take, want 1", stored.Epoch)
	}
}

// BenchmarkLeaseRenew is the cost of one renewal, which an owner makes every
// third of the TTL (docs/SCALE.md).
func BenchmarkLeaseRenew(b *testing.B) {
	db := ferrettest.Open(b)
	ctx := context.Background()
	l, err := db.Take(ctx, "all", "a", time.Now().Add(time.Minute), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if l, err = db.Renew(ctx, l, time.Now().Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}
