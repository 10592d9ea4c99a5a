package hailong

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Question kinds, as published in the API.
const (
	KindScale  = "scale"  // an ordered satisfaction scale, most negative first
	KindChoice = "choice" // one of a set of options
	KindText   = "text"   // free text
)

// Languages every label must exist in; the first is the default.
var Languages = []string{"vi", "en"}

// MaxTextAnswer bounds a free-text answer, in characters.
const MaxTextAnswer = 2000

// Text is a label in every language, keyed by language code.
type Text map[string]string

// In returns the label in lang, falling back to Vietnamese.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t[Languages[0]]
}

// Option is one answer a scale or choice question offers.
type Option struct {
	Value int  `json:"value"`
	Label Text `json:"label"`
}

// Question is one question of a questionnaire.
type Question struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Text     Text     `json:"text"`
	Options  []Option `json:"options,omitempty"`
	// Scale names one of the questionnaire's shared scales; loading copies
	// its options into Options.
	Scale string `json:"scale,omitempty"`
	// Satisfied lists the scale values that count as satisfied (the top two
	// levels in official reports). Only scale questions have it.
	Satisfied []int `json:"satisfied,omitempty"`
	// Dissatisfied lists the scale values that say "not satisfied" (Không
	// hài lòng, Rất không hài lòng): what Decision 766 subtracts. A neutral
	// answer is neither.
	Dissatisfied []int `json:"dissatisfied,omitempty"`
	// Element is the SIPAS element a statement belongs to, if any.
	Element string `json:"element,omitempty"`
	// Circular01Index is the index (1, 3, 4 or 7) of Circular 01/2018/TT-VPCP
	// a question scores 2/1/0, in which case option values are the scores.
	Circular01Index int `json:"circular01_index,omitempty"`
}

// Element is a group of SIPAS-style statements.
type Element struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
}

// Questionnaire is one version of a questionnaire. Versions are immutable:
// a rating records id and version, and old versions stay readable forever.
type Questionnaire struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Title    Text   `json:"title"`
	Intro    Text   `json:"intro,omitempty"`
	Headline string `json:"headline"`
	// Scales are option lists shared by many questions, by name.
	Scales map[string][]Option `json:"scales,omitempty"`
	// Elements is set for SIPAS-style surveys.
	Elements  []Element  `json:"elements,omitempty"`
	Questions []Question `json:"questions"`
}

// Question returns the question with the given id.
func (q *Questionnaire) Question(id string) (*Question, bool) {
	for i := range q.Questions {
		if q.Questions[i].ID == id {
			return &q.Questions[i], true
		}
	}
	return nil, false
}

// HasOption reports whether v is one of the question's option values.
func (q *Question) HasOption(v int) bool {
	return slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == v })
}

// Satisfied reports whether a rating's answers count as satisfied, and false
// for ok when the headline question was not answered.
func (q *Questionnaire) Satisfied(answers Answers) (satisfied, ok bool) {
	a, found := answers[q.Headline]
	if !found || a.IsText {
		return false, false
	}
	h, _ := q.Question(q.Headline)
	return slices.Contains(h.Satisfied, a.Value), true
}

// Dissatisfied reports whether a rating's headline answer says "not
// satisfied".
func (q *Questionnaire) Dissatisfied(answers Answers) bool {
	a, found := answers[q.Headline]
	if !found || a.IsText {
		return false
	}
	h, _ := q.Question(q.Headline)
	return slices.Contains(h.Dissatisfied, a.Value)
}

// What Validate says of an answer: the formats of its field errors'
// Said, which a page matches to say the same in its own language.
const (
	SaidRequired  = "is required"
	SaidNotText   = "must be text"
	SaidTooLong   = "must be at most %d characters"
	SaidNotNumber = "must be a whole number"
	SaidNotOption = "%d is not one of the options %s"
)

// Validate checks answers against the questionnaire: every answer belongs to
// a known question, has the right type and one of its options, and every
// required question is answered. It reports every problem at once.
func (q *Questionnaire) Validate(answers Answers) error {
	var fields []FieldError
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := answers[id]
		field := "answers." + id
		qu, ok := q.Question(id)
		if !ok {
			fields = append(fields, FieldError{Field: field, Message: fmt.Sprintf("questionnaire %q has no question %q", q.ID, id)})
			continue
		}
		switch {
		case qu.Kind == KindText && !a.IsText:
			fields = append(fields, Fieldf(field, SaidNotText))
		case qu.Kind == KindText && utf8.RuneCountInString(a.Text) > MaxTextAnswer:
			fields = append(fields, Fieldf(field, SaidTooLong, MaxTextAnswer))
		case qu.Kind == KindText && CheckText(a.Text) != nil:
			err := CheckText(a.Text)
			fields = append(fields, FieldError{Field: field, Message: err.Error(), Cause: err})
		case qu.Kind != KindText && a.IsText:
			fields = append(fields, Fieldf(field, SaidNotNumber))
		case qu.Kind != KindText && !qu.HasOption(a.Value):
			fields = append(fields, Fieldf(field, SaidNotOption, a.Value, optionList(qu.Options)))
		}
	}
	for _, qu := range q.Questions {
		a, ok := answers[qu.ID]
		if qu.Required && (!ok || (a.IsText && strings.TrimSpace(a.Text) == "")) {
			fields = append(fields, Fieldf("answers."+qu.ID, SaidRequired))
		}
	}
	if len(fields) > 0 {
		return Invalid("The answers do not fit the questionnaire.", fields...)
	}
	return nil
}

func optionList(opts []Option) string {
	vs := make([]string, len(opts))
	for i, o := range opts {
		vs[i] = strconv.Itoa(o.Value)
	}
	return strings.Join(vs, ", ")
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// check validates a questionnaire definition as loaded from data, so a
// mistake in assets fails at start-up rather than on a citizen's tap.
func (q *Questionnaire) check() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !idPattern.MatchString(q.ID) {
		bad("id %q must match %s", q.ID, idPattern)
	}
	if q.Version < 1 {
		bad("version must be 1 or more")
	}
	checkText := func(what string, t Text) {
		for _, l := range Languages {
			if strings.TrimSpace(t[l]) == "" {
				bad("%s has no %q text", what, l)
			}
		}
	}
	checkText("title", q.Title)
	elements := map[string]bool{}
	for _, e := range q.Elements {
		elements[e.ID] = true
		checkText("element "+e.ID, e.Title)
	}
	seen := map[string]bool{}
	for i := range q.Questions {
		qu := &q.Questions[i]
		what := "question " + qu.ID
		if qu.Scale != "" {
			opts, ok := q.Scales[qu.Scale]
			switch {
			case !ok:
				bad("%s names unknown scale %q", what, qu.Scale)
			case len(qu.Options) > 0:
				bad("%s has both a scale and options", what)
			default:
				qu.Options = opts
			}
		}
		if !idPattern.MatchString(qu.ID) {
			bad("question id %q must match %s", qu.ID, idPattern)
		}
		if seen[qu.ID] {
			bad("%s is defined twice", what)
		}
		seen[qu.ID] = true
		checkText(what, qu.Text)
		switch qu.Kind {
		case KindText:
			if len(qu.Options) > 0 {
				bad("%s is text and cannot have options", what)
			}
		case KindScale, KindChoice:
			if len(qu.Options) < 2 {
				bad("%s needs at least two options", what)
			}
			values := map[int]bool{}
			for _, o := range qu.Options {
				if values[o.Value] {
					bad("%s repeats option value %d", what, o.Value)
				}
				values[o.Value] = true
				checkText(fmt.Sprintf("%s option %d", what, o.Value), o.Label)
			}
			for _, v := range qu.Satisfied {
				if !values[v] {
					bad("%s counts %d as satisfied but has no such option", what, v)
				}
			}
			for _, v := range qu.Dissatisfied {
				if !values[v] || slices.Contains(qu.Satisfied, v) {
					bad("%s counts %d as dissatisfied but has no such option, or counts it satisfied too", what, v)
				}
			}
		default:
			bad("%s has unknown kind %q", what, qu.Kind)
		}
		if qu.Element != "" && !elements[qu.Element] {
			bad("%s names unknown element %q", what, qu.Element)
		}
		if ci := qu.Circular01Index; ci != 0 {
			if !slices.Contains([]int{1, 3, 4, 7}, ci) {
				bad("%s: citizens score only Circular 01 indices 1, 3, 4 and 7, not %d", what, ci)
			}
			for _, o := range qu.Options {
				if o.Value < 0 || o.Value > 2 {
					bad("%s scores Circular 01 index %d, so its values must be 2, 1 or 0", what, ci)
				}
			}
		}
	}
	h, ok := q.Question(q.Headline)
	switch {
	case !ok:
		bad("headline question %q does not exist", q.Headline)
	case h.Kind != KindScale || !h.Required || len(h.Satisfied) == 0 || len(h.Dissatisfied) == 0:
		bad("headline question %q must be a required scale with satisfied and dissatisfied levels", q.Headline)
	}
	if len(errs) > 0 {
		return fmt.Errorf("questionnaire %s v%d: %s", q.ID, q.Version, strings.Join(errs, "; "))
	}
	return nil
}

// Catalog holds every version of every questionnaire the system knows.
type Catalog struct {
	byKey  map[string]*Questionnaire // "id@version"
	latest map[string]*Questionnaire
	order  []string // ids in a stable order for listings
	// defs keeps each version's definition as it was written (compacted),
	// by key, so that the aggregator can publish it: loading fills a
	// question's options from its scale, so a Questionnaire marshalled again
	// would no longer load.
	defs map[string]json.RawMessage
}

func newCatalog() *Catalog {
	return &Catalog{byKey: map[string]*Questionnaire{}, latest: map[string]*Questionnaire{}, defs: map[string]json.RawMessage{}}
}

// LoadCatalog reads every *.json file under dir in fsys as one questionnaire
// version and checks it.
func LoadCatalog(fsys fs.FS, dir string) (*Catalog, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list questionnaires: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no questionnaires in %s", dir)
	}
	c := newCatalog()
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if err := c.parse(b); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c, nil
}

// Definitions returns every version of every questionnaire as its JSON
// definition, ordered by id and version.
func (c *Catalog) Definitions() []json.RawMessage {
	qs := make([]*Questionnaire, 0, len(c.byKey))
	for _, q := range c.byKey {
		qs = append(qs, q)
	}
	slices.SortFunc(qs, func(a, b *Questionnaire) int {
		if a.ID != b.ID {
			return strings.Compare(a.ID, b.ID)
		}
		return a.Version - b.Version
	})
	out := make([]json.RawMessage, len(qs))
	for i, q := range qs {
		out[i] = slices.Clone(c.defs[catalogKey(q)])
	}
	return out
}

// parse reads one definition strictly and adds it.
func (c *Catalog) parse(b []byte) error {
	var q Questionnaire
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("parse: more than one JSON value")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if err := c.add(&q); err != nil {
		return err
	}
	c.defs[catalogKey(&q)] = compact.Bytes()
	return nil
}

func catalogKey(q *Questionnaire) string { return q.ID + "@" + strconv.Itoa(q.Version) }

func (c *Catalog) add(q *Questionnaire) error {
	if err := q.check(); err != nil {
		return err
	}
	key := catalogKey(q)
	if _, dup := c.byKey[key]; dup {
		return fmt.Errorf("questionnaire %s v%d is defined twice", q.ID, q.Version)
	}
	c.byKey[key] = q
	if cur, ok := c.latest[q.ID]; !ok || q.Version > cur.Version {
		if !ok {
			c.order = append(c.order, q.ID)
			sort.Strings(c.order)
		}
		c.latest[q.ID] = q
	}
	return nil
}

// Latest returns the newest version of the questionnaire id.
func (c *Catalog) Latest(id string) (*Questionnaire, bool) {
	q, ok := c.latest[id]
	return q, ok
}

// Version returns one version of the questionnaire id.
func (c *Catalog) Version(id string, version int) (*Questionnaire, bool) {
	q, ok := c.byKey[id+"@"+strconv.Itoa(version)]
	return q, ok
}

// All returns the newest version of every questionnaire, ordered by id.
func (c *Catalog) All() []*Questionnaire {
	out := make([]*Questionnaire, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.latest[id])
	}
	return out
}
