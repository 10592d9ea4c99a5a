// Package comments keeps the citizens' free-text comments in memory, by
// month, so that a page of comments filtered by unit, period, level,
// procedure and channel is read without touching the database: on FerretDB
// every filtered find scans its collection, and the ratings are millions.
// The index is derived from the raw ratings, like the rollups: the ingest
// job adds each stored rating's comment and rebuilds the index with the
// rollups.
//
// The stored comments are kept by month too (Store), and an index with a
// budget holds only the months read lately (Open): a start reads none of
// them, and memory is bounded by the budget, not by the years stored.
package comments

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/intern"
	"hailong/aggregator/rollup"
)

// Mood is what a rating's headline answer says, the level a reader filters
// comments by.
type Mood string

// Moods, from the questionnaire's satisfied and dissatisfied levels.
const (
	Satisfied    Mood = "satisfied"
	Neutral      Mood = "neutral"
	Dissatisfied Mood = "dissatisfied"
)

// Moods lists every mood, worst first.
var Moods = []Mood{Dissatisfied, Neutral, Satisfied}

// Valid reports whether m is a known mood.
func (m Mood) Valid() bool { return slices.Contains(Moods, m) }

// Comment is one rating's free text with what it is about. Its id is the
// rating's.
type Comment struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	Unit          string          `json:"unit"`
	Procedure     string          `json:"procedure,omitempty"`
	Official      string          `json:"official,omitempty"`
	Counter       string          `json:"counter,omitempty"`
	Channel       hailong.Channel `json:"channel"`
	Questionnaire string          `json:"questionnaire"`
	Version       int             `json:"version"`
	// Level is the headline answer's value; Mood what it says.
	Level int    `json:"level"`
	Mood  Mood   `json:"mood"`
	Text  string `json:"text"`
}

// Of returns the comment of a rating, if it has one: the text answers of
// q, in the questionnaire's order, each on its own line.
func Of(r *hailong.Rating, q *hailong.Questionnaire) (Comment, bool) {
	var texts []string
	for _, qu := range q.Questions {
		if a, ok := r.Answers[qu.ID]; ok && qu.Kind == hailong.KindText && a.IsText {
			if t := strings.TrimSpace(a.Text); t != "" {
				texts = append(texts, t)
			}
		}
	}
	if len(texts) == 0 {
		return Comment{}, false
	}
	c := Comment{ID: r.ID, At: r.At.UTC(), Unit: r.Unit, Procedure: r.Procedure, Official: r.Official, Counter: r.Counter,
		Channel: r.Channel, Questionnaire: r.Questionnaire, Version: q.Version, Mood: Neutral, Text: strings.Join(texts, "\n")}
	if a, ok := r.Answers[q.Headline]; ok && !a.IsText {
		c.Level = a.Value
	}
	if sat, ok := q.Satisfied(r.Answers); ok && sat {
		c.Mood = Satisfied
	} else if q.Dissatisfied(r.Answers) {
		c.Mood = Dissatisfied
	}
	return c, true
}

// before orders comments by time, to the millisecond, then id: the
// index's order.
func before(a, b *Comment) int {
	return cmp.Or(cmp.Compare(instant(a.At), instant(b.At)), strings.Compare(a.ID, b.ID))
}

// instant is the time of a comment as the index holds it: Unix
// nanoseconds, to the millisecond, as the database stores it, so that a
// comment added as its rating is stored and the same one read back after
// a start are one, at one place (the index tells comments apart by time
// and id, not by a set of ids, which took 30 bytes a comment).
func instant(t time.Time) int64 { return t.UnixMilli() * int64(time.Millisecond) }

// held is what the index keeps of a comment beside its row (columns):
// the rest is made again from the row (comment). Kept whole, with its own
// copies of the codes its row numbers, a comment took about 300 bytes
// besides its id and text; this takes 40.
type held struct {
	id, text       string
	version, level int32
}

// row is what a query filters on, of one comment, as small numbers.
type row struct {
	at                                 int64 // Unix nanoseconds, to the millisecond (instant)
	unit, procedure, official, counter uint32
	questionnaire                      uint32
	mood, channel                      uint8
}

// The moods (Moods) and channels a row holds, numbered from 1 (0 is
// none).
var (
	codeChannels = []hailong.Channel{hailong.ChannelKiosk, hailong.ChannelQR}
	moodCodes    = codes(Moods)
	channelCodes = codes(codeChannels)
)

func codes[T comparable](values []T) map[T]uint8 {
	m := map[T]uint8{}
	for i, v := range values {
		m[v] = uint8(i + 1)
	}
	return m
}

// columns hold the rows by field, each in time order: a query sweeps only
// the fields it filters on, a few bytes a comment, rather than following a
// pointer to each comment (which cost ten times more at 500,000 comments).
type columns struct {
	at                                                []int64
	unit, procedure, official, counter, questionnaire []uint32
	mood, channel                                     []uint8
}

func (c *columns) insert(i int, r row) {
	c.at = slices.Insert(c.at, i, r.at)
	c.unit = slices.Insert(c.unit, i, r.unit)
	c.procedure = slices.Insert(c.procedure, i, r.procedure)
	c.official = slices.Insert(c.official, i, r.official)
	c.counter = slices.Insert(c.counter, i, r.counter)
	c.questionnaire = slices.Insert(c.questionnaire, i, r.questionnaire)
	c.mood = slices.Insert(c.mood, i, r.mood)
	c.channel = slices.Insert(c.channel, i, r.channel)
}

// Store reads back the stored comments of one month, for an index that
// holds months cold (Open).
type Store interface {
	LoadCommentMonth(ctx context.Context, m rollup.Month, fn func(Comment)) error
}

// MonthOf returns the month a comment is kept in: its day's, in
// Asia/Ho_Chi_Minh, as the rollups' months.
func MonthOf(at time.Time) rollup.Month { return rollup.MonthOf(hailong.DateOf(at)) }

// ByMonth groups comments by the month they are kept in.
func ByMonth(cs []Comment) map[rollup.Month][]Comment {
	out := map[rollup.Month][]Comment{}
	for _, c := range cs {
		m := MonthOf(c.At)
		out[m] = append(out[m], c)
	}
	return out
}

// segment holds one month's comments, oldest first, when resident; a cold
// one holds none and is read from the store when a query needs it.
type segment struct {
	month    rollup.Month
	cols     columns // by (At, ID)
	list     []held  // the same order; a comment (time and id) once
	resident bool
	// loading is the read of the month under way, if any.
	loading *load
	// pending are the comments added while the month was not resident:
	// the read, which may have begun before they were stored, adds them.
	pending []Comment
	// unsaved counts the comments added (Add) and not yet told stored
	// (Stored): the month is not dropped while any is, as the store may
	// not hold them yet (or ever: a failed write leaves them in memory
	// until the rebuild at the next start).
	unsaved int
	pins    int    // queries reading the month
	used    uint64 // when last read or added to (Index.tick)
}

// Index holds comments by month, each month oldest first. It is safe for
// concurrent use. Comments read back from it have At in UTC.
//
// With a store and a budget (Open), it holds at most about budget
// comments in memory: the months least recently read or added to are
// dropped once stored, and read again when a query needs them, so memory
// does not grow with the years of comments stored. A query reads its
// months one after the other, so that it holds no more than the budget
// and the two months it is reading.
type Index struct {
	mu     sync.RWMutex
	months map[rollup.Month]*segment
	held   int // comments of resident months
	store  Store
	budget int
	tick   uint64
	// reads and drops count the months read from the store and dropped
	// for the budget.
	reads, drops int
	// Numbers of units, procedures, officials, counters, questionnaires,
	// shared by the months: they grow with the codes in use, not with the
	// comments.
	units, procedures, officials, counters, questionnaires intern.Table
}

// New returns an empty index, which holds everything it is given in
// memory.
func New() *Index { return Open(nil, 0, nil, nil) }

// NewOf returns an index of cs, in any order, each once (the same time
// and id), held in memory.
func NewOf(cs []Comment) *Index { return Open(nil, 0, nil, cs) }

// Open returns an index over store: the months given are stored and cold,
// read when a query first needs them; resident are comments already
// stored, held from the start (a rebuild's). budget bounds the comments
// held in memory (0: no bound). A month neither names is one of no stored
// comment, made when its first comment is added.
func Open(store Store, budget int, months []rollup.Month, resident []Comment) *Index {
	x := &Index{months: map[rollup.Month]*segment{}, store: store, budget: budget}
	for _, m := range months {
		x.months[m] = &segment{month: m}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for m, cs := range ByMonth(resident) {
		s := &segment{month: m}
		x.months[m] = s
		x.install(s, cs)
	}
	x.evict()
	return x
}

// install makes a month resident with cs and the comments added while it
// was not; x.mu is held.
func (x *Index) install(s *segment, cs []Comment) {
	sorted := make([]*Comment, 0, len(cs)+len(s.pending))
	for i := range cs {
		sorted = append(sorted, &cs[i])
	}
	for i := range s.pending {
		sorted = append(sorted, &s.pending[i])
	}
	// A comment given twice is the same rating's: either may stay.
	slices.SortFunc(sorted, before)
	sorted = slices.CompactFunc(sorted, func(a, b *Comment) bool { return before(a, b) == 0 })
	s.list = make([]held, 0, len(sorted))
	for i, c := range sorted {
		s.list = append(s.list, heldOf(c))
		s.cols.insert(i, x.rowOf(c))
	}
	s.pending, s.resident = nil, true
	x.held += len(s.list)
}

func (x *Index) rowOf(c *Comment) row {
	return row{at: instant(c.At), unit: x.units.ID(c.Unit), procedure: x.procedures.ID(c.Procedure),
		official: x.officials.ID(c.Official), counter: x.counters.ID(c.Counter), questionnaire: x.questionnaires.ID(c.Questionnaire),
		mood: moodCodes[c.Mood], channel: channelCodes[c.Channel]}
}

// comment makes the i-th comment of s again from its row and what is
// held of it, with the index's one copy of each code (a start read every
// comment with its own).
func (x *Index) comment(s *segment, i int) Comment {
	h, cols := &s.list[i], &s.cols
	c := Comment{ID: h.id, At: time.Unix(0, cols.at[i]).UTC(), Unit: x.units.String(cols.unit[i]),
		Procedure: x.procedures.String(cols.procedure[i]), Official: x.officials.String(cols.official[i]),
		Counter: x.counters.String(cols.counter[i]), Questionnaire: x.questionnaires.String(cols.questionnaire[i]),
		Version: int(h.version), Level: int(h.level), Text: h.text}
	if m := cols.mood[i]; m > 0 {
		c.Mood = Moods[m-1]
	}
	if ch := cols.channel[i]; ch > 0 {
		c.Channel = codeChannels[ch-1]
	}
	return c
}

// cmpAt orders the i-th comment of s against one at ns with id id.
func (s *segment) cmpAt(i int, ns int64, id string) int {
	return cmp.Or(cmp.Compare(s.cols.at[i], ns), strings.Compare(s.list[i].id, id))
}

// search returns where a comment at ns with id id is, or goes, in s.
func (s *segment) search(ns int64, id string) int {
	return sort.Search(len(s.list), func(i int) bool { return s.cmpAt(i, ns, id) >= 0 })
}

// bound returns the index of the first comment of s at or after ns.
func (s *segment) bound(ns int64) int {
	i, _ := slices.BinarySearch(s.cols.at, ns)
	return i
}

func heldOf(c *Comment) held {
	return held{id: c.ID, text: c.Text, version: int32(c.Version), level: int32(c.Level)}
}

// Add adds comments, which the caller is storing: it tells the index once
// they are (Stored), and until then their month stays in memory. One
// already held (the same time and id) is skipped. Comments come mostly
// newest, so most are appended; a late one is put in its place, or kept
// aside until its month is read if that month is cold.
func (x *Index) Add(cs ...Comment) {
	if len(cs) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.tick++
	for i := range cs {
		c := &cs[i]
		m := MonthOf(c.At)
		s := x.months[m]
		if s == nil { // no comment of the month is stored
			s = &segment{month: m, resident: true}
			x.months[m] = s
		}
		s.unsaved++
		s.used = x.tick
		if !s.resident {
			s.pending = append(s.pending, *c)
			continue
		}
		r := x.rowOf(c)
		at := len(s.list)
		if at > 0 && s.cmpAt(at-1, r.at, c.ID) >= 0 {
			if at = s.search(r.at, c.ID); at < len(s.list) && s.cmpAt(at, r.at, c.ID) == 0 {
				continue // held
			}
		}
		s.list = slices.Insert(s.list, at, heldOf(c))
		s.cols.insert(at, r)
		x.held++
	}
}

// Stored tells the index that comments it was given (Add) are stored:
// their months may be dropped from memory for the budget.
func (x *Index) Stored(cs ...Comment) {
	if len(cs) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range cs {
		s := x.months[MonthOf(cs[i].At)]
		if s == nil || s.unsaved == 0 {
			continue // not given, or the index was made since
		}
		s.unsaved--
		if s.unsaved == 0 && !s.resident && s.loading == nil {
			// The store holds them: a read from now on finds them.
			s.pending = nil
		}
	}
	x.evict()
}

// evict drops the months least recently used, stored whole and read by no
// query, while the index holds more than its budget; x.mu is held.
func (x *Index) evict() {
	if x.store == nil || x.budget <= 0 || x.held <= x.budget {
		return
	}
	var candidates []*segment
	for _, s := range x.months {
		if s.resident && s.pins == 0 && s.unsaved == 0 && len(s.list) > 0 {
			candidates = append(candidates, s)
		}
	}
	// Months never read by a query (warmed, or a rebuild's) have one
	// time: the oldest of them go first.
	slices.SortFunc(candidates, func(a, b *segment) int { return cmp.Or(cmp.Compare(a.used, b.used), cmp.Compare(a.month, b.month)) })
	for _, s := range candidates {
		if x.held <= x.budget {
			return
		}
		x.held -= len(s.list)
		s.cols, s.list, s.resident = columns{}, nil, false
		x.drops++
	}
}

// Len returns how many comments the index holds in memory.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.held
}

// Residence tells what an index holds: its months, those in memory, the
// comments they hold, and how many months were read from the store and
// dropped for the budget since it was made.
type Residence struct {
	Months, Resident, Comments, Budget int
	Reads, Drops                       int
}

// Residence tells what the index holds.
func (x *Index) Residence() Residence {
	x.mu.RLock()
	defer x.mu.RUnlock()
	res := Residence{Months: len(x.months), Comments: x.held, Budget: x.budget, Reads: x.reads, Drops: x.drops}
	for _, s := range x.months {
		if s.resident {
			res.Resident++
		}
	}
	return res
}

// All calls fn with every comment held in memory, oldest first.
func (x *Index) All(fn func(Comment) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, s := range x.sorted(0, 0, false) {
		for i := range s.list {
			if !fn(x.comment(s, i)) {
				return
			}
		}
	}
}

// sorted returns the months from..to (0: unbounded), oldest first, or
// newest first; x.mu is held.
func (x *Index) sorted(from, to rollup.Month, newest bool) []*segment {
	var out []*segment
	for m, s := range x.months {
		if (from == 0 || m >= from) && (to == 0 || m <= to) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *segment) int { return cmp.Compare(a.month, b.month) })
	if newest {
		slices.Reverse(out)
	}
	return out
}

// Warm reads cold months into memory, the newest first, while the index
// holds less than three quarters of its budget: the months queries read
// most, read before the first query needs them. It stops at the first
// month it cannot read (the error; a query tries it again).
func (x *Index) Warm(ctx context.Context, months int) (int, error) {
	x.mu.RLock()
	all := x.sorted(0, 0, true)
	x.mu.RUnlock()
	read := 0
	for _, s := range all[:min(months, len(all))] {
		x.mu.RLock()
		full := x.budget > 0 && x.held >= x.budget*3/4
		x.mu.RUnlock()
		if full {
			break
		}
		if err := x.read(ctx, s); err != nil {
			return read, err
		}
		read++
	}
	return read, nil
}

// load is one read of a month from the store; err is set before done is
// closed.
type load struct {
	done chan struct{}
	err  error
}

// monthReadTimeout bounds one read of a month from the store. A read goes
// on when the query that began it gives up, so that a month slower to read
// than a request may wait is in memory for the next one.
const monthReadTimeout = 10 * time.Minute

// read makes s resident: it waits for the read of the month under way, or
// begins one, until ctx is done.
func (x *Index) read(ctx context.Context, s *segment) error {
	l := x.begin(s)
	if l == nil {
		return nil
	}
	select {
	case <-l.done:
		return l.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin begins reading s from the store unless it is resident (nil) or
// being read, and returns the read.
func (x *Index) begin(s *segment) *load {
	x.mu.Lock()
	defer x.mu.Unlock()
	if s.resident {
		return nil
	}
	if s.loading == nil {
		s.loading = &load{done: make(chan struct{})}
		go x.load(s, s.loading)
	}
	return s.loading
}

// load reads s from the store and makes it resident.
func (x *Index) load(s *segment, l *load) {
	ctx, cancel := context.WithTimeout(context.Background(), monthReadTimeout)
	defer cancel()
	var cs []Comment
	err := x.store.LoadCommentMonth(ctx, s.month, func(c Comment) { cs = append(cs, c) })
	x.mu.Lock()
	s.loading = nil
	if err == nil {
		x.install(s, cs)
		x.reads++
		x.evict()
	} else if s.unsaved == 0 {
		s.pending = nil // stored by now: the next read finds them
	}
	x.mu.Unlock()
	if err != nil {
		y, m := s.month.YearMonth()
		l.err = fmt.Errorf("read the comments of %02d/%d: %w", m, y, err)
	}
	close(l.done)
}

// Filter says which comments a query wants. Units is required: a query
// reads only the units it is allowed; zero fields of the rest do not filter.
type Filter struct {
	Units     []string
	From, To  hailong.Date // inclusive days, in Asia/Ho_Chi_Minh
	Mood      Mood
	Procedure string
	// Procedures, if not nil, are the procedures of a field: a comment
	// about another (or none) does not match.
	Procedures    []string
	Channel       hailong.Channel
	Questionnaire string
	Official      string
	Counter       string
}

// Cursor marks where a page ended: the next page begins with the comment
// just older than it. The zero Cursor is the newest end.
type Cursor struct {
	At time.Time
	ID string
}

// String writes the cursor for a URL: nanoseconds since 1970, a dot and
// the id; "" for the zero cursor.
func (c Cursor) String() string {
	if c.ID == "" {
		return ""
	}
	return strconv.FormatInt(c.At.UnixNano(), 10) + "." + c.ID
}

// ParseCursor reads a cursor written by String.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	ns, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || hailong.CheckID(id) != nil {
		return Cursor{}, fmt.Errorf("%q is not a cursor of this list", s)
	}
	return Cursor{At: time.Unix(0, n).UTC(), ID: id}, nil
}

// Page is one page of comments, newest first.
type Page struct {
	Comments []Comment
	// Total is how many comments match the filter, on every page.
	Total int
	// Next is where the next page begins; zero on the last page.
	Next Cursor
}

// Query returns up to limit comments matching f, newest first, older than
// after (the newest when after is zero), and how many match in all. It
// reads the comments of f's period only, month by month, reading each
// month that is cold from the store first (and the next while it counts
// one), and letting it go again once counted, so that a query of years
// holds no more than the budget and two months; an error says a month
// could not be read.
func (x *Index) Query(ctx context.Context, f Filter, after Cursor, limit int) (Page, error) {
	p := Page{Comments: []Comment{}}
	var from, to rollup.Month
	if f.From != 0 {
		from = rollup.MonthOf(f.From)
	}
	if f.To != 0 {
		to = rollup.MonthOf(f.To)
	}
	x.mu.Lock()
	x.tick++
	segs := x.sorted(from, to, true)
	for _, s := range segs {
		s.pins++ // the resident ones stay until counted
		s.used = x.tick
	}
	x.mu.Unlock()
	unpin := func(ss []*segment) {
		x.mu.Lock()
		defer x.mu.Unlock()
		for _, s := range ss {
			s.pins--
		}
		x.evict()
	}
	for i, s := range segs {
		if i+1 < len(segs) {
			// The next month is read while this one is: the database
			// reads on one core, the index decodes on the other.
			x.begin(segs[i+1])
		}
		if err := x.read(ctx, s); err != nil {
			unpin(segs[i:])
			return Page{}, err
		}
		x.mu.RLock()
		x.scan(s, &f, after, limit, &p)
		x.mu.RUnlock()
		unpin(segs[i : i+1])
	}
	return p, nil
}

// scan adds to p the comments of s that match f: a page's worth after the
// cursor, and every one to the total; x.mu is held.
func (x *Index) scan(s *segment, f *Filter, after Cursor, limit int, p *Page) {
	// Each asked value as its number; a value no comment has matches none.
	// The numbers are looked up again for each month: months read since
	// may have brought new ones.
	none := false
	one := func(n *intern.Table, v string) uint32 {
		if v == "" {
			return 0
		}
		id, ok := n.Lookup(v)
		none = none || !ok
		return id
	}
	procedure, official, counter := one(&x.procedures, f.Procedure), one(&x.officials, f.Official), one(&x.counters, f.Counter)
	questionnaire := one(&x.questionnaires, f.Questionnaire)
	if none {
		return
	}
	units := make([]bool, x.units.Len())
	for _, u := range f.Units {
		if id, ok := x.units.Lookup(u); ok && u != "" { // "" names no unit: it matches none
			units[id] = true
		}
	}
	var procs []bool
	if f.Procedures != nil {
		procs = make([]bool, x.procedures.Len())
		for _, pr := range f.Procedures {
			if id, ok := x.procedures.Lookup(pr); ok && pr != "" { // nor a comment about no procedure
				procs[id] = true
			}
		}
	}
	mood, channel := moodCodes[f.Mood], channelCodes[f.Channel]
	// The period's comments lie between two binary searches.
	cols := &s.cols
	lo, hi := 0, len(s.list)
	if f.From != 0 {
		lo = s.bound(f.From.Start().UnixNano())
	}
	if f.To != 0 {
		hi = s.bound((f.To + 1).Start().UnixNano())
	}
	start := hi // exclusive: the newest comment of the page is start-1
	if after.ID != "" {
		start = min(hi, max(lo, s.search(instant(after.At), after.ID)))
	}
	for i := hi - 1; i >= lo; i-- {
		if !units[cols.unit[i]] || (mood != 0 && cols.mood[i] != mood) || (procedure != 0 && cols.procedure[i] != procedure) ||
			(procs != nil && !procs[cols.procedure[i]]) || (channel != 0 && cols.channel[i] != channel) ||
			(questionnaire != 0 && cols.questionnaire[i] != questionnaire) || (official != 0 && cols.official[i] != official) ||
			(counter != 0 && cols.counter[i] != counter) {
			continue
		}
		p.Total++
		if i >= start {
			continue
		}
		if len(p.Comments) < limit {
			p.Comments = append(p.Comments, x.comment(s, i))
		} else if p.Next.ID == "" {
			last := p.Comments[len(p.Comments)-1]
			p.Next = Cursor{At: last.At, ID: last.ID}
		}
	}
}
