// Package comments keeps the citizens' free-text comments in memory, newest
// last, so that a page of comments filtered by unit, period, level,
// procedure and channel is read without touching the database: on FerretDB
// every filtered find scans its collection, and the ratings are millions.
// The index is derived from the raw ratings, like the rollups: the ingest
// job adds each stored rating's comment and rebuilds the index with the
// rollups.
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

// Index holds comments oldest first. It is safe for concurrent use.
// Comments read back from it have At in UTC.
type Index struct {
	// loaded is closed once the stored comments are in (NewLoading);
	// an index made otherwise is loaded from the start.
	loaded chan struct{}
	mu     sync.RWMutex
	cols   columns // by (At, ID)
	list   []held  // the same order; a comment (time and id) once
	// Numbers of units, procedures, officials, counters, questionnaires.
	units, procedures, officials, counters, questionnaires intern.Table
}

// New returns an empty index.
func New() *Index { return &Index{loaded: closed} }

// closed is the loaded channel of an index loaded from the start.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// NewLoading returns an empty index whose stored comments are still to
// come (Loaded): a start serves the measures without waiting for every
// comment ever stored to be read, while new comments are added at once.
func NewLoading() *Index { return &Index{loaded: make(chan struct{})} }

// Loaded adds the stored comments to an index made by NewLoading, with
// those added since (each once: the same time and id), and marks it loaded. It sorts and
// indexes them once, rather than inserting each in its place.
func (x *Index) Loaded(cs []Comment) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.IsLoaded() {
		return
	}
	all := make([]Comment, 0, len(cs)+len(x.list))
	all = append(all, cs...)
	for i := range x.list {
		all = append(all, x.comment(i))
	}
	y := NewOf(all)
	x.cols, x.list = y.cols, y.list
	x.units, x.procedures, x.officials, x.counters, x.questionnaires = y.units, y.procedures, y.officials, y.counters, y.questionnaires
	close(x.loaded)
}

// IsLoaded tells whether the stored comments are in the index.
func (x *Index) IsLoaded() bool {
	select {
	case <-x.loaded:
		return true
	default:
		return false
	}
}

// WaitLoaded waits until the stored comments are in the index, or ctx is
// done (its error).
func (x *Index) WaitLoaded(ctx context.Context) error {
	if x.IsLoaded() {
		return nil
	}
	select {
	case <-x.loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (x *Index) rowOf(c *Comment) row {
	return row{at: instant(c.At), unit: x.units.ID(c.Unit), procedure: x.procedures.ID(c.Procedure),
		official: x.officials.ID(c.Official), counter: x.counters.ID(c.Counter), questionnaire: x.questionnaires.ID(c.Questionnaire),
		mood: moodCodes[c.Mood], channel: channelCodes[c.Channel]}
}

// comment makes the i-th comment again from its row and what is held of
// it, with the index's one copy of each code (a start read every comment
// with its own).
func (x *Index) comment(i int) Comment {
	h, cols := &x.list[i], &x.cols
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

// cmpAt orders the i-th comment against one at ns with id id.
func (x *Index) cmpAt(i int, ns int64, id string) int {
	return cmp.Or(cmp.Compare(x.cols.at[i], ns), strings.Compare(x.list[i].id, id))
}

// search returns where a comment at ns with id id is, or goes.
func (x *Index) search(ns int64, id string) int {
	return sort.Search(len(x.list), func(i int) bool { return x.cmpAt(i, ns, id) >= 0 })
}

// NewOf returns an index of cs, in any order, each once (the same time
// and id).
func NewOf(cs []Comment) *Index {
	x := New()
	sorted := make([]*Comment, 0, len(cs))
	for i := range cs {
		sorted = append(sorted, &cs[i])
	}
	// A comment given twice is the same rating's: either may stay.
	slices.SortFunc(sorted, before)
	sorted = slices.CompactFunc(sorted, func(a, b *Comment) bool { return before(a, b) == 0 })
	x.list = make([]held, 0, len(sorted))
	for i, c := range sorted {
		x.list = append(x.list, heldOf(c))
		x.cols.insert(i, x.rowOf(c))
	}
	return x
}

func heldOf(c *Comment) held {
	return held{id: c.ID, text: c.Text, version: int32(c.Version), level: int32(c.Level)}
}

// Add adds comments; one already held (the same time and id) is skipped.
// Comments come mostly newest, so most are appended; a late one is put in
// its place.
func (x *Index) Add(cs ...Comment) {
	if len(cs) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range cs {
		c := &cs[i]
		r := x.rowOf(c)
		at := len(x.list)
		if at > 0 && x.cmpAt(at-1, r.at, c.ID) >= 0 {
			if at = x.search(r.at, c.ID); x.cmpAt(at, r.at, c.ID) == 0 {
				continue // held
			}
		}
		x.list = slices.Insert(x.list, at, heldOf(c))
		x.cols.insert(at, r)
	}
}

// Len returns how many comments the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.list)
}

// All calls fn with every comment, oldest first, for persisting.
func (x *Index) All(fn func(Comment) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i := range x.list {
		if !fn(x.comment(i)) {
			return
		}
	}
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
// reads the comments of f's period only.
func (x *Index) Query(f Filter, after Cursor, limit int) Page {
	p := Page{Comments: []Comment{}}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// Each asked value as its number; a value no comment has matches none.
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
		return p
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
	cols := &x.cols
	lo, hi := 0, len(x.list)
	if f.From != 0 {
		lo = x.bound(f.From.Start().UnixNano())
	}
	if f.To != 0 {
		hi = x.bound((f.To + 1).Start().UnixNano())
	}
	start := hi // exclusive: the newest comment of the page is start-1
	if after.ID != "" {
		start = min(hi, max(lo, x.search(instant(after.At), after.ID)))
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
			p.Comments = append(p.Comments, x.comment(i))
		} else if p.Next.ID == "" {
			last := p.Comments[len(p.Comments)-1]
			p.Next = Cursor{At: last.At, ID: last.ID}
		}
	}
	return p
}

// bound returns the index of the first comment at or after ns.
func (x *Index) bound(ns int64) int {
	i, _ := slices.BinarySearch(x.cols.at, ns)
	return i
}
