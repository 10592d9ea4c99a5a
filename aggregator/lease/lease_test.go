package lease_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong/aggregator/lease"
	"hailong/aggregator/lease/leasetest"
)

const ttl, skew = 15 * time.Second, 2 * time.Second

func config(s lease.Store, holder string) lease.Config {
	return lease.Config{Store: s, Scope: "provinces:24", Holder: holder, TTL: ttl, Skew: skew, Logger: slog.New(slog.DiscardHandler)}
}

func acquire(t *testing.T, ctx context.Context, cfg lease.Config) *lease.Held {
	t.Helper()
	h, err := lease.Acquire(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestStandbyTakesOverWhenTheOwnerStops: while the owner renews, the
// standby waits (told who holds the lease); once the owner stops renewing
// (it died), the standby takes the lease after the TTL and the skew, with
// the next epoch.
func TestStandbyTakesOverWhenTheOwnerStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := leasetest.New()
		ownerCtx, ownerDies := context.WithCancel(t.Context())
		owner := acquire(t, ownerCtx, config(store, "owner"))
		go owner.Keep(ownerCtx)

		var mu sync.Mutex
		var seen []string
		cfg := config(store, "standby")
		cfg.Waiting = func(l lease.Lease) { mu.Lock(); seen = append(seen, l.Holder); mu.Unlock() }
		type result struct {
			h  *lease.Held
			at time.Time
		}
		got := make(chan result, 1)
		go func() {
			h, err := lease.Acquire(t.Context(), cfg)
			if err != nil {
				t.Error(err)
			}
			got <- result{h, time.Now()}
		}()
		time.Sleep(time.Minute) // the owner renews throughout
		select {
		case r := <-got:
			t.Fatalf("the standby took the lease while the owner renewed it: %+v", r.h.Lease())
		default:
		}
		died := time.Now()
		ownerDies()
		r := <-got
		if l := r.h.Lease(); l.Holder != "standby" || l.Epoch != 2 {
			t.Errorf("lease = %+v, want the standby's at epoch 2", l)
		}
		if wait := r.at.Sub(died); wait < skew || wait > ttl+skew+time.Second {
			t.Errorf("took over %v after the owner died, want between %v and %v", wait, skew, ttl+skew+time.Second)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) == 0 || seen[0] != "owner" {
			t.Errorf("the standby was told %v while waiting, want the owner", seen)
		}
	})
}

// TestHolderStopsWriting: every way the lease is lost closes Lost and makes
// Context fail, so that no write starts after it.
func TestHolderStopsWriting(t *testing.T) {
	cases := []struct {
		name string
		// lose acts on the held lease and its store; keep runs Keep.
		lose func(t *testing.T, h *lease.Held, s *leasetest.Store)
		keep bool
	}{
		{"paused past its TTL", func(t *testing.T, h *lease.Held, s *leasetest.Store) {
			time.Sleep(ttl) // no renewal ran: the process was stopped
		}, false},
		{"another process took it", func(t *testing.T, h *lease.Held, s *leasetest.Store) {
			l := h.Lease()
			s.Put(lease.Lease{Scope: l.Scope, Holder: "other", Expires: time.Now().Add(ttl), Epoch: l.Epoch + 1})
			time.Sleep(ttl / 2)
		}, true},
		{"the database failed", func(t *testing.T, h *lease.Held, s *leasetest.Store) {
			s.FailRenewals(errors.New("no primary"))
			time.Sleep(ttl / 2)
		}, true},
		{"the renewal came back too late", func(t *testing.T, h *lease.Held, s *leasetest.Store) {
			s.DelayRenewals(ttl)
			time.Sleep(2 * ttl)
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := leasetest.New()
				h := acquire(t, t.Context(), config(s, "owner"))
				if c.keep {
					go h.Keep(t.Context())
				}
				ctx, cancel, err := h.Context(t.Context())
				if err != nil {
					t.Fatalf("a fresh lease refuses writes: %v", err)
				}
				cancel()
				if dl, _ := ctx.Deadline(); dl.After(time.Now().Add(ttl)) {
					t.Errorf("a write may run until %v, past the lease", dl)
				}
				c.lose(t, h, s)
				synctest.Wait()
				if _, _, err := h.Context(t.Context()); !errors.Is(err, lease.ErrLost) {
					t.Errorf("Context after losing = %v, want ErrLost", err)
				}
				select {
				case <-h.Lost():
				default:
					t.Error("Lost is not closed")
				}
			})
		})
	}
}

// TestHolderKeepsRenewing: a holder renewing on time keeps its lease and
// may write for hours.
func TestHolderKeepsRenewing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := leasetest.New()
		h := acquire(t, t.Context(), config(s, "owner"))
		go h.Keep(t.Context())
		time.Sleep(3 * time.Hour)
		if _, cancel, err := h.Context(t.Context()); err != nil {
			t.Errorf("after three hours of renewals: %v", err)
		} else {
			cancel()
		}
	})
}

// TestReleaseHandsOverAtOnce: after a clean stop's Release the standby
// takes the lease at its next try, not after the TTL.
func TestReleaseHandsOverAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := leasetest.New()
		owner := acquire(t, t.Context(), config(s, "owner"))
		go owner.Keep(t.Context())
		got := make(chan time.Time, 1)
		go func() {
			acquire(t, t.Context(), config(s, "standby"))
			got <- time.Now()
		}()
		time.Sleep(time.Minute)
		released := time.Now()
		if err := owner.Release(t.Context()); err != nil {
			t.Fatal(err)
		}
		if wait := (<-got).Sub(released); wait > time.Second {
			t.Errorf("the standby waited %v after the release, want at most a second", wait)
		}
	})
}
