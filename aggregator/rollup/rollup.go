// Package rollup keeps the aggregator's pre-aggregated counts in memory:
// per rating unit, per Vietnamese calendar day, per questionnaire, channel,
// procedure, official and counter. Queries sum them without touching the
// database; the ingest job persists them whole when it stops cleanly.
// Rollups are derived data: they can be recomputed from raw ratings at any
// time.
package rollup

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"hailong"
)

// Schema is the version of the persisted rollup format; a different stored
// version forces a rebuild from raw ratings.
const Schema = 4 // 2: levels and items; 3: generations; 4: cells as gob

// State tells whether persisted rollups can be trusted.
type State struct {
	// Clean is set when the last aggregator stopped after persisting every
	// rollup change, and cleared while one runs. A crash leaves it unset,
	// and the next start rebuilds from raw ratings.
	Clean   bool  `bson:"clean"`
	Schema  int   `bson:"schema"`
	Ratings int64 `bson:"ratings"`
	// Days names the collection of the generation of days written at the
	// clean stop.
	Days string `bson:"days"`
}

// Fact is what one rating contributes to the rollups.
type Fact struct {
	Unit string
	Date hailong.Date
	Dims
	Satisfied bool
	// Dissatisfied is set when the headline answer says "not satisfied";
	// not a dimension: for joining with dossier outcomes.
	Dissatisfied bool
	Level        int    // position of the headline answer in its scale
	Items        []Item // one answer each, ordered by question id
	Dossier      string // not a dimension: for joining with dossier outcomes
}

// Dims are the dimensions a query can filter on within a unit and day.
type Dims struct {
	Questionnaire string          `bson:"q" json:"q"`
	Channel       hailong.Channel `bson:"ch" json:"ch"`
	Procedure     string          `bson:"p,omitempty" json:"p,omitempty"`
	Official      string          `bson:"o,omitempty" json:"o,omitempty"`
	Counter       string          `bson:"c,omitempty" json:"c,omitempty"`
}

// MaxLevels bounds the levels of a headline scale.
const MaxLevels = 7

// Tally counts ratings: how many, how many satisfied, their headline
// answers by level, and the answers to the questions measures are made of.
type Tally struct {
	N         int64 `bson:"n" json:"n"`
	Satisfied int64 `bson:"s" json:"s"`
	// Levels counts headline answers by the position of the option in its
	// scale, the most negative first (the Happy Index's i).
	Levels [MaxLevels]int64 `bson:"l" json:"l"`
	// Items are the answers to SIPAS statements and Circular 01 questions,
	// ordered by question id.
	Items []Item `bson:"i,omitempty" json:"i,omitempty"`
	// Out tallies dossier outcomes; set only in outcome cells.
	Out *Outcomes `bson:"out,omitempty" json:"out,omitempty"`
}

// Outcomes tallies returned dossiers as the one-stop software reports them.
type Outcomes struct {
	Dossiers int64 `bson:"d" json:"d"`
	// Bad counts dossiers rated not satisfied, complained about or overdue:
	// what Decision 766 subtracts.
	Bad        int64 `bson:"b" json:"b"`
	Overdue    int64 `bson:"od" json:"od"`
	Complained int64 `bson:"c" json:"c"`
	Index1Sum  int64 `bson:"i1" json:"i1"`
	// IndexSum and IndexN sum the one-stop indices 2, 5, 6, 8 and 9, in
	// the order of hailong.OneStopIndices, over the dossiers that have them.
	IndexSum [5]int64 `bson:"is" json:"is"`
	IndexN   [5]int64 `bson:"in" json:"in"`
}

// Add adds another outcome tally; a negative one takes a report back.
func (o *Outcomes) Add(p *Outcomes) {
	o.Dossiers += p.Dossiers
	o.Bad += p.Bad
	o.Overdue += p.Overdue
	o.Complained += p.Complained
	o.Index1Sum += p.Index1Sum
	for i := range o.IndexSum {
		o.IndexSum[i] += p.IndexSum[i]
		o.IndexN[i] += p.IndexN[i]
	}
}

// Item tallies the answers to one question.
type Item struct {
	Q         string `bson:"q" json:"q"`
	N         int64  `bson:"n" json:"n"`
	Satisfied int64  `bson:"s" json:"s"` // answers in the question's satisfied levels
	Sum       int64  `bson:"v" json:"v"` // sum of 2/1/0 scores (Circular 01 questions)
}

// Add adds another tally.
func (t *Tally) Add(o Tally) {
	t.N += o.N
	t.Satisfied += o.Satisfied
	for i := range t.Levels {
		t.Levels[i] += o.Levels[i]
	}
	if len(o.Items) > 0 {
		t.Items = mergeItems(t.Items, o.Items)
	}
	if o.Out != nil {
		if t.Out == nil {
			t.Out = &Outcomes{}
		} else {
			c := *t.Out // cells may share an Outcomes with copies taken for persisting
			t.Out = &c
		}
		t.Out.Add(o.Out)
	}
}

// mergeItems adds b into a, both ordered by question id.
func mergeItems(a, b []Item) []Item {
	out := make([]Item, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].Q < b[j].Q):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].Q < a[i].Q:
			out = append(out, b[j])
			j++
		default:
			it := a[i]
			it.N, it.Satisfied, it.Sum = it.N+b[j].N, it.Satisfied+b[j].Satisfied, it.Sum+b[j].Sum
			out = append(out, it)
			i, j = i+1, j+1
		}
	}
	return out
}

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
	f := Fact{
		Unit: r.Unit, Date: hailong.DateOf(r.At), Satisfied: sat, Dossier: r.Dossier, Dissatisfied: q.Dissatisfied(r.Answers),
		Dims: Dims{Questionnaire: r.Questionnaire, Channel: r.Channel, Procedure: r.Procedure, Official: r.Official, Counter: r.Counter},
	}
	h, _ := q.Question(q.Headline)
	f.Level = slices.IndexFunc(h.Options, func(o hailong.Option) bool { return o.Value == r.Answers[q.Headline].Value })
	for _, qu := range q.Questions {
		a, answered := r.Answers[qu.ID]
		if !answered || a.IsText || (qu.Element == "" && qu.Circular01Index == 0) {
			continue
		}
		it := Item{Q: qu.ID, N: 1}
		if slices.Contains(qu.Satisfied, a.Value) {
			it.Satisfied = 1
		}
		if qu.Circular01Index != 0 {
			it.Sum = int64(a.Value)
		}
		f.Items = append(f.Items, it)
	}
	slices.SortFunc(f.Items, func(a, b Item) int { return strings.Compare(a.Q, b.Q) })
	return f, true
}

type dayKey struct {
	unit string
	date hailong.Date
}

type day struct {
	cells []Cell
	index map[Dims]int
	// totals sums cells by questionnaire and channel only: a handful per
	// day, so queries without finer filters never touch the cells.
	totals []Cell
}

// ref points at one cell, for the inverted indexes.
type ref struct {
	day  *day
	date hailong.Date
	cell int32
}

// dimKey names a value of one of the fine dimensions.
type dimKey struct {
	dim   byte // 'p' procedure, 'o' official, 'c' counter
	value string
}

type series struct {
	dates []hailong.Date // sorted
	list  []*day         // the days of dates, in the same order
	days  map[hailong.Date]*day
	// months sums days by month (key year*12+month-1), questionnaire and
	// channel, so that long periods add up months, not days.
	months map[int32][]Cell
	// index lists, for each procedure, official and counter, the cells that
	// hold it, so a filtered query reads only matching cells.
	index map[dimKey][]ref
}

// Rollup is the in-memory rollup. It is safe for concurrent use; one
// writer owns it, as FerretDB loses concurrent read-modify-write updates.
type Rollup struct {
	mu      sync.RWMutex
	units   map[string]*series
	ratings int64
	strs    map[string]string // interned dimension values
}

// New returns an empty rollup.
func New() *Rollup {
	return &Rollup{units: map[string]*series{}, strs: map[string]string{}}
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
		s = &series{days: map[hailong.Date]*day{}, index: map[dimKey][]ref{}, months: map[int32][]Cell{}}
		r.units[r.intern(unit)] = s
	}
	dy, ok := s.days[d]
	if !ok {
		dy = &day{index: map[Dims]int{}}
		s.days[d] = dy
		i, _ := slices.BinarySearch(s.dates, d)
		s.dates = slices.Insert(s.dates, i, d)
		s.list = slices.Insert(s.list, i, dy)
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
		s := r.units[unit]
		for _, k := range []dimKey{{'p', dims.Procedure}, {'o', dims.Official}, {'c', dims.Counter}} {
			if k.value != "" {
				s.index[k] = append(s.index[k], ref{day: dy, date: d, cell: int32(i)})
			}
		}
	}
	dy.cells[i].Tally.Add(t)
	coarse := Dims{Questionnaire: dims.Questionnaire, Channel: dims.Channel}
	dy.totals = addCoarse(dy.totals, coarse, t)
	s := r.units[unit]
	mk := monthKey(d)
	s.months[mk] = addCoarse(s.months[mk], coarse, t)
	r.ratings += t.N
}

func addCoarse(cells []Cell, coarse Dims, t Tally) []Cell {
	j := slices.IndexFunc(cells, func(c Cell) bool { return c.Dims == coarse })
	if j < 0 {
		j = len(cells)
		cells = append(cells, Cell{Dims: coarse})
	}
	cells[j].Tally.Add(t)
	return cells
}

func monthKey(d hailong.Date) int32 {
	y, m := d.YearMonth()
	return int32(y*12 + int(m) - 1)
}

func monthStart(key int32) hailong.Date {
	return hailong.DateFromYMD(int(key/12), time.Month(key%12+1), 1)
}

// Add counts facts.
func (r *Rollup) Add(facts ...Fact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range facts {
		t := Tally{N: 1, Items: f.Items}
		if f.Satisfied {
			t.Satisfied = 1
		}
		if f.Level >= 0 && f.Level < MaxLevels {
			t.Levels[f.Level] = 1
		}
		r.add(f.Unit, f.Date, f.Dims, t)
	}
}

// AddTally adds a tally at a unit, day and dimensions: the outcome book
// adds and takes back (negative tallies) dossier reports with it.
func (r *Rollup) AddTally(unit string, d hailong.Date, dims Dims, t Tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(unit, d, dims, t)
}

// Load adds persisted days.
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
	// Procedures, when not empty, matches any of them (a field's).
	Procedures []string
	Official   string
	Counter    string

	procSet map[string]bool // Procedures as a set, made once per query
}

func (f *Filter) match(d *Dims) bool {
	return (f.Questionnaire == "" || f.Questionnaire == d.Questionnaire) &&
		(f.Channel == "" || f.Channel == d.Channel) &&
		(f.Procedure == "" || f.Procedure == d.Procedure) &&
		(len(f.Procedures) == 0 || f.procSet[d.Procedure]) &&
		(f.Official == "" || f.Official == d.Official) &&
		(f.Counter == "" || f.Counter == d.Counter)
}

// Result is the answer to a query.
type Result struct {
	Total     Tally // Levels mix scales here: use ByQuestionnaire for them
	ByChannel map[hailong.Channel]Tally
	// ByQuestionnaire holds each questionnaire's tally with its levels and
	// items.
	ByQuestionnaire map[string]Tally
	// Outcomes sums outcome cells.
	Outcomes Outcomes
}

// Query sums the cells of the given rating units from from to to inclusive.
func (r *Rollup) Query(units []string, from, to hailong.Date, f Filter) Result {
	var acc accumulator
	if len(f.Procedures) > 0 {
		f.procSet = make(map[string]bool, len(f.Procedures))
		for _, p := range f.Procedures {
			f.procSet[p] = true
		}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, u := range units {
		s, ok := r.units[u]
		if !ok {
			continue
		}
		if lists, ok := s.narrowest(&f); ok {
			for _, refs := range lists {
				for _, rf := range refs {
					if rf.date >= from && rf.date <= to {
						if c := &rf.day.cells[rf.cell]; f.match(&c.Dims) {
							acc.add(c)
						}
					}
				}
			}
			continue
		}
		for cur := from; cur <= to; {
			mk := monthKey(cur)
			next := monthStart(mk + 1)
			if cur == monthStart(mk) && next-1 <= to {
				acc.addMatching(s.months[mk], &f)
				cur = next
				continue
			}
			end := min(next-1, to)
			i, _ := slices.BinarySearch(s.dates, cur)
			for ; i < len(s.dates) && s.dates[i] <= end; i++ {
				acc.addMatching(s.list[i].totals, &f)
			}
			cur = end + 1
		}
	}
	return acc.result()
}

// narrowest returns the shortest index lists among the fine dimensions the
// filter names; ok is false when it names none. A set of procedures gives
// one list each: a cell holds one procedure, so they do not overlap.
func (s *series) narrowest(f *Filter) (lists [][]ref, ok bool) {
	n := 0
	for _, k := range []dimKey{{'p', f.Procedure}, {'o', f.Official}, {'c', f.Counter}} {
		if k.value == "" {
			continue
		}
		if l := s.index[k]; !ok || len(l) < n {
			lists, n, ok = [][]ref{l}, len(l), true
		}
	}
	if len(f.Procedures) > 0 {
		var ls [][]ref
		total := 0
		for _, p := range f.Procedures {
			l := s.index[dimKey{'p', p}]
			ls, total = append(ls, l), total+len(l)
		}
		if !ok || total < n {
			lists, ok = ls, true
		}
	}
	return lists, ok
}

type accumulator struct {
	kiosk, qr Tally
	other     map[hailong.Channel]*Tally
	byQ       []*qAcc // a handful of questionnaires: a slice beats a map
	out       Outcomes
}

// qAcc sums one questionnaire. Its items are few, so they are found by a
// linear search rather than hashed: queries add hundreds of thousands of
// cells.
type qAcc struct {
	id    string
	t     Tally
	items []Item
}

func (a *accumulator) addMatching(cells []Cell, f *Filter) {
	for j := range cells {
		if c := &cells[j]; f.match(&c.Dims) {
			a.add(c)
		}
	}
}

func (a *accumulator) add(c *Cell) {
	if c.Out != nil {
		a.out.Add(c.Out)
		return
	}
	var ch *Tally
	switch c.Channel {
	case hailong.ChannelKiosk:
		ch = &a.kiosk
	case hailong.ChannelQR:
		ch = &a.qr
	default:
		if a.other == nil {
			a.other = map[hailong.Channel]*Tally{}
		}
		if ch = a.other[c.Channel]; ch == nil {
			ch = &Tally{}
			a.other[c.Channel] = ch
		}
	}
	ch.N += c.N
	ch.Satisfied += c.Satisfied
	var q *qAcc
	for _, x := range a.byQ {
		if x.id == c.Questionnaire {
			q = x
			break
		}
	}
	if q == nil {
		q = &qAcc{id: c.Questionnaire}
		a.byQ = append(a.byQ, q)
	}
	q.t.N += c.N
	q.t.Satisfied += c.Satisfied
	for i := range q.t.Levels {
		q.t.Levels[i] += c.Levels[i]
	}
	for _, it := range c.Items {
		k := 0
		for k < len(q.items) && q.items[k].Q != it.Q {
			k++
		}
		if k == len(q.items) {
			q.items = append(q.items, Item{Q: it.Q})
		}
		acc := &q.items[k]
		acc.N, acc.Satisfied, acc.Sum = acc.N+it.N, acc.Satisfied+it.Satisfied, acc.Sum+it.Sum
	}
}

func (a *accumulator) result() Result {
	res := Result{ByChannel: map[hailong.Channel]Tally{hailong.ChannelKiosk: a.kiosk, hailong.ChannelQR: a.qr},
		ByQuestionnaire: map[string]Tally{}, Outcomes: a.out}
	for ch, t := range a.other {
		res.ByChannel[ch] = *t
	}
	for _, t := range res.ByChannel {
		res.Total.N += t.N
		res.Total.Satisfied += t.Satisfied
	}
	for _, q := range a.byQ {
		t := q.t
		t.Items = q.items
		slices.SortFunc(t.Items, func(a, b Item) int { return strings.Compare(a.Q, b.Q) })
		res.ByQuestionnaire[q.id] = t
	}
	return res
}
