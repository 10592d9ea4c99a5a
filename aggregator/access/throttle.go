package access

import (
	"sync"
	"time"
)

// The sign-in throttle, kept in memory (one aggregator process owns the
// sessions, so it sees every attempt):
//
//   - per account (the name typed, whether or not the account exists):
//     after 5 consecutive failures, each further attempt waits 1 minute,
//     doubling with every further failure, up to 15 minutes; a successful
//     sign-in resets the count;
//   - per address: 30 failures within 15 minutes refuse every sign-in from
//     that address until the oldest of them is 15 minutes old.
//
// A refused attempt is not checked and does not count as a failure, so an
// attacker cannot lengthen a lock-out forever, and an account under attack
// from many addresses is slowed to at most 4 guesses an hour after the first
// lock-out. Unknown accounts are throttled exactly like known ones, so the
// throttle does not reveal which exist.
const (
	accountFreeFailures = 5
	accountFirstLock    = time.Minute
	accountMaxLock      = 15 * time.Minute
	addressMaxFailures  = 30
	addressWindow       = 15 * time.Minute
)

type accountState struct {
	failures int
	until    time.Time // refused before this
	last     time.Time
}

type throttle struct {
	mu       sync.Mutex
	accounts map[string]*accountState
	addrs    map[string][]time.Time // failures within the window, oldest first
}

func newThrottle() *throttle {
	return &throttle{accounts: map[string]*accountState{}, addrs: map[string][]time.Time{}}
}

// allowed reports whether an attempt for account from addr may be checked
// now, and if not, when it may be tried again.
func (t *throttle) allowed(account, addr string, now time.Time) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var until time.Time
	if a := t.accounts[account]; a != nil && now.Before(a.until) {
		until = a.until
	}
	if fs := t.recent(addr, now); len(fs) >= addressMaxFailures {
		if u := fs[len(fs)-addressMaxFailures].Add(addressWindow); u.After(until) {
			until = u
		}
	}
	return until.IsZero(), until
}

// recent prunes and returns the failures of addr within the window.
func (t *throttle) recent(addr string, now time.Time) []time.Time {
	fs := t.addrs[addr]
	i := 0
	for i < len(fs) && !fs[i].After(now.Add(-addressWindow)) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.addrs, addr)
	} else {
		t.addrs[addr] = fs
	}
	return fs
}

func (t *throttle) failed(account, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.accounts[account]
	if a == nil {
		a = &accountState{}
		t.accounts[account] = a
	}
	a.failures++
	a.last = now
	if n := a.failures - accountFreeFailures; n >= 0 {
		lock := accountMaxLock
		if n < 10 && accountFirstLock<<n < accountMaxLock {
			lock = accountFirstLock << n
		}
		a.until = now.Add(lock)
	}
	fs := t.recent(addr, now)
	if len(fs) >= addressMaxFailures { // keep the list bounded
		fs = fs[1:]
	}
	t.addrs[addr] = append(fs, now)
}

func (t *throttle) succeeded(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, account)
}

// prune forgets accounts and addresses with nothing to remember, so that
// guessing many names does not grow memory without bound.
func (t *throttle) prune(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, a := range t.accounts {
		if now.After(a.until) && now.Sub(a.last) > accountMaxLock {
			delete(t.accounts, k)
		}
	}
	for addr := range t.addrs {
		t.recent(addr, now)
	}
}
