package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
)

// The rollups are persisted by checkpoints. A checkpoint writes, as a new
// segment each, the months of either rollup changed since the last one,
// then the state (rollup.State) naming the segment of every month and the
// journal it opened. Every insert of ratings is told in the journal open
// while it runs: a claim before the insert (the batch and its time of
// receipt), a done after its ratings are counted (which ones), and a done
// when a rating is counted by settling an earlier claim. The journal is
// switched under the gate's write lock, with the changed months taken, so a
// rating is either in the checkpoint's segments or told in its journal or
// a later one, never both. A start after a crash loads the segments and
// replays those journals: the done ratings are counted, the claims without
// a done are claimed again, with their time of receipt, and settled as
// claims always are.

// Claim is a journal's record of an insert about to be made: its ratings,
// their digests and the time of receipt they are stored under.
type Claim struct {
	Stamp   time.Time
	Ratings []hailong.Rating
	Digests [][32]byte
}

// Done is a journal's record of ratings counted.
type Done struct {
	// Insert is the stamp of the claim whose insert ended: its ratings not
	// in Counted were duplicates or counted by another. Zero for ratings
	// counted by settling earlier claims.
	Insert  time.Time
	Counted []Counted
}

// Counted names a rating counted and the claim (by stamp) that stored it.
type Counted struct {
	Stamp time.Time
	ID    string
}

// Checkpoints is how the rollups are persisted: month segments, and
// journals numbered in sequence. The state naming them is written with
// SetRollupState.
type Checkpoints interface {
	// WriteSegment writes the days of one month of the main rollup, or of
	// the flagged ratings', as a new segment and returns its name.
	WriteSegment(ctx context.Context, flagged bool, m rollup.Month, days []rollup.Day) (string, error)
	LoadSegment(ctx context.Context, name string, fn func(rollup.Day)) error
	// WriteSummary writes the summary of a month beside its segment and
	// returns its name; LoadSummary reads it back.
	WriteSummary(ctx context.Context, flagged bool, s rollup.Summary) (string, error)
	LoadSummary(ctx context.Context, name string) (rollup.Summary, error)
	// SummaryNames names every summary stored.
	SummaryNames(ctx context.Context) (map[string]bool, error)
	AppendClaim(ctx context.Context, journal int64, c Claim) error
	AppendDone(ctx context.Context, journal int64, d Done) error
	// ReadJournals calls fn with every entry of the journals from
	// sequence from on, in sequence order; one of c and d is set.
	ReadJournals(ctx context.Context, from int64, fn func(journal int64, c *Claim, d *Done) error) error
	// LastJournal returns the highest sequence of any journal, 0 if none.
	LastJournal(ctx context.Context) (int64, error)
	// DropStale drops the segments st does not name and the journals
	// before st.Journal.
	DropStale(ctx context.Context, st rollup.State) error
}

type segmentKey struct {
	flagged bool
	month   rollup.Month
}

// segmentRef is where a month of a rollup is persisted, how many ratings
// it holds there, and where its summary is (empty: none yet).
type segmentRef struct {
	collection string
	ratings    int64
	summary    string
}

// errSegmentCount answers a segment holding another count of ratings
// than its checkpoint says.
var errSegmentCount = errors.New("the segment does not add up to its checkpoint")

// readSegment reads the days of a segment of the last checkpoint, checked
// against the ratings the checkpoint says it holds.
func (in *Ingester) readSegment(ctx context.Context, ref segmentRef) ([]rollup.Day, error) {
	var days []rollup.Day
	if err := in.store.LoadSegment(ctx, ref.collection, func(d rollup.Day) { days = append(days, d) }); err != nil {
		return nil, err
	}
	if n := ratingsOf(days); n != ref.ratings {
		return nil, fmt.Errorf("segment %s holds %d ratings, the checkpoint says %d: %w", ref.collection, n, ref.ratings, errSegmentCount)
	}
	return days, nil
}

// ratingsOf counts the ratings of days.
func ratingsOf(days []rollup.Day) int64 {
	var n int64
	for _, d := range days {
		for i := range d.Cells {
			n += d.Cells[i].N
		}
	}
	return n
}

// Checkpoint persists the months changed since the last checkpoint and
// opens a new journal; it does nothing if no month changed. The aggregator
// takes one every CheckpointEvery or CheckpointRatings counted, and at
// Close.
func (in *Ingester) Checkpoint(ctx context.Context) error {
	in.persistMu.Lock()
	defer in.persistMu.Unlock()
	_, err := in.checkpointLocked(ctx, false, false)
	return err
}

// errTainted refuses a checkpoint of rollups marked for repair.
var errTainted = errors.New("the rollups are marked for repair: no checkpoint until the next start rebuilds them")

// checkpointLocked takes a checkpoint, with persistMu held; always takes
// one even if no month changed, and clean marks its state clean (the last,
// at Close). It returns the state written.
func (in *Ingester) checkpointLocked(ctx context.Context, always, clean bool) (rollup.State, error) {
	if in.tainted.Load() {
		return rollup.State{}, errTainted
	}
	t0 := time.Now()
	r, fl := in.Rollup(), in.Flagged()
	// A month changed while not in memory (a late rating) holds only the
	// change: the rest is loaded before the month is written, most of it
	// here, outside the gate; what changes in between, under it.
	if err := errors.Join(r.LoadDirty(ctx), fl.LoadDirty(ctx)); err != nil {
		return rollup.State{}, err
	}
	type part struct {
		key  segmentKey
		days []rollup.Day
	}
	// (a) With no count under way: take the changed months and open the
	// next journal, carrying the claims still unsettled into it, so that
	// a done written in it always finds its claim in the tail.
	in.gate.Lock()
	months, flaggedMonths := r.TakeDirty(), fl.TakeDirty()
	redirty := func() {
		r.MarkDirty(months...)
		fl.MarkDirty(flaggedMonths...)
	}
	if len(months)+len(flaggedMonths) == 0 && !always {
		in.gate.Unlock()
		return rollup.State{}, nil
	}
	if err := errors.Join(r.LoadMonths(ctx, months...), fl.LoadMonths(ctx, flaggedMonths...)); err != nil {
		in.gate.Unlock()
		redirty()
		return rollup.State{}, err
	}
	var parts []part
	for _, m := range months {
		parts = append(parts, part{segmentKey{false, m}, r.DaysOf(m)})
	}
	for _, m := range flaggedMonths {
		parts = append(parts, part{segmentKey{true, m}, fl.DaysOf(m)})
	}
	st := rollup.State{Clean: clean, Schema: rollup.Schema, Ratings: r.Ratings(), FlaggedRatings: fl.Ratings(), Journal: in.journal.Load() + 1,
		Counted: true}
	var err error
	for _, c := range in.claims.pending() {
		if err = in.store.AppendClaim(ctx, st.Journal, c); err != nil {
			break
		}
	}
	if err == nil {
		in.journal.Store(st.Journal)
		in.sinceCheckpoint.Store(0)
	}
	in.gate.Unlock()
	if err != nil {
		redirty()
		return rollup.State{}, err
	}
	// (b) The changed months' segments.
	segments := maps.Clone(in.segments)
	if segments == nil {
		segments = map[segmentKey]segmentRef{}
	}
	for _, p := range parts {
		name, err := in.store.WriteSegment(ctx, p.key.flagged, p.key.month, p.days)
		if err != nil {
			redirty()
			return rollup.State{}, err
		}
		sum, err := in.store.WriteSummary(ctx, p.key.flagged, rollup.Summarise(p.key.month, p.days))
		if err != nil {
			redirty()
			return rollup.State{}, err
		}
		segments[p.key] = segmentRef{name, ratingsOf(p.days), sum}
	}
	// (c) The state naming them: from here on a start loads them.
	for _, k := range slices.SortedFunc(maps.Keys(segments), func(a, b segmentKey) int {
		if a.flagged != b.flagged {
			if a.flagged {
				return 1
			}
			return -1
		}
		return int(a.month - b.month)
	}) {
		st.Segments = append(st.Segments, rollup.Segment{Flagged: k.flagged, Month: k.month, Collection: segments[k].collection,
			Ratings: segments[k].ratings, Summary: segments[k].summary})
	}
	if err := in.store.SetRollupState(ctx, st); err != nil {
		redirty()
		return rollup.State{}, err
	}
	in.setSegments(segments)
	// Persisted as taken: from now on they may be dropped from memory.
	r.Saved(months...)
	fl.Saved(flaggedMonths...)
	// (d) What the state no longer names; left for the next checkpoint if
	// this fails.
	if err := in.store.DropStale(ctx, st); err != nil {
		in.log.Warn("drop stale rollup segments and journals", "err", err)
	}
	in.log.Info("checkpoint", "months", len(months), "flagged months", len(flaggedMonths), "journal", st.Journal,
		"ratings", st.Ratings, "took", time.Since(t0).Round(time.Millisecond))
	return st, nil
}

// startCheckpoints takes a checkpoint every CheckpointEvery, and sooner
// when CheckpointRatings ratings were counted since the last.
func (in *Ingester) startCheckpoints() {
	ctx, cancel := context.WithCancel(context.Background())
	in.loopCancel, in.loopDone = cancel, make(chan struct{})
	go func() {
		defer close(in.loopDone)
		tick := time.NewTicker(in.checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-in.checkpointDue:
			}
			fctx, done, err := in.fenced(ctx)
			if err == nil {
				err = in.Checkpoint(fctx)
				done()
			}
			if err != nil && ctx.Err() == nil && !errors.Is(err, errTainted) {
				in.log.Error("checkpoint; the months it did not write are written by the next", "err", err)
			}
		}
	}()
}

func (in *Ingester) stopCheckpoints() {
	if in.loopCancel != nil {
		in.loopCancel()
		<-in.loopDone
	}
}

// counted tells the checkpoint loop of n ratings counted.
func (in *Ingester) counted(n int) {
	if in.sinceCheckpoint.Add(int64(n)) >= int64(in.checkpointRatings) {
		select {
		case in.checkpointDue <- struct{}{}:
		default:
		}
	}
}

// writeDone tells the journal of ratings counted; insert is the stamp of
// the claim whose insert ended, or zero.
func (in *Ingester) writeDone(ctx context.Context, insert time.Time, added []attempt) error {
	d := Done{Insert: insert, Counted: make([]Counted, len(added))}
	for i, a := range added {
		d.Counted[i] = Counted{a.stamp, a.rating.ID}
	}
	return in.store.AppendDone(ctx, in.journal.Load(), d)
}

// pending returns the unsettled claims, one per insert.
func (c *claims) pending() []Claim {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := map[time.Time]*Claim{}
	for _, as := range c.m {
		for _, a := range as {
			cl := by[a.stamp]
			if cl == nil {
				cl = &Claim{Stamp: a.stamp}
				by[a.stamp] = cl
			}
			cl.Ratings, cl.Digests = append(cl.Ratings, *a.rating), append(cl.Digests, a.digest)
		}
	}
	out := make([]Claim, 0, len(by))
	for _, cl := range by {
		out = append(out, *cl)
	}
	slices.SortFunc(out, func(a, b Claim) int { return a.Stamp.Compare(b.Stamp) })
	return out
}

// restore claims again the attempts a journal left unsettled, under their
// own stamps, and gives later stamps only.
func (c *claims) restore(as []attempt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range as {
		c.m[a.rating.ID] = append(c.m[a.rating.ID], a)
		if a.stamp.After(c.last) {
			c.last = a.stamp
		}
	}
}

// tail is what the journals since a checkpoint tell.
type tail struct {
	claims  map[time.Time]*Claim
	counted []Counted
	ended   map[time.Time]bool // claims whose insert ended
}

func (in *Ingester) readTail(ctx context.Context, from int64) (*tail, error) {
	t := &tail{claims: map[time.Time]*Claim{}, ended: map[time.Time]bool{}}
	err := in.store.ReadJournals(ctx, from, func(_ int64, c *Claim, d *Done) error {
		switch {
		case c != nil:
			if len(c.Ratings) != len(c.Digests) {
				return fmt.Errorf("a claim of %s holds %d ratings and %d digests", c.Stamp, len(c.Ratings), len(c.Digests))
			}
			t.claims[c.Stamp.UTC()] = c // a claim carried into a later journal is the same claim
		case d != nil:
			if !d.Insert.IsZero() {
				t.ended[d.Insert.UTC()] = true
			}
			t.counted = append(t.counted, d.Counted...)
		}
		return nil
	})
	return t, err
}

// replayed is what replaying a tail gave.
type replayed struct {
	counted  int
	comments []comments.Comment
	unhappy  []string  // dossiers rated not satisfied
	restored []attempt // claimed ratings not known to be settled
}

// replay counts into r and fl the ratings the tail says were counted, and
// returns the attempts of its claims still unsettled.
func (t *tail) replay(catalog *hailong.Catalog, r, fl *rollup.Rollup) (replayed, error) {
	var out replayed
	done := map[string]bool{}
	settled := map[time.Time]map[string]bool{}
	var facts, flagged []rollup.Fact
	for _, c := range t.counted {
		stamp := c.Stamp.UTC()
		if settled[stamp] == nil {
			settled[stamp] = map[string]bool{}
		}
		settled[stamp][c.ID] = true
		if done[c.ID] {
			continue // never twice
		}
		cl := t.claims[stamp]
		if cl == nil {
			return out, fmt.Errorf("rating %s was counted from a claim of %s the journal does not hold", c.ID, stamp)
		}
		i := slices.IndexFunc(cl.Ratings, func(rt hailong.Rating) bool { return rt.ID == c.ID })
		if i < 0 {
			return out, fmt.Errorf("rating %s was counted from a claim of %s that does not hold it", c.ID, stamp)
		}
		rt := &cl.Ratings[i]
		f, ok, err := factOf(catalog, rt)
		if err != nil {
			return out, err
		}
		done[c.ID] = true
		if !ok {
			continue
		}
		if f.Flagged {
			flagged = append(flagged, f)
		} else {
			facts = append(facts, f)
			if f.Dissatisfied && f.Dossier != "" {
				out.unhappy = append(out.unhappy, f.Dossier)
			}
		}
		if q, ok := catalog.Version(rt.Questionnaire, rt.Version); ok {
			if cm, ok := comments.Of(rt, q); ok {
				out.comments = append(out.comments, cm)
			}
		}
	}
	r.Add(facts...)
	fl.Add(flagged...)
	out.counted = len(facts) + len(flagged)
	for _, stamp := range slices.SortedFunc(maps.Keys(t.claims), time.Time.Compare) {
		if t.ended[stamp] {
			continue
		}
		cl := t.claims[stamp]
		for i := range cl.Ratings {
			rt := &cl.Ratings[i]
			if settled[stamp][rt.ID] || done[rt.ID] {
				continue
			}
			f, _, err := factOf(catalog, rt)
			if err != nil {
				return out, err
			}
			a := attempt{rating: rt, stamp: stamp, digest: cl.Digests[i], fact: f}
			if q, ok := catalog.Version(rt.Questionnaire, rt.Version); ok {
				if cm, ok := comments.Of(rt, q); ok {
					a.comment = &cm
				}
			}
			out.restored = append(out.restored, a)
		}
	}
	return out, nil
}
