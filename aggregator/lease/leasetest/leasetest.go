// Package leasetest is a lease.Store in memory, with the conditional
// updates of the MongoDB one, for tests of the lease's holders; it can
// make renewals slow or fail as a database would.
package leasetest

import (
	"context"
	"sync"
	"time"

	"hailong/aggregator/lease"
)

// Store is a lease.Store in memory.
type Store struct {
	mu         sync.Mutex
	leases     map[string]lease.Lease
	renewDelay time.Duration
	renewErr   error
}

// New returns an empty Store.
func New() *Store { return &Store{leases: map[string]lease.Lease{}} }

// Take is lease.Store's.
func (s *Store) Take(_ context.Context, scope, holder string, expires, freeBefore time.Time) (lease.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[scope]
	if !ok || l.Holder == holder || l.Expires.Before(freeBefore) {
		l = lease.Lease{Scope: scope, Holder: holder, Expires: expires, Epoch: l.Epoch + 1}
		s.leases[scope] = l
	}
	return l, nil
}

// Renew is lease.Store's, after the delay and with the error set.
func (s *Store) Renew(_ context.Context, l lease.Lease, expires time.Time) (lease.Lease, error) {
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

// Release is lease.Store's.
func (s *Store) Release(_ context.Context, l lease.Lease) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.leases[l.Scope]; cur.Holder == l.Holder && cur.Epoch == l.Epoch {
		cur.Expires = time.Unix(0, 0)
		s.leases[l.Scope] = cur
	}
	return nil
}

// Put stores l as it is, as another process taking over would.
func (s *Store) Put(l lease.Lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leases[l.Scope] = l
}

// DelayRenewals makes every renewal from now on take d.
func (s *Store) DelayRenewals(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewDelay = d
}

// FailRenewals makes every renewal from now on fail with err.
func (s *Store) FailRenewals(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewErr = err
}
