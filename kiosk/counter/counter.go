// Package counter binds a rating to the transaction it is about: the
// one-stop software, or the official at the counter, opens a rating for a
// dossier at a counter; the counter's tablet shows it; the next rating from
// that tablet is the dossier's, once; an opening not rated within its time
// expires. It lives in memory: an opening is minutes long, and a node
// restarted meanwhile only loses the prompt, never a rating.
package counter

import (
	"sync"
	"time"
)

// DefaultTTL is how long an opened rating waits for the citizen.
const DefaultTTL = 10 * time.Minute

// Opening is a rating opened at a counter.
type Opening struct {
	Counter   string    `json:"counter"`
	Dossier   string    `json:"dossier,omitempty"`
	Procedure string    `json:"procedure,omitempty"`
	Official  string    `json:"official,omitempty"`
	Opened    time.Time `json:"opened"`
	Expires   time.Time `json:"expires"`
}

// Board holds the open rating of each counter. It is safe for concurrent
// use.
type Board struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	open map[string]*slot
}

type slot struct {
	Opening
	// taken is the id the terminal gave the rating that took the
	// opening: the same id sent again (a retry after a lost answer) is
	// bound again, any other is not.
	taken string
}

// New returns a Board whose openings last ttl (DefaultTTL when 0); now is
// the clock (time.Now when nil).
func New(ttl time.Duration, now func() time.Time) *Board {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Board{ttl: ttl, now: now, open: map[string]*slot{}}
}

// maxCounters bounds the memory; a centre has a few dozen counters.
const maxCounters = 1000

// Open opens a rating at o.Counter, replacing any the counter had: the
// official has moved on to the next citizen.
func (b *Board) Open(o Opening) Opening {
	now := b.now()
	o.Opened, o.Expires = now.UTC().Truncate(time.Second), now.Add(b.ttl).UTC().Truncate(time.Second)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	if len(b.open) >= maxCounters {
		clear(b.open)
	}
	b.open[o.Counter] = &slot{Opening: o}
	return o
}

// Current returns the counter's open rating that is not yet rated.
func (b *Board) Current(counter string) (Opening, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(b.now())
	s := b.open[counter]
	if s == nil || s.taken != "" {
		return Opening{}, false
	}
	return s.Opening, true
}

// Take binds a rating from the counter's terminal to the open rating:
// it returns the opening the first time, and again for the same id (a
// retry); ok is false when nothing is open at the counter, or it was taken
// by another rating. Release gives it back if the rating was not recorded.
func (b *Board) Take(counter, id string) (Opening, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(b.now())
	s := b.open[counter]
	if s == nil || (s.taken != "" && s.taken != id) {
		return Opening{}, false
	}
	s.taken = id
	return s.Opening, true
}

// Release gives back an opening a rating took but could not be recorded
// with.
func (b *Board) Release(counter, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s := b.open[counter]; s != nil && s.taken == id {
		s.taken = ""
	}
}

// Close closes the counter's open rating unrated; one already rated stays,
// so that the rating sent again is bound again.
func (b *Board) Close(counter string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.open[counter]
	if s == nil || s.taken != "" {
		return false
	}
	delete(b.open, counter)
	return true
}

// expire forgets openings past their time; b.mu is held.
func (b *Board) expire(now time.Time) {
	for c, s := range b.open {
		if !now.Before(s.Expires) {
			delete(b.open, c)
		}
	}
}
