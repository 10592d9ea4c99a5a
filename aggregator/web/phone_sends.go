package web

import (
	"sync"
	"time"

	"hailong"
)

// phoneSends makes a form sent twice from one browser with one link (a
// double tap on "send", a send again on a slow network before the first
// answer set ratedCookie) one rating: the second send takes the first's
// id, time and flags, so the store sees the same rating again (a
// duplicate, thanked) rather than a second rating of the same dossier
// (refused as "already rated") or, on a walk-in code, a second rating
// counted and a second use taken. A browser is known by its CSRF token,
// which every form it sends carries.
type phoneSends struct {
	mu   sync.Mutex
	sent map[string]*phoneSend
}

// phoneSend is the first send of a form: what a second send reuses, once
// ready is closed.
type phoneSend struct {
	id    string
	at    time.Time
	flags []string
	ready chan struct{}
	// refused is why the first send was refused before it was stored
	// (a walk-in code used up, its count unavailable), for the second
	// to answer alike; nil when it was stored, or tried.
	refused error
}

// phoneSendsKept is how long a send is remembered: far longer than a
// double tap or a retry on a slow network, far shorter than a visit.
const phoneSendsKept = 2 * time.Minute

// phoneSendsMax bounds what is remembered; past it, old sends are
// forgotten first, and a flood of forms only forgets double taps.
const phoneSendsMax = 10000

// claim returns the first send of key, and whether this is it: then the
// caller fills in id and flags before finish; at is the send's time, now
// to the millisecond, as a rating's.
func (p *phoneSends) claim(key string, now time.Time) (*phoneSend, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent == nil {
		p.sent = map[string]*phoneSend{}
	}
	if s, ok := p.sent[key]; ok && now.Sub(s.at) < phoneSendsKept {
		return s, false
	}
	if len(p.sent) >= phoneSendsMax {
		for k, s := range p.sent {
			if now.Sub(s.at) >= phoneSendsKept {
				delete(p.sent, k)
			}
		}
		for k := range p.sent { // still full: forget any
			if len(p.sent) < phoneSendsMax {
				break
			}
			delete(p.sent, k)
		}
	}
	s := newPhoneSend(now)
	p.sent[key] = s
	return s, true
}

// newPhoneSend is a first send at now: its time to the millisecond, as a
// rating's.
func newPhoneSend(now time.Time) *phoneSend {
	return &phoneSend{at: now.UTC().Truncate(time.Millisecond), ready: make(chan struct{})}
}

// finish makes the first send of key's id and flags, or its refusal,
// known to a second send. A refusal that does not last (the count of a
// walk-in code's uses unavailable for a moment) is not remembered: the
// citizen's next send tries again.
func (p *phoneSends) finish(key string, s *phoneSend) {
	if s.refused != nil && hailong.ErrorCode(s.refused) != hailong.ERATELIMITED {
		p.mu.Lock()
		if p.sent[key] == s {
			delete(p.sent, key)
		}
		p.mu.Unlock()
	}
	close(s.ready)
}
