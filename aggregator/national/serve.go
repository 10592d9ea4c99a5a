package national

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"hailong/aggregator/rollup"
)

// Rollups are the three rollups a provincial aggregator serves; any may be
// nil.
type Rollups struct {
	Ratings, Flagged, Outcomes *rollup.Rollup
}

// Digests keeps each month's digest until the month changes, so that a
// pull naming the digests it holds costs the months that changed, not
// every month's cells. It is safe for concurrent use.
type Digests struct {
	mu   sync.Mutex
	seen map[digestKey]string
}

// digestKey is what a month's digest depends on: the units kept, the
// rollups and how often each changed the month.
type digestKey struct {
	keep  string
	month rollup.Month
	rolls Rollups
	gens  [3]uint64
}

func (d *Digests) get(k digestKey) (string, bool) {
	if d == nil {
		return "", false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.seen[k]
	return v, ok
}

func (d *Digests) put(k digestKey, digest string) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[digestKey]string{}
	}
	for old := range d.seen { // the month's earlier digests are stale for good
		if old.keep == k.keep && old.month == k.month && old.rolls == k.rolls {
			delete(d.seen, old)
		}
	}
	d.seen[k] = digest
}

// Request is what a caller of GET /api/v1/rollups/months asks.
type Request struct {
	// Scope is the unit whose subtree is served, written in the answer.
	Scope string
	// From and To bound the months.
	From, To rollup.Month
	// Have are the months and digests the caller holds.
	Have map[string]string
	// Keep says which units' cells are served; KeepKey names it for the
	// digests kept (equal keys, equal Keep: the scope, the day and the
	// units' structure it was decided on).
	Keep    func(unit string) bool
	KeepKey string
}

// Collect makes the answer of GET /api/v1/rollups/months from a provincial
// aggregator's rollups: every month of q's span that holds cells of a unit
// q keeps, with its digest, and its cells unless q has that digest. A
// month whose digest is kept in digests (nil: none) for its generation and
// q has is answered without reading its cells; any other month's cells
// are copied once. A month not in memory (older than the months a
// provincial aggregator keeps loaded) is loaded first; if it cannot be,
// Collect fails rather than serve a part of it.
func Collect(ctx context.Context, r Rollups, q Request, digests *Digests) (*Months, error) {
	scope, from, to, have, keep := q.Scope, q.From, q.To, q.Have, q.Keep
	rolls := []*rollup.Rollup{r.Ratings, r.Flagged, r.Outcomes}
	months := map[rollup.Month]bool{}
	for _, x := range rolls {
		if x == nil {
			continue
		}
		for _, m := range x.Months() {
			if m >= from && m <= to {
				months[m] = true
			}
		}
	}
	daysOf := func(x *rollup.Rollup, m rollup.Month) ([]Day, error) {
		if x == nil {
			return nil, nil
		}
		days, err := x.ReadMonth(ctx, m)
		if err != nil {
			return nil, err
		}
		return WireDays(slices.DeleteFunc(days, func(d rollup.Day) bool { return !keep(d.Unit) })), nil
	}
	out := &Months{Version: Version, Scope: scope, Months: []Month{}}
	for _, m := range slices.Sorted(maps.Keys(months)) {
		name := FormatMonth(m)
		key := digestKey{keep: q.KeepKey, month: m, rolls: r}
		for i, x := range rolls {
			if x != nil {
				key.gens[i] = x.Generation(m)
			}
		}
		if d, ok := digests.get(key); ok && have[name] == d {
			out.Months = append(out.Months, Month{Month: name, Digest: d, Unchanged: true})
			continue
		}
		var cells Cells
		for _, c := range []struct {
			x  *rollup.Rollup
			to *[]Day
		}{{r.Ratings, &cells.Ratings}, {r.Flagged, &cells.Flagged}, {r.Outcomes, &cells.Outcomes}} {
			days, err := daysOf(c.x, m)
			if err != nil {
				return nil, fmt.Errorf("the cells of %s: %w", name, err)
			}
			*c.to = days
		}
		if len(cells.Ratings)+len(cells.Flagged)+len(cells.Outcomes) == 0 {
			continue
		}
		digest, err := cells.Digest()
		if err != nil {
			return nil, err
		}
		// Stored under the generations read before the cells: cells newer
		// than them are filed under generations that never come again.
		digests.put(key, digest)
		month := Month{Month: name, Digest: digest}
		if have[name] == digest {
			month.Unchanged = true
		} else {
			month.Cells = cells
		}
		out.Months = append(out.Months, month)
	}
	return out, nil
}

// Encode writes an answer as JSON, gzipped if compress is set (the cells'
// JSON repeats itself: gzip makes it about 25 times smaller).
func Encode(w io.Writer, m *Months, compress bool) error {
	if !compress {
		return json.NewEncoder(w).Encode(m)
	}
	z := gzip.NewWriter(w)
	if err := json.NewEncoder(z).Encode(m); err != nil {
		return err
	}
	return z.Close()
}
