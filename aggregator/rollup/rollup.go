// Package rollup keeps the aggregator's pre-aggregated counts in memory:
// per rating unit, per Vietnamese calendar day, per questionnaire, channel,
// procedure, official and counter. Queries sum them without touching the
// database; the ingest job persists changed days in batches. Rollups are
// derived data: Build recomputes them from raw ratings at any time.
package rollup

import (
	"slices"
	"sort"
	"sync"

	"hailong"
)

// Schema is the version of the persisted rollup format; a different stored
// version forces a rebuild from raw ratings.
const Schema = 1

// State tells whether persisted rollups can be trusted.
type State struct {
	// Clean is set when the last aggregator stopped after persisting every
	// rollup change, and cleared while one runs. A crash leaves it unset,
	// and the next start rebuilds from raw ratings.
	Clean   bool  `bson:"clean"`
	Schema  int   `bson:"schema"`
	Ratings int64 `bson:"ratings"`
}

// Fact is what one rating contributes to the rollups.
type Fact struct {
	Unit string
	Date hailong.Date
	Dims
	Satisfied bool
}

// Dims are the dimensions a query can filter on within a unit and day.
type Dims struct {
	Questionnaire string          `bson:"q" json:"q"`
	Channel       hailong.Channel `bson:"ch" json:"ch"`
	Procedure     string          `bson:"p,omitempty" json:"p,omitempty"`
	Official      string          `bson:"o,omitempty" json:"o,omitempty"`
	Counter       string          `bson:"c,omitempty" json:"c,omitempty"`
}

// Tally counts ratings and the satisfied among them.
type Tally struct {
	N         int64 `bson:"n" json:"n"`
	Satisfied int64 `bson:"s" json:"s"`
}

// Add adds another tally.
func (t *Tally) Add(o Tally) { t.N += o.N; t.Satisfied += o.Satisfied }

// Cell is one combination of dimensions with its counts.
type Cell struct {
	Dims  `bson:",inline"`
	Tally `bson:",inline"`
}

// Day is the persisted form of one unit's counts on one day.
type Day struct {
	Unit  string       `bson:"unit"`
	Date  hailong.Date `bson:"date"`
	Cells []Cell       `bson:"cells"`
}

// FactOf derives a rating's fact; ok is false if the rating has no headline
// answer, which validation forbids but old data may lack.
func FactOf(r *hailong.Rating, q *hailong.Questionnaire) (Fact, bool) {
	sat, ok := q.Satisfied(r.Answers)
	if !ok {
		return Fact{}, false
	}
	return Fact{
		Unit: r.Unit, Date: hailong.DateOf(r.At), Satisfied: sat,
		Dims: Dims{Questionnaire: r.Questionnaire, Channel: r.Channel, Procedure: r.Procedure, Official: r.Official, Counter: r.Counter},
	}, true
}

type dayKey struct {
	unit string
	date hailong.Date
}

type day struct {
	cells []Cell
	index map[Dims]int
}

type series struct {
	dates []hailong.Date // sorted
	days  map[hailong.Date]*day
}

// Rollup is the in-memory rollup. It is safe for concurrent use; one
// writer owns it, as FerretDB loses concurrent read-modify-write updates.
type Rollup struct {
	mu      sync.RWMutex
	units   map[string]*series
	dirty   map[dayKey]struct{}
	ratings int64
	strs    map[string]string // interned dimension values
}

// New returns an empty rollup.
func New() *Rollup {
	return &Rollup{units: map[string]*series{}, dirty: map[dayKey]struct{}{}, strs: map[string]string{}}
}

func (r *Rollup) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := r.strs[s]; ok {
		return v
	}
	r.strs[s] = s
	return s
}

func (r *Rollup) dayFor(unit string, d hailong.Date) *day {
	s, ok := r.units[unit]
	if !ok {
		s = &series{days: map[hailong.Date]*day{}}
		r.units[r.intern(unit)] = s
	}
	dy, ok := s.days[d]
	if !ok {
		dy = &day{index: map[Dims]int{}}
		s.days[d] = dy
		i, _ := slices.BinarySearch(s.dates, d)
		s.dates = slices.Insert(s.dates, i, d)
	}
	return dy
}

func (r *Rollup) add(unit string, d hailong.Date, dims Dims, t Tally) {
	dy := r.dayFor(unit, d)
	dims = Dims{Questionnaire: r.intern(dims.Questionnaire), Channel: hailong.Channel(r.intern(string(dims.Channel))),
		Procedure: r.intern(dims.Procedure), Official: r.intern(dims.Official), Counter: r.intern(dims.Counter)}
	i, ok := dy.index[dims]
	if !ok {
		i = len(dy.cells)
		dy.cells = append(dy.cells, Cell{Dims: dims})
		dy.index[dims] = i
	}
	dy.cells[i].Tally.Add(t)
	r.ratings += t.N
}

// Add counts facts and marks their days for persisting.
func (r *Rollup) Add(facts ...Fact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range facts {
		t := Tally{N: 1}
		if f.Satisfied {
			t.Satisfied = 1
		}
		r.add(f.Unit, f.Date, f.Dims, t)
		r.dirty[dayKey{f.Unit, f.Date}] = struct{}{}
	}
}

// Load adds persisted days, without marking them dirty.
func (r *Rollup) Load(days ...Day) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range days {
		for _, c := range d.Cells {
			r.add(d.Unit, d.Date, c.Dims, c.Tally)
		}
	}
}

// Ratings returns how many ratings the rollup counts.
func (r *Rollup) Ratings() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.ratings
}

// TakeDirty returns copies of the days changed since the last call and
// forgets that they changed. If persisting them fails, MarkDirty them again.
func (r *Rollup) TakeDirty() []Day {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Day, 0, len(r.dirty))
	for k := range r.dirty {
		out = append(out, r.copyDay(k))
	}
	clear(r.dirty)
	return out
}

// MarkDirty marks days to be persisted again.
func (r *Rollup) MarkDirty(days []Day) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range days {
		r.dirty[dayKey{d.Unit, d.Date}] = struct{}{}
	}
}

// All returns a copy of every day, for a rebuild to persist.
func (r *Rollup) All() []Day {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Day
	for unit, s := range r.units {
		for _, d := range s.dates {
			out = append(out, r.copyDay(dayKey{unit, d}))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Unit != out[j].Unit {
			return out[i].Unit < out[j].Unit
		}
		return out[i].Date < out[j].Date
	})
	return out
}

func (r *Rollup) copyDay(k dayKey) Day {
	dy := r.units[k.unit].days[k.date]
	return Day{Unit: k.unit, Date: k.date, Cells: slices.Clone(dy.cells)}
}

// Filter narrows a query; empty fields match everything.
type Filter struct {
	Questionnaire string
	Channel       hailong.Channel
	Procedure     string
	Official      string
	Counter       string
}

func (f *Filter) match(d *Dims) bool {
	return (f.Questionnaire == "" || f.Questionnaire == d.Questionnaire) &&
		(f.Channel == "" || f.Channel == d.Channel) &&
		(f.Procedure == "" || f.Procedure == d.Procedure) &&
		(f.Official == "" || f.Official == d.Official) &&
		(f.Counter == "" || f.Counter == d.Counter)
}

// Result is the answer to a query.
type Result struct {
	Total     Tally
	ByChannel map[hailong.Channel]Tally
}

// Query sums the cells of the given rating units from from to to inclusive.
func (r *Rollup) Query(units []string, from, to hailong.Date, f Filter) Result {
	res := Result{ByChannel: map[hailong.Channel]Tally{}}
	var kiosk, qr Tally
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, u := range units {
		s, ok := r.units[u]
		if !ok {
			continue
		}
		i, _ := slices.BinarySearch(s.dates, from)
		for ; i < len(s.dates) && s.dates[i] <= to; i++ {
			cells := s.days[s.dates[i]].cells
			for j := range cells {
				c := &cells[j]
				if !f.match(&c.Dims) {
					continue
				}
				switch c.Channel {
				case hailong.ChannelKiosk:
					kiosk.Add(c.Tally)
				case hailong.ChannelQR:
					qr.Add(c.Tally)
				default:
					t := res.ByChannel[c.Channel]
					t.Add(c.Tally)
					res.ByChannel[c.Channel] = t
				}
			}
		}
	}
	res.ByChannel[hailong.ChannelKiosk] = kiosk
	res.ByChannel[hailong.ChannelQR] = qr
	for _, t := range res.ByChannel {
		res.Total.Add(t)
	}
	return res
}
