// Package rollup keeps the aggregator's pre-aggregated counts in memory:
// per rating unit, per Vietnamese calendar day, per questionnaire, channel,
// procedure, official and counter. Queries sum them without touching the
// database. The ingest job persists them by the month (a segment per
// month), writing at each checkpoint only the months changed since the last
// (TakeDirty, DaysOf). Rollups are derived data: they can be recomputed from
// raw ratings at any time.
package rollup

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/intern"
)

// Schema is the version of the persisted rollup format; a different stored
// version forces a rebuild from raw ratings.
const Schema = 6 // 2: levels and items; 3: generations; 4: cells as gob; 5: Item.Zero; 6: month segments and a journal

// State is the last checkpoint of the persisted rollups: which segments
// hold them and where the journal of ratings counted since begins. A start
// loads the segments and replays the journal from Journal on; a state with
// no Journal (none, of another schema, or marked for repair) makes the
// next start rebuild from raw ratings.
type State struct {
	// Clean is set when the last aggregator stopped cleanly: its final
	// checkpoint left an empty journal behind. It is cleared while one
	// runs; a crash leaves it unset, and the next start replays the
	// journal.
	Clean   bool  `bson:"clean"`
	Schema  int   `bson:"schema"`
	Ratings int64 `bson:"ratings"`
	// FlaggedRatings counts the ratings of the flagged ratings' rollup (a
	// rollup of their own), in Segments beside the main one's.
	FlaggedRatings int64 `bson:"flagged_ratings,omitempty"`
	// Segments names the segment holding each month of each rollup.
	Segments []Segment `bson:"segments,omitempty"`
	// Counted is set when every segment says how many ratings it holds
	// (Segment.Ratings), so that a start may leave months unloaded and
	// still know the rollups' count. States written before lack it: their
	// start loads every month.
	Counted bool `bson:"counted,omitempty"`
	// Journal is the sequence number of the journal the checkpoint opened:
	// every rating counted after the checkpoint is told in it or a later
	// one. 0: no checkpoint to start from.
	Journal int64 `bson:"journal,omitempty"`
}

// Segment names where one month of a rollup is persisted.
type Segment struct {
	Flagged    bool   `bson:"flagged,omitempty"` // of the flagged ratings' rollup
	Month      Month  `bson:"month"`
	Collection string `bson:"collection"`
	// Ratings is how many ratings the segment counts (State.Counted).
	Ratings int64 `bson:"ratings,omitempty"`
	// Summary names where the month's Summary is persisted; empty for a
	// segment written before summaries were (summary.go).
	Summary string `bson:"summary,omitempty"`
}

// Month is a calendar month (Vietnam time, as dates are): year*12 +
// month-1. It is the unit in which rollups are persisted.
type Month int32

// MonthOf returns the month of a date.
func MonthOf(d hailong.Date) Month { return Month(monthKey(d)) }

// String returns the month as YYYYMM.
func (m Month) String() string {
	return fmt.Sprintf("%04d%02d", int(m)/12, int(m)%12+1)
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
	// Flagged is set for a rating with a flag (hailong.Rating.Flags): it
	// goes to the rollup of flagged ratings, not the main one.
	Flagged bool
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

// Negated returns the tally that takes o back: each count negated.
func (o Outcomes) Negated() Outcomes {
	n := Outcomes{Dossiers: -o.Dossiers, Bad: -o.Bad, Overdue: -o.Overdue, Complained: -o.Complained, Index1Sum: -o.Index1Sum}
	for i := range o.IndexSum {
		n.IndexSum[i], n.IndexN[i] = -o.IndexSum[i], -o.IndexN[i]
	}
	return n
}

// outcomeCount is how many counts Outcomes has: vector lists them.
const outcomeCount = 15

// outcomeNames names the counts of vector, for errors.
var outcomeNames = [outcomeCount]string{"dossiers", "bad", "overdue", "complained", "index1_sum",
	"index_sum[0]", "index_sum[1]", "index_sum[2]", "index_sum[3]", "index_sum[4]",
	"index_n[0]", "index_n[1]", "index_n[2]", "index_n[3]", "index_n[4]"}

// vector lists the counts of o, in the order of outcomeNames and of a
// cell's outcomeCounts.
func (o *Outcomes) vector() (v [outcomeCount]int64) {
	v[0], v[1], v[2], v[3], v[4] = o.Dossiers, o.Bad, o.Overdue, o.Complained, o.Index1Sum
	copy(v[5:10], o.IndexSum[:])
	copy(v[10:], o.IndexN[:])
	return v
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

// Check returns an error naming the first count of the tally that a cell
// cannot hold: a negative one, or one of 2^31 or more (a cell's counts are
// 32-bit: one unit's day or month). A tally read from elsewhere (a
// province's cells, by the national view) is checked before it is added,
// where a count past 32 bits would wrap around unseen.
func (t *Tally) Check() error {
	fits := func(v int64) bool { return v >= 0 && v <= math.MaxInt32 }
	misfit := func(name string, v int64) error {
		return fmt.Errorf("count %s is %d, outside the 0 to %d a cell holds", name, v, math.MaxInt32)
	}
	if !fits(t.N) {
		return misfit("n", t.N)
	}
	if !fits(t.Satisfied) {
		return misfit("satisfied", t.Satisfied)
	}
	for i, v := range t.Levels {
		if !fits(v) {
			return misfit(fmt.Sprintf("levels[%d]", i), v)
		}
	}
	for _, it := range t.Items {
		for _, c := range [...]struct {
			name string
			v    int64
		}{{"n", it.N}, {"satisfied", it.Satisfied}, {"sum", it.Sum}, {"zero", it.Zero}} {
			if !fits(c.v) {
				return misfit("items["+it.Q+"]."+c.name, c.v)
			}
		}
	}
	if t.Out != nil {
		for i, v := range t.Out.vector() {
			if !fits(v) {
				return misfit("out."+outcomeNames[i], v)
			}
		}
	}
	return nil
}

// Item tallies the answers to one question.
type Item struct {
	Q         string `bson:"q" json:"q"`
	N         int64  `bson:"n" json:"n"`
	Satisfied int64  `bson:"s" json:"s"` // answers in the question's satisfied levels
	Sum       int64  `bson:"v" json:"v"` // sum of 2/1/0 scores (Circular 01 questions)
	// Zero counts the answers scoring 0 (Circular 01 questions): with N
	// and Sum it tells how many gave each of the 2/1/0 answers, which an
	// alert rule counts (index 7's 0 is a complaint of harassment).
	Zero int64 `bson:"z,omitempty" json:"z,omitempty"`
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
			c := *t.Out // a copied Tally shares Out with its original: never change it in place
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
			it.N, it.Satisfied, it.Sum, it.Zero = it.N+b[j].N, it.Satisfied+b[j].Satisfied, it.Sum+b[j].Sum, it.Zero+b[j].Zero
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
		Unit: r.Unit, Date: hailong.DateOf(r.At), Satisfied: sat, Dossier: r.Dossier, Dissatisfied: q.Dissatisfied(r.Answers), Flagged: r.Flagged(),
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
			if a.Value == 0 {
				it.Zero = 1
			}
		}
		f.Items = append(f.Items, it)
	}
	slices.SortFunc(f.Items, func(a, b Item) int { return strings.Compare(a.Q, b.Q) })
	return f, true
}

// Rollup is the in-memory rollup. It is safe for concurrent use; one
// writer owns it, as FerretDB loses concurrent read-modify-write updates.
//
// It holds a cell per rating unit, day and combination of dimensions, which
// at the scale of a province is millions of cells, often one per rating.
// So cells are compact and free of pointers (dimension values are interned
// as small integers, answers to questions live in one array per unit), which
// keeps the heap small and the garbage collector from walking it. Sums by
// day, by month, and by month and official, counter or field let most
// queries read a few dozen sums per unit instead of every cell; sums by
// month and procedure, without answers to questions, let a breakdown by
// procedure read fewer and smaller entries than the cells.
type Rollup struct {
	mu      sync.RWMutex
	names   intern.Table // interned dimension values; id 0 is ""
	fieldOf []id         // a procedure's field, by the procedure's id
	units   map[string]*series
	ratings int64
	// dirty holds the months changed since TakeDirty last took them: what
	// the next checkpoint writes.
	dirty map[Month]bool
	lazy
	summaries
	// gens counts the changes of each month (Generation), for readers
	// that keep what they derived from a month until it changes.
	gens map[Month]uint64
	// monthGroups keeps the groups of whole months (monthgroups.go).
	monthGroups *monthGroups
}

// id is an interned dimension value: its number in Rollup.names.
type id = uint32

// New returns an empty rollup.
func New() *Rollup {
	return &Rollup{units: map[string]*series{}, dirty: map[Month]bool{}, lazy: newLazy(), summaries: newSummaries(), gens: map[Month]uint64{}, monthGroups: newMonthGroups()}
}

func (r *Rollup) field(proc id) id {
	if int(proc) < len(r.fieldOf) {
		return r.fieldOf[proc]
	}
	return 0
}

// key is a cell's combination of dimensions.
type key struct {
	q, ch          id
	proc, off, ctr id
}

// lean counts ratings without their answers to questions: what a
// breakdown reads. 32 bits are enough: the largest count is a unit's
// ratings in a month, far below two thousand million.
type lean struct {
	n, sat int32
	levels [MaxLevels]int32
}

// counts is a tally without pointers.
type counts struct {
	lean
	// items locates the answers to questions in an arena of the series:
	// nitems of them from index items.
	items, nitems int32
	out           int32 // 1 + index of the outcomes in the series' outs; 0 if none
}

// item tallies the answers to one question, as Item does.
type item struct {
	q                 id
	n, sat, sum, zero int32
}

// cell is one unit's counts on one day for one combination of dimensions.
type cell struct {
	date hailong.Date
	key
	counts
	// psum is 1 + the index of the cell's procedure sum in its month of
	// series.procMonths, 0 for none.
	psum int32
}

// procSum sums one unit's ratings of a month with one procedure,
// questionnaire and channel, without answers to questions or outcomes:
// what a breakdown by procedure reads. A unit has thousands of procedures,
// too many for sums with answers (they would take about as much room as
// the cells), but a month of these reads fewer and smaller entries than
// its cells.
type procSum struct {
	proc, q, ch id
	lean
}

// total sums cells by questionnaire and channel.
type total struct {
	q, ch id
	counts
}

type cellAt struct {
	date hailong.Date
	key
}

// day holds the sums of one day of one unit and where its cells are.
type day struct {
	totals []total
	cells  []int32 // indexes in series.cells
}

// dim names a value of a fine dimension, for the inverted indexes.
type dim struct {
	kind  byte // 'p' procedure, 'o' official, 'c' counter, 'f' field
	value id
}

// summed tells whether a kind of fine dimension has monthly sums with
// answers to questions: a unit has a handful of officials, counters and
// fields, but often thousands of procedures, which would make about as
// many sums as cells (procedures have leaner ones, series.procMonths).
func summed(kind byte) bool { return kind != 'p' }

// fine returns the fine dimensions of a key, with no value where it has none.
func (r *Rollup) fine(k *key) [4]dim {
	return [4]dim{{'p', k.proc}, {'o', k.off}, {'c', k.ctr}, {'f', r.field(k.proc)}}
}

// monthly holds sums by month, of the months with any only, in month
// order: a query over a year reads a dozen of them per unit, and it grows
// with the ratings, not with the span of their dates (a rating of year 1
// and one of year 9999 make two months, not 120,000).
type monthly[T any] struct {
	keys []int32 // year*12+month-1 of each of sums, ascending
	sums [][]T
}

// next returns the sums of month key, for a walk through months in
// ascending order: *i is where the walk is in keys, from 0 or the result of
// a search for the first month; it only moves forward.
func (m *monthly[T]) next(i *int, key int32) []T {
	for *i < len(m.keys) && m.keys[*i] < key {
		*i++
	}
	if *i < len(m.keys) && m.keys[*i] == key {
		return m.sums[*i]
	}
	return nil
}

// slot returns the sums of a month, making room for it if it is new.
func (m *monthly[T]) slot(key int32) *[]T {
	if n := len(m.keys); n > 0 && m.keys[n-1] == key { // ratings mostly come in date order
		return &m.sums[n-1]
	}
	i, found := slices.BinarySearch(m.keys, key)
	if !found {
		m.keys = slices.Insert(m.keys, i, key)
		m.sums = slices.Insert(m.sums, i, nil)
	}
	return &m.sums[i]
}

// series is one rating unit's rollup.
type series struct {
	cells []cell
	at    map[cellAt]int32 // the index of each cell in cells
	dates []hailong.Date   // sorted
	days  []day            // the days of dates, in the same order
	// months sums days by month, so that long periods add up months, not
	// days; dimMonths sums them by official, counter and field.
	months    monthly[total]
	dimMonths map[dim]*monthly[total]
	// procMonths sums the ratings of each month by procedure (procSum);
	// dossier outcomes are not in them.
	procMonths monthly[procSum]
	// index lists, for each procedure, official, counter and field, the
	// cells that hold it, by date, so a filtered query reads only
	// matching cells.
	index map[dim][]int32
	// The answers to questions of the cells, and of the sums: apart, so
	// that a query reading sums finds their answers close together.
	cellItems, sumItems arena
	outs                []outcomeCounts
}

// outcomeCounts are the Outcomes of a cell or a sum in 32 bits, like the
// rest of its counts (one unit's day or month), in the order of
// Outcomes.vector: 60 bytes rather than 120 for each of the outcome book's
// cells, of which there is about one a dossier (a unit's day, procedure,
// official and counter).
type outcomeCounts [outcomeCount]int32

// add adds o; a negative o takes a report back.
func (c *outcomeCounts) add(o *Outcomes) {
	for i, v := range o.vector() {
		c[i] += int32(v)
	}
}

// addTo adds the counts to o. Field by field, not through a vector and
// back: a query adds every cell it reads, and the round trip took twice
// as long.
func (c *outcomeCounts) addTo(o *Outcomes) {
	o.Dossiers += int64(c[0])
	o.Bad += int64(c[1])
	o.Overdue += int64(c[2])
	o.Complained += int64(c[3])
	o.Index1Sum += int64(c[4])
	for i := range o.IndexSum {
		o.IndexSum[i] += int64(c[5+i])
		o.IndexN[i] += int64(c[10+i])
	}
}

// arena holds the answers to questions of many counts, each one's in a
// contiguous run.
type arena []item

func (a arena) of(c *counts) []item { return a[c.items : c.items+c.nitems] }

func (a *arena) add(c *counts, it item) {
	for i := c.items; i < c.items+c.nitems; i++ {
		if x := &(*a)[i]; x.q == it.q {
			x.n, x.sat, x.sum, x.zero = x.n+it.n, x.sat+it.sat, x.sum+it.sum, x.zero+it.zero
			return
		}
	}
	// A new question: the run must stay contiguous, so unless it ends the
	// arena it moves to the end and its old place is lost. Cells are mostly
	// made with all their questions; a sum moves once for each question it
	// sees for the first time, a bounded waste.
	if end := c.items + c.nitems; c.nitems > 0 && int(end) != len(*a) {
		*a = append(*a, (*a)[c.items:end]...)
		c.items = int32(len(*a)) - c.nitems
	} else if c.nitems == 0 {
		c.items = int32(len(*a))
	}
	*a = append(*a, it)
	c.nitems++
}

func newSeries() *series {
	return &series{at: map[cellAt]int32{}, dimMonths: map[dim]*monthly[total]{}, index: map[dim][]int32{}}
}

func (s *series) dimMonth(d dim) *monthly[total] {
	m := s.dimMonths[d]
	if m == nil {
		m = &monthly[total]{}
		s.dimMonths[d] = m
	}
	return m
}

// indexCell adds cell i to the index list of d, keeping the list in date
// order: cells mostly come in date order, but a kiosk back on line sends
// older days.
func (s *series) indexCell(d dim, i int32) {
	list := s.index[d]
	at := len(list)
	if date := s.cells[i].date; at > 0 && s.cells[list[at-1]].date > date {
		at, _ = slices.BinarySearchFunc(list, date+1, func(c int32, d hailong.Date) int { return cmp.Compare(s.cells[c].date, d) })
	}
	s.index[d] = slices.Insert(list, at, i)
}

// day returns the day of date d, adding it if it is new.
func (s *series) day(d hailong.Date) *day {
	i, found := slices.BinarySearch(s.dates, d)
	if !found {
		s.dates = slices.Insert(s.dates, i, d)
		s.days = slices.Insert(s.days, i, day{})
	}
	return &s.days[i]
}

// addProcSum adds a tally of ratings to the procedure sum of cell i, in
// month mk. A new cell shares the sum of a cell of the same month,
// procedure, questionnaire and channel, found in the procedure's index
// list (a few cells a month), or starts one.
func (s *series) addProcSum(i int32, mk int32, t *Tally) {
	sums := s.procMonths.slot(mk)
	c := &s.cells[i]
	if c.psum == 0 {
		list, end := s.index[dim{'p', c.proc}], monthStart(mk+1)
		for _, j := range list[s.firstOn(list, monthStart(mk)):] {
			o := &s.cells[j]
			if o.date >= end {
				break
			}
			if o.psum != 0 && o.q == c.q && o.ch == c.ch {
				c.psum = o.psum
				break
			}
		}
		if c.psum == 0 {
			*sums = append(*sums, procSum{proc: c.proc, q: c.q, ch: c.ch})
			c.psum = int32(len(*sums))
		}
	}
	l := &(*sums)[c.psum-1].lean
	l.n += int32(t.N)
	l.sat += int32(t.Satisfied)
	for i, v := range t.Levels {
		l.levels[i] += int32(v)
	}
}

// addTally adds a tally from outside the rollup to c, whose answers are
// in a.
func (s *series) addTally(r *Rollup, c *counts, a *arena, t *Tally) {
	c.n += int32(t.N)
	c.sat += int32(t.Satisfied)
	for i, v := range t.Levels {
		c.levels[i] += int32(v)
	}
	for _, it := range t.Items {
		a.add(c, item{q: r.names.ID(it.Q), n: int32(it.N), sat: int32(it.Satisfied), sum: int32(it.Sum), zero: int32(it.Zero)})
	}
	if t.Out != nil {
		s.addOutcomes(c, t.Out)
	}
}

// addCell adds a cell's counts to the sum c.
func (s *series) addCell(c *counts, o *counts) {
	c.n += o.n
	c.sat += o.sat
	for i, v := range o.levels {
		c.levels[i] += v
	}
	for _, it := range s.cellItems.of(o) {
		s.sumItems.add(c, it)
	}
	if o.out != 0 {
		var sum Outcomes
		s.outs[o.out-1].addTo(&sum)
		s.addOutcomes(c, &sum)
	}
}

func (s *series) addOutcomes(c *counts, o *Outcomes) {
	if c.out == 0 {
		s.outs = append(s.outs, outcomeCounts{})
		c.out = int32(len(s.outs))
	}
	s.outs[c.out-1].add(o)
}

// totalOf returns the sum of ts with the given questionnaire and channel,
// adding it if it is new.
func totalOf(ts *[]total, q, ch id) *counts {
	for i := range *ts {
		if t := &(*ts)[i]; t.q == q && t.ch == ch {
			return &t.counts
		}
	}
	*ts = append(*ts, total{q: q, ch: ch})
	return &(*ts)[len(*ts)-1].counts
}

func monthKey(d hailong.Date) int32 {
	y, m := d.YearMonth()
	return int32(y*12 + int(m) - 1)
}

func monthStart(key int32) hailong.Date {
	return hailong.DateFromYMD(int(key/12), time.Month(key%12+1), 1)
}

func (r *Rollup) add(unit string, d hailong.Date, dims *Dims, t *Tally) {
	s, ok := r.units[unit]
	if !ok {
		s = newSeries()
		r.units[unit] = s
	}
	k := key{q: r.names.ID(dims.Questionnaire), ch: r.names.ID(string(dims.Channel)),
		proc: r.names.ID(dims.Procedure), off: r.names.ID(dims.Official), ctr: r.names.ID(dims.Counter)}
	dy := s.day(d)
	mk := monthKey(d)
	ms := r.stat(Month(mk))
	i, ok := s.at[cellAt{d, k}]
	if !ok {
		ms.cells++
		i = int32(len(s.cells))
		s.cells = append(s.cells, cell{date: d, key: k})
		s.at[cellAt{d, k}] = i
		dy.cells = append(dy.cells, i)
		for _, x := range r.fine(&k) {
			if x.value != 0 {
				s.indexCell(x, i)
			}
		}
	}
	s.addTally(r, &s.cells[i].counts, &s.cellItems, t)
	s.addTally(r, totalOf(&dy.totals, k.q, k.ch), &s.sumItems, t)
	r.dirty[Month(mk)] = true
	r.gens[Month(mk)]++
	s.addTally(r, totalOf(s.months.slot(mk), k.q, k.ch), &s.sumItems, t)
	for _, x := range r.fine(&k) {
		if x.value != 0 && summed(x.kind) {
			s.addTally(r, totalOf(s.dimMonth(x).slot(mk), k.q, k.ch), &s.sumItems, t)
		}
	}
	if k.proc != 0 && t.Out == nil {
		s.addProcSum(i, mk, t)
	}
	r.ratings += t.count()
	ms.ratings += t.count()
}

// count is what a tally counts: its ratings, or, in an outcome cell, its
// dossiers. The counts of a month checkpointed and loaded again must agree
// (load), so that a month read back empty (a collection dropped) is told
// from a month that holds nothing.
func (t *Tally) count() int64 {
	if t.Out != nil {
		return t.N + t.Out.Dossiers
	}
	return t.N
}

// Add counts facts.
func (r *Rollup) Add(facts ...Fact) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range facts {
		f := &facts[i]
		t := Tally{N: 1, Items: f.Items}
		if f.Satisfied {
			t.Satisfied = 1
		}
		if f.Level >= 0 && f.Level < MaxLevels {
			t.Levels[f.Level] = 1
		}
		r.add(f.Unit, f.Date, &f.Dims, &t)
	}
}

// AddTally adds a tally at a unit, day and dimensions: the outcome book
// adds and takes back (negative tallies) dossier reports with it.
func (r *Rollup) AddTally(unit string, d hailong.Date, dims Dims, t Tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(unit, d, &dims, &t)
}

// Load adds persisted days.
func (r *Rollup) Load(days ...Day) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range days {
		for i := range d.Cells {
			c := &d.Cells[i]
			r.add(d.Unit, d.Date, &c.Dims, &c.Tally)
		}
	}
}

// SetFields tells the rollup the field of each procedure (procedure code to
// field name), so that queries by field add up monthly sums. It replaces
// the fields told before; procedures it does not name are in no field.
func (r *Rollup) SetFields(fieldOf map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.monthGroups.forget(nil) // groups by field changed
	r.fieldOf = r.fieldOf[:0]
	for p, f := range fieldOf {
		pid, fid := r.names.ID(p), r.names.ID(f)
		if int(pid) >= len(r.fieldOf) {
			r.fieldOf = append(r.fieldOf, make([]id, int(pid)+1-len(r.fieldOf))...)
		}
		r.fieldOf[pid] = fid
	}
	for _, s := range r.units {
		for d := range s.dimMonths {
			if d.kind == 'f' {
				delete(s.dimMonths, d)
			}
		}
		for d := range s.index {
			if d.kind == 'f' {
				delete(s.index, d)
			}
		}
		for _, dy := range s.days { // in date order, as index lists are
			for _, i := range dy.cells {
				c := &s.cells[i]
				if f := (dim{'f', r.field(c.proc)}); f.value != 0 {
					s.index[f] = append(s.index[f], i)
					s.addCell(totalOf(s.dimMonth(f).slot(monthKey(c.date)), c.q, c.ch), &c.counts)
				}
			}
		}
	}
}

// Ratings returns how many ratings the rollup counts, in memory and in
// the persisted months not loaded (SetCold); a rollup of outcomes, how
// many dossiers.
func (r *Rollup) Ratings() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.ratings + r.coldRatings
}

// Cells returns how many cells the rollup holds in memory: its size in
// memory grows with them. It reads one length per unit.
func (r *Rollup) Cells() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var n int64
	for _, s := range r.units {
		n += int64(len(s.cells))
	}
	return n
}

// Days yields a copy of every day, by unit and date, loading first the
// persisted months not in memory (SetCold). It holds the rollup's read lock
// until the iteration ends, so that the days are of one moment. Writes wait
// until it ends, and so do reads behind a waiting write: the loop must not
// call the rollup at all.
func (r *Rollup) Days() iter.Seq[Day] {
	return func(yield func(Day) bool) {
		defer r.useMonths(math.MinInt32, math.MaxInt32)()
		r.mu.RLock()
		defer r.mu.RUnlock()
		for _, unit := range slices.Sorted(maps.Keys(r.units)) {
			s := r.units[unit]
			for i := range s.dates {
				if !yield(r.day(unit, s, i)) {
					return
				}
			}
		}
	}
}

// day copies the i-th day of a unit's series.
func (r *Rollup) day(unit string, s *series, i int) Day {
	cells := make([]Cell, 0, len(s.days[i].cells))
	for _, ci := range s.days[i].cells {
		c := &s.cells[ci]
		cells = append(cells, Cell{Dims: r.dims(c.key), Tally: r.tally(s, &c.counts)})
	}
	return Day{Unit: unit, Date: s.dates[i], Cells: cells}
}

// TakeDirty returns the months changed (by Add, AddTally or Load) since it
// was last called, in order, and forgets them: a checkpoint writes them. A
// month taken is not dropped from memory (SetBudget) before Saved says it
// is persisted.
func (r *Rollup) TakeDirty() []Month {
	r.mu.Lock()
	defer r.mu.Unlock()
	months := slices.Sorted(maps.Keys(r.dirty))
	for _, m := range months {
		delete(r.saved, m)
	}
	clear(r.dirty)
	return months
}

// MarkDirty marks months changed again: a checkpoint that could not write
// them leaves them to the next.
func (r *Rollup) MarkDirty(months ...Month) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range months {
		r.dirty[m] = true
	}
}

// DaysOf returns a copy of every day of the month, by unit and date: one
// segment of the persisted rollup. It returns what memory holds: a cold
// month (SetCold) must be loaded first (LoadMonths), or it returns a part.
func (r *Rollup) DaysOf(m Month) []Day {
	r.mu.RLock()
	defer r.mu.RUnlock()
	from, to := monthStart(int32(m)), monthStart(int32(m)+1)
	var out []Day
	for _, unit := range slices.Sorted(maps.Keys(r.units)) {
		s := r.units[unit]
		i, _ := slices.BinarySearch(s.dates, from)
		for ; i < len(s.dates) && s.dates[i] < to; i++ {
			out = append(out, r.day(unit, s, i))
		}
	}
	return out
}

func (r *Rollup) dims(k key) Dims {
	return Dims{Questionnaire: r.names.String(k.q), Channel: hailong.Channel(r.names.String(k.ch)),
		Procedure: r.names.String(k.proc), Official: r.names.String(k.off), Counter: r.names.String(k.ctr)}
}

// tally converts a cell's counts back to a Tally, its items ordered by
// question id.
func (r *Rollup) tally(s *series, c *counts) Tally { return r.tallyIn(s, s.cellItems, c) }

// tallyIn is tally for counts whose answers are in items.
func (r *Rollup) tallyIn(s *series, items arena, c *counts) Tally {
	t := Tally{N: int64(c.n), Satisfied: int64(c.sat)}
	for i, v := range c.levels {
		t.Levels[i] = int64(v)
	}
	for _, it := range items.of(c) {
		t.Items = append(t.Items, Item{Q: r.names.String(it.q), N: int64(it.n), Satisfied: int64(it.sat), Sum: int64(it.sum), Zero: int64(it.zero)})
	}
	slices.SortFunc(t.Items, func(a, b Item) int { return strings.Compare(a.Q, b.Q) })
	if c.out != 0 {
		var o Outcomes
		s.outs[c.out-1].addTo(&o)
		t.Out = &o
	}
	return t
}
