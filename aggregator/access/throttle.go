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
// An attempt counts as a possible failure while it is being checked, so
// attempts made at once are refused as if those under way had failed (see
// allowed). A refused attempt is not checked and does not count as a failure, so an
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
	inflight int       // attempts allowed and not yet decided
	until    time.Time // refused before this
	last     time.Time
}

type throttle struct {
	mu       sync.Mutex
	accounts map[string]*accountState
	addrs    map[string][]time.Time // failures within the window, oldest first
	inflight map[string]int         // per address: attempts allowed and not yet decided
}

func newThrottle() *throttle {
	return &throttle{accounts: map[string]*accountState{}, addrs: map[string][]time.Time{}, inflight: map[string]int{}}
}

// attempt is an attempt allowed by the throttle and not yet decided: it
// counts as a possible failure (of its account and its address) from the
// moment it is allowed until it is decided, so that attempts made at once
// cannot all be checked before the first of them fails. Exactly one of
// failed, succeeded and release takes effect; the others do nothing, so a
// deferred release is always safe.
type attempt struct {
	t             *throttle
	account, addr string
	done          bool
}

// allowed reports whether an attempt for account from addr may be checked
// now, and if not, when it may be tried again. An allowed attempt is
// reserved at once, under the same lock: it must be decided (failed,
// succeeded) or released.
//
// An attempt is refused while the account is locked, or when the attempts
// under way would, if they all failed, bring the account to its lock-out
// (at least one is then always allowed, so after a lock-out the next
// attempt is checked, alone); and when the address's failures within the
// window and its attempts under way reach the address's limit.
func (t *throttle) allowed(account, addr string, now time.Time) (*attempt, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var until time.Time
	a := t.accounts[account]
	if a != nil && now.Before(a.until) {
		until = a.until
	}
	if fs := t.recent(addr, now); len(fs) >= addressMaxFailures {
		if u := fs[len(fs)-addressMaxFailures].Add(addressWindow); u.After(until) {
			until = u
		}
	} else if len(fs)+t.inflight[addr] >= addressMaxFailures && until.IsZero() {
		until = now // try again when the attempts under way are decided
	}
	if a != nil && a.inflight > 0 && a.failures+a.inflight >= accountFreeFailures && until.IsZero() {
		until = now
	}
	if !until.IsZero() {
		return nil, until
	}
	if a == nil {
		a = &accountState{}
		t.accounts[account] = a
	}
	a.inflight++
	a.last = now
	t.inflight[addr]++
	return &attempt{t: t, account: account, addr: addr}, time.Time{}
}

// releaseLocked ends the reservation of an attempt, returning its
// account's state.
func (at *attempt) releaseLocked() *accountState {
	t := at.t
	at.done = true
	if t.inflight[at.addr]--; t.inflight[at.addr] <= 0 {
		delete(t.inflight, at.addr)
	}
	a := t.accounts[at.account]
	if a == nil { // not forgotten while under way (see prune); be safe
		a = &accountState{}
		t.accounts[at.account] = a
	} else if a.inflight > 0 {
		a.inflight--
	}
	return a
}

// release ends an attempt that was not checked, or whose outcome is neither
// a failure nor a sign-in: it counts for nothing.
func (at *attempt) release() {
	if at == nil {
		return
	}
	at.t.mu.Lock()
	defer at.t.mu.Unlock()
	if at.done {
		return
	}
	if a := at.releaseLocked(); a.inflight == 0 && a.failures == 0 && a.until.IsZero() {
		delete(at.t.accounts, at.account)
	}
}

// failed records a failure of the attempt, for its account and its address.
func (at *attempt) failed(now time.Time) {
	t := at.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if at.done {
		return
	}
	a := at.releaseLocked()
	a.failures++
	a.last = now
	if n := a.failures - accountFreeFailures; n >= 0 {
		lock := accountMaxLock
		if n < 10 && accountFirstLock<<n < accountMaxLock {
			lock = accountFirstLock << n
		}
		a.until = now.Add(lock)
	}
	fs := t.recent(at.addr, now)
	if len(fs) >= addressMaxFailures { // keep the list bounded
		fs = fs[1:]
	}
	t.addrs[at.addr] = append(fs, now)
}

// succeeded records a successful sign-in: the account's count starts again.
func (at *attempt) succeeded() {
	t := at.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if at.done {
		return
	}
	a := at.releaseLocked()
	if a.inflight == 0 {
		delete(t.accounts, at.account)
		return
	}
	a.failures, a.until = 0, time.Time{} // others are still under way
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

// prune forgets accounts and addresses with nothing to remember, so that
// guessing many names does not grow memory without bound.
func (t *throttle) prune(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, a := range t.accounts {
		if a.inflight == 0 && now.After(a.until) && now.Sub(a.last) > accountMaxLock {
			delete(t.accounts, k)
		}
	}
	for addr := range t.addrs {
		t.recent(addr, now)
	}
}
