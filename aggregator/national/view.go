package national

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// Source is one provincial aggregator the national one pulls from.
type Source struct {
	// Provinces are the codes of the provinces the source owns: cells of
	// units of any other province refuse the whole pull, so that a
	// province's figures come only from its owner.
	Provinces []string `json:"provinces"`
	URL       string   `json:"url"`
	// Token is an API token on the source of a user whose scope is the
	// province and whose role has exports.read; never shown.
	Token string `json:"-"`
}

// SourceStatus tells how fresh one source's figures are in the view.
type SourceStatus struct {
	Source
	// Pulled is when the figures held were pulled (zero: never); Age is
	// how long ago, in seconds (-1: never). A source that is down keeps
	// its last figures, which age.
	Pulled time.Time `json:"pulled,omitzero"`
	Age    float64   `json:"age_seconds"`
	// Months and Ratings are what the view holds of the source.
	Months  int   `json:"months"`
	Ratings int64 `json:"ratings"`
	// Tried is the last attempt; Error why it failed, empty if it did not.
	Tried time.Time `json:"tried,omitzero"`
	Error string    `json:"error,omitempty"`
	// Bytes is the size of the last answer as received (compressed if the
	// source compressed it).
	Bytes int64 `json:"bytes"`
}

// Config configures a national view.
type Config struct {
	Sources []Source
	// Units is the national hierarchy: every province's units.
	Units func() *hierarchy.Tree
	// Fields gives each procedure's field, as the rollups need it.
	Fields func() map[string]string
	// Client makes the requests; nil is a client with a one-minute
	// timeout.
	Client *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// View is the national view: rollups made of the month cells pulled from
// each source. Each pull replaces a source's months (never adds them to
// what it held), so pulling twice counts nothing twice.
type View struct {
	cfg Config

	pull sync.Mutex // one pull at a time: held is only read and written under it
	held []map[string]month

	mu     sync.Mutex // guards status
	status []SourceStatus

	ratings, flagged, outcomes atomic.Pointer[rollup.Rollup]
}

// month is one month of one source as held.
type month struct {
	digest                     string
	ratings, flagged, outcomes []rollup.Day
	n                          int64
}

// New returns an empty view of the sources. Two sources may not own the
// same province.
func New(cfg Config) (*View, error) {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: time.Minute}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	owner := map[string]string{}
	v := &View{cfg: cfg}
	for _, s := range cfg.Sources {
		if len(s.Provinces) == 0 {
			return nil, fmt.Errorf("national source %s names no province", s.URL)
		}
		for _, p := range s.Provinces {
			if o, ok := owner[p]; ok {
				return nil, fmt.Errorf("province %s is pulled from two sources (%s and %s): each province has one owner", p, o, s.URL)
			}
			owner[p] = s.URL
		}
		v.held = append(v.held, map[string]month{})
		shown := s
		shown.Token = "" // the status is shown; the token never
		v.status = append(v.status, SourceStatus{Source: shown, Age: -1})
	}
	for _, r := range []*atomic.Pointer[rollup.Rollup]{&v.ratings, &v.flagged, &v.outcomes} {
		r.Store(v.empty())
	}
	return v, nil
}

// Rollup returns the ratings' sums of every province.
func (v *View) Rollup() *rollup.Rollup { return v.ratings.Load() }

// Flagged returns the flagged ratings' sums of every province.
func (v *View) Flagged() *rollup.Rollup { return v.flagged.Load() }

// Outcomes returns the dossier outcomes' sums of every province.
func (v *View) Outcomes() *rollup.Rollup { return v.outcomes.Load() }

// Sources tells how fresh each source's figures are.
func (v *View) Sources() []SourceStatus {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := slices.Clone(v.status)
	now := v.cfg.Now()
	for i := range out {
		if !out[i].Pulled.IsZero() {
			out[i].Age = now.Sub(out[i].Pulled).Seconds()
		}
	}
	return out
}

// Pull pulls every source once, side by side, and brings the rollups up
// to date: the changed months of each source are replaced in place (their
// old cells taken back, their new ones added, in one write per rollup),
// or, when a source's months cannot be replaced so (a month gone, a cell
// gone), the rollups are made anew from every source's months. A source
// that fails keeps the months pulled before; the error names every source
// that failed.
func (v *View) Pull(ctx context.Context) error {
	v.pull.Lock()
	defer v.pull.Unlock()
	errs := make([]error, len(v.cfg.Sources))
	changes := make([]change, len(v.cfg.Sources))
	var wg sync.WaitGroup
	for i := range v.cfg.Sources {
		wg.Go(func() { changes[i], errs[i] = v.pullSource(ctx, i) })
	}
	wg.Wait()
	if slices.ContainsFunc(changes, func(c change) bool { return c.rebuild }) {
		v.rebuild()
		return errors.Join(errs...)
	}
	var delta [3][]rollup.Day
	for _, c := range changes {
		for _, r := range c.replaced {
			delta[0] = append(append(delta[0], negate(r.old.ratings)...), r.new.ratings...)
			delta[1] = append(append(delta[1], negate(r.old.flagged)...), r.new.flagged...)
			delta[2] = append(append(delta[2], negate(r.old.outcomes)...), r.new.outcomes...)
		}
	}
	for i, roll := range []*rollup.Rollup{v.Rollup(), v.Flagged(), v.Outcomes()} {
		if len(delta[i]) > 0 {
			roll.Load(delta[i]...) // one write: a query sees the month before or after
		}
	}
	return errors.Join(errs...)
}

// change is what one pull changed of a source's months.
type change struct {
	// replaced are the months changed or new (old is empty for a new
	// one), each replaceable in place: every old cell is still there.
	replaced []replacement
	// rebuild is set when some month cannot be replaced in place.
	rebuild bool
}

// replacement is a month of a source as held before a pull (empty if
// new) and after it.
type replacement struct{ old, new month }

// replaceable reports whether the cells of next cover every cell of
// prev, so that taking prev back and adding next leaves no cell behind
// that a rollup made from next alone would not have. A provincial
// aggregator's cells only grow (ratings are never removed, outcomes are
// taken back by negative sums in the same cell), so this holds unless the
// province was rebuilt or replaced.
func replaceable(prev, next month) bool {
	type key struct {
		unit string
		date hailong.Date
		rollup.Dims
	}
	for _, p := range [][2][]rollup.Day{{prev.ratings, next.ratings}, {prev.flagged, next.flagged}, {prev.outcomes, next.outcomes}} {
		if len(p[0]) == 0 {
			continue
		}
		have := map[key]bool{}
		for _, d := range p[1] {
			for _, c := range d.Cells {
				have[key{d.Unit, d.Date, c.Dims}] = true
			}
		}
		for _, d := range p[0] {
			for _, c := range d.Cells {
				if !have[key{d.Unit, d.Date, c.Dims}] {
					return false
				}
			}
		}
	}
	return true
}

// negate returns days whose cells take back those of days.
func negate(days []rollup.Day) []rollup.Day {
	out := make([]rollup.Day, len(days))
	for i, d := range days {
		cells := make([]rollup.Cell, len(d.Cells))
		for j, c := range d.Cells {
			t := rollup.Tally{N: -c.N, Satisfied: -c.Satisfied}
			for k, l := range c.Levels {
				t.Levels[k] = -l
			}
			for _, it := range c.Items {
				t.Items = append(t.Items, rollup.Item{Q: it.Q, N: -it.N, Satisfied: -it.Satisfied, Sum: -it.Sum, Zero: -it.Zero})
			}
			if c.Out != nil {
				neg := c.Out.Negated()
				t.Out = &neg
			}
			cells[j] = rollup.Cell{Dims: c.Dims, Tally: t}
		}
		out[i] = rollup.Day{Unit: d.Unit, Date: d.Date, Cells: cells}
	}
	return out
}

// Run pulls every interval until ctx ends, logging failures.
func (v *View) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := v.Pull(ctx); err != nil && ctx.Err() == nil {
				v.cfg.Logger.Warn("national view: pull", "err", err)
			}
		}
	}
}

// pullSource asks source i for its months, naming those held so that
// unchanged ones come without their cells, checks the answer and replaces
// the source's months with it.
func (v *View) pullSource(ctx context.Context, i int) (ch change, err error) {
	src := v.cfg.Sources[i]
	tried := v.cfg.Now()
	var size int64
	defer func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		st := &v.status[i]
		st.Tried, st.Error, st.Bytes = tried, "", size
		if err != nil {
			st.Error = err.Error()
			return
		}
		st.Pulled, st.Months, st.Ratings = tried, len(v.held[i]), 0
		for _, m := range v.held[i] {
			st.Ratings += m.n
		}
	}()
	held := v.held[i]
	digests := make(map[string]string, len(held))
	for m, h := range held {
		digests[m] = h.digest
	}
	ans, size, err := v.fetch(ctx, src, digests)
	if err != nil {
		return change{}, fmt.Errorf("source %s: %w", src.URL, err)
	}
	next, err := v.check(src, held, ans)
	if err != nil {
		return change{}, fmt.Errorf("source %s: %w", src.URL, err)
	}
	for m := range held {
		if _, ok := next[m]; !ok {
			ch.rebuild = true // a month gone: nothing to replace it with
		}
	}
	for m, h := range next {
		prev, ok := held[m]
		if ok && prev.digest == h.digest {
			continue
		}
		if !replaceable(prev, h) {
			ch.rebuild = true
		}
		ch.replaced = append(ch.replaced, replacement{prev, h})
	}
	v.held[i] = next
	return ch, nil
}

// fetch asks a source for its months, a calendar year at a time for the
// years held (so that have stays short whatever the history: a request
// line must fit the server's 4 kB buffer), and once each for the months
// before and after them; it returns the answers as one, and the bytes
// received.
func (v *View) fetch(ctx context.Context, src Source, digests map[string]string) (*Months, int64, error) {
	byYear := map[string]map[string]string{}
	for m, d := range digests {
		y := m[:4]
		if byYear[y] == nil {
			byYear[y] = map[string]string{}
		}
		byYear[y][m] = d
	}
	years := slices.Sorted(maps.Keys(byYear))
	var windows []url.Values
	if len(years) == 0 {
		windows = append(windows, url.Values{})
	} else {
		first, _ := strconv.Atoi(years[0])
		last, _ := strconv.Atoi(years[len(years)-1])
		windows = append(windows, url.Values{"to": {fmt.Sprintf("%04d-12", first-1)}})
		for y := first; y <= last; y++ {
			w := url.Values{"from": {fmt.Sprintf("%04d-01", y)}, "to": {fmt.Sprintf("%04d-12", y)}}
			if have := byYear[fmt.Sprintf("%04d", y)]; len(have) > 0 {
				w.Set("have", Have(have))
			}
			windows = append(windows, w)
		}
		windows = append(windows, url.Values{"from": {fmt.Sprintf("%04d-01", last+1)}})
	}
	all := &Months{Version: Version}
	var size int64
	for _, w := range windows {
		ans, n, err := v.fetchWindow(ctx, src, w)
		size += n
		if err != nil {
			return nil, size, err
		}
		if ans.Version != Version {
			all.Version = ans.Version // refused by check
		}
		all.Scope = ans.Scope
		all.Months = append(all.Months, ans.Months...)
	}
	return all, size, nil
}

// fetchWindow asks a source for the months of one window (from, to, have).
func (v *View) fetchWindow(ctx context.Context, src Source, window url.Values) (*Months, int64, error) {
	u := strings.TrimRight(src.URL, "/") + Path
	if q := window.Encode(); q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+src.Token)
	req.Header.Set("Accept", "application/json")
	// Asked for explicitly, so the transport leaves the answer compressed
	// and its size as sent can be counted.
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := v.cfg.Client.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // without the URL, whose have is long; the caller names the source
	}
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body := &countingReader{r: resp.Body}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(body, 1<<10))
		return nil, body.n, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var in io.Reader = body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(body)
		if err != nil {
			return nil, body.n, fmt.Errorf("read the answer: %w", err)
		}
		defer z.Close()
		in = z
	}
	var ans Months
	if err := json.NewDecoder(in).Decode(&ans); err != nil {
		return nil, body.n, fmt.Errorf("read the answer: %w", err)
	}
	return &ans, body.n, nil
}

// check reads an answer into the months it makes of the source: those
// unchanged from held, the others from their cells. Cells of a unit outside
// the source's provinces, of another wire version, with a count a cell
// cannot hold (rollup.Tally.Check), or a month said unchanged that is not
// held refuse the answer.
func (v *View) check(src Source, held map[string]month, ans *Months) (map[string]month, error) {
	if ans.Version != Version {
		return nil, fmt.Errorf("the source speaks version %d of the rollup cells, this aggregator %d", ans.Version, Version)
	}
	tree, today := v.cfg.Units(), hailong.DateOf(v.cfg.Now())
	province := map[string]string{}
	next := make(map[string]month, len(ans.Months))
	for _, m := range ans.Months {
		if _, err := ParseMonth(m.Month); err != nil {
			return nil, err
		}
		if _, dup := next[m.Month]; dup {
			return nil, fmt.Errorf("month %s twice in one answer", m.Month)
		}
		if m.Unchanged {
			h, ok := held[m.Month]
			if !ok || h.digest != m.Digest {
				return nil, fmt.Errorf("month %s said unchanged, but not held", m.Month)
			}
			next[m.Month] = h
			continue
		}
		h := month{digest: m.Digest}
		for _, part := range []struct {
			days []Day
			into *[]rollup.Day
		}{{m.Ratings, &h.ratings}, {m.Flagged, &h.flagged}, {m.Outcomes, &h.outcomes}} {
			days, err := RollupDays(part.days)
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				p, ok := province[d.Unit]
				if !ok {
					p = tree.ProvinceOf(d.Unit, today)
					province[d.Unit] = p
				}
				if !slices.Contains(src.Provinces, p) {
					return nil, fmt.Errorf("cells of unit %s (province %q), which is not among the source's provinces %s: the pull is refused",
						d.Unit, p, strings.Join(src.Provinces, ","))
				}
				if rollup.MonthOf(d.Date) != mustMonth(m.Month) {
					return nil, fmt.Errorf("a day %s in month %s", d.Date, m.Month)
				}
				for _, c := range d.Cells {
					if err := c.Tally.Check(); err != nil {
						return nil, fmt.Errorf("a cell of unit %s on %s: %w: the pull is refused", d.Unit, d.Date, err)
					}
				}
			}
			*part.into = days
		}
		for _, d := range h.ratings {
			for _, c := range d.Cells {
				h.n += c.N
			}
		}
		next[m.Month] = h
	}
	return next, nil
}

func mustMonth(s string) rollup.Month {
	m, _ := ParseMonth(s) // checked by the caller
	return m
}

// empty returns an empty rollup that knows the procedures' fields.
func (v *View) empty() *rollup.Rollup {
	r := rollup.New()
	if v.cfg.Fields != nil {
		r.SetFields(v.cfg.Fields())
	}
	return r
}

// rebuild makes the three rollups anew from every source's months and
// puts them in place of the old ones: a query sees one or the other, never
// a half. It reads every cell held: its cost grows with the nation's
// cells (docs/SCALE.md).
func (v *View) rebuild() {
	r, f, o := v.empty(), v.empty(), v.empty()
	for _, held := range v.held {
		for _, m := range held {
			r.Load(m.ratings...)
			f.Load(m.flagged...)
			o.Load(m.outcomes...)
		}
	}
	v.ratings.Store(r)
	v.flagged.Store(f)
	v.outcomes.Store(o)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
