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
)

// memStore is a Store in memory, with the conditional updates of the
// MongoDB one; renewDelay and renewErr simulate a slow or failing database.
type memStore struct {
	mu         sync.Mutex
	leases     map[string]lease.Lease
	renewDelay time.Duration
	renewErr   error
}

func newMemStore() *memStore { return &memStore{leases: map[string]lease.Lease{}} }

func (s *memStore) Take(_ context.Context, scope, holder string, expires, freeBefore time.Time) (lease.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[scope]
	if !ok || l.Holder == holder || l.Expires.Before(freeBefore) {
		l = lease.Lease{Scope: scope, Holder: holder, Expires: expires, Epoch: l.Epoch + 1}
		s.leases[scope] = l
	}
	return l, nil
}

func (s *memStore) Renew(ctx context.Context, l lease.Lease, expires time.Time) (lease.Lease, error) {
	s.mu.Lock()
	delay, err := s.renewDelay, s.renewErr
	s.mu.Unlock()
	time.Sleep(delay)
	if err != nil {
		return lease.Lease{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.leases[l.Scope]
	if cur.Holder != l.Holder || cur.Epoch != l.Epoch {
		return lease.Lease{}, lease.ErrLost
	}
	cur.Expires = expires
	s.leases[l.Scope] = cur
	return cur, nil
}

func (s *memStore) Release(_ context.Context, l lease.Lease) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.leases[l.Scope]; cur.Holder == l.Holder && cur.Epoch == l.Epoch {
		cur.Expires = time.Unix(0, 0)
		s.leases[l.Scope] = cur
	}
	return nil
}

func (s *memStore) set(f func(*memStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

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
		store := newMemStore()
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
		if wait := r.at.Sub(died); wait < skew || wait > ttl+skew+ttl/3 {
			t.Errorf("took over %v after the owner died, want between %v and %v", wait, skew, ttl+skew+ttl/3)
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
		lose func(t *testing.T, h *lease.Held, s *memStore)
		keep bool
	}{
		{"paused past its TTL", func(t *testing.T, h *lease.Held, s *memStore) {
			time.Sleep(ttl) // no renewal ran: the process was stopped
		}, false},
		{"another process took it", func(t *testing.T, h *lease.Held, s *memStore) {
			s.set(func(s *memStore) {
				l := s.leases["provinces:24"]
				s.leases["provinces:24"] = lease.Lease{Scope: l.Scope, Holder: "other", Expires: time.Now().Add(ttl), Epoch: l.Epoch + 1}
			})
			time.Sleep(ttl / 2)
		}, true},
		{"the database failed", func(t *testing.T, h *lease.Held, s *memStore) {
			s.set(func(s *memStore) { s.renewErr = errors.New("no primary") })
			time.Sleep(ttl / 2)
		}, true},
		{"the renewal came back too late", func(t *testing.T, h *lease.Held, s *memStore) {
			s.set(func(s *memStore) { s.renewDelay = ttl })
			time.Sleep(2 * ttl)
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newMemStore()
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
		s := newMemStore()
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
		s := newMemStore()
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
		if wait := (<-got).Sub(released); wait > ttl/3 {
			t.Errorf("the standby waited %v after the release, want at most %v", wait, ttl/3)
		}
	})
}
