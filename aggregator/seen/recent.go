package seen

import (
	"sync"
	"time"
)

// recent remembers the digests of the most recent ratings, first in first
// out, so that ratings re-sent soon are recognised without reading the
// index. Of the dossiers' ratings it also remembers when they were given
// (only those, as they are the only ones asked about, to keep it small).
type recent struct {
	mu    sync.Mutex
	m     map[string][32]byte
	at    map[string]int64 // dossier rating id → its time, Unix ms
	order []string
	next  int
}

func newRecent(n int) *recent {
	return &recent{m: make(map[string][32]byte), at: make(map[string]int64), order: make([]string, n)}
}

func (r *recent) get(id string) ([32]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.m[id]
	return d, ok
}

// known reports whether id is remembered, and, for a dossier's rating, its
// time when known.
func (r *recent) known(id string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[id]; !ok {
		return time.Time{}, false
	}
	if ms, ok := r.at[id]; ok {
		return time.UnixMilli(ms).UTC(), true
	}
	return time.Time{}, true
}

// put remembers a rating's digest and its time at, which the caller gives
// only for a dossier's rating (the zero time: none or not known).
func (r *recent) put(id string, d [32]byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[id]; ok {
		if _, has := r.at[id]; !has && !at.IsZero() {
			r.at[id] = at.UnixMilli() // remembered first from where its time was not told
		}
		return
	}
	if old := r.order[r.next]; old != "" {
		delete(r.m, old)
		delete(r.at, old)
	}
	r.order[r.next] = id
	r.next = (r.next + 1) % len(r.order)
	r.m[id] = d
	if !at.IsZero() {
		r.at[id] = at.UnixMilli()
	}
}

func (r *recent) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
