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
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"hailong"
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

// before orders comments by time, then id: the index's order.
func before(a, b *Comment) int {
	return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ID, b.ID))
}

// Index holds comments oldest first. It is safe for concurrent use.
type Index struct {
	mu   sync.RWMutex
	list []*Comment // by (At, ID)
	ids  map[string]bool
}

// New returns an empty index.
func New() *Index { return &Index{ids: map[string]bool{}} }

// NewOf returns an index of cs, in any order, once each by id.
func NewOf(cs []Comment) *Index {
	x := New()
	list := make([]*Comment, 0, len(cs))
	for i := range cs {
		if !x.ids[cs[i].ID] {
			x.ids[cs[i].ID] = true
			list = append(list, &cs[i])
		}
	}
	slices.SortFunc(list, before)
	x.list = list
	return x
}

// Add adds comments; one already held (by id) is skipped. Comments come
// mostly newest, so most are appended; a late one is put in its place.
func (x *Index) Add(cs ...Comment) {
	if len(cs) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range cs {
		c := cs[i]
		if x.ids[c.ID] {
			continue
		}
		x.ids[c.ID] = true
		if n := len(x.list); n == 0 || before(x.list[n-1], &c) < 0 {
			x.list = append(x.list, &c)
			continue
		}
		at, _ := slices.BinarySearchFunc(x.list, &c, before)
		x.list = slices.Insert(x.list, at, &c)
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
	for _, c := range x.list {
		if !fn(*c) {
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
	units := make(map[string]bool, len(f.Units))
	for _, u := range f.Units {
		units[u] = true
	}
	var procs map[string]bool
	if f.Procedures != nil {
		procs = make(map[string]bool, len(f.Procedures))
		for _, p := range f.Procedures {
			procs[p] = true
		}
	}
	match := func(c *Comment) bool {
		return units[c.Unit] && (f.Mood == "" || c.Mood == f.Mood) &&
			(f.Procedure == "" || c.Procedure == f.Procedure) && (procs == nil || procs[c.Procedure]) &&
			(f.Channel == "" || c.Channel == f.Channel) && (f.Questionnaire == "" || c.Questionnaire == f.Questionnaire) &&
			(f.Official == "" || c.Official == f.Official) && (f.Counter == "" || c.Counter == f.Counter)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// The period's comments lie between two binary searches.
	lo, hi := 0, len(x.list)
	if f.From != 0 {
		lo = bound(x.list, f.From.Start())
	}
	if f.To != 0 {
		hi = bound(x.list, (f.To + 1).Start())
	}
	start := hi // exclusive: the newest comment of the page is start-1
	if after.ID != "" {
		start = min(hi, max(lo, bound2(x.list, &Comment{At: after.At, ID: after.ID})))
	}
	p := Page{Comments: []Comment{}}
	for i := hi - 1; i >= lo; i-- {
		c := x.list[i]
		if !match(c) {
			continue
		}
		p.Total++
		if i >= start {
			continue
		}
		if len(p.Comments) < limit {
			p.Comments = append(p.Comments, *c)
		} else if p.Next.ID == "" {
			last := p.Comments[len(p.Comments)-1]
			p.Next = Cursor{At: last.At, ID: last.ID}
		}
	}
	return p
}

// bound returns the index of the first comment at or after t.
func bound(list []*Comment, t time.Time) int {
	i, _ := slices.BinarySearchFunc(list, t, func(c *Comment, t time.Time) int { return c.At.Compare(t) })
	return i
}

// bound2 returns the index of the first comment at or after c in the
// index's order.
func bound2(list []*Comment, c *Comment) int {
	i, _ := slices.BinarySearchFunc(list, c, before)
	return i
}
