package ingest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
)

// Start loads the rollups: from the last checkpoint's segments, then the
// journal of what was counted after it (empty after a clean stop), or, if
// there is no checkpoint of this schema or it does not add up, by a
// rebuild from raw ratings. Inserts the journal left unsettled (a crash
// mid-insert) are claimed again, and settled in the background.
func (in *Ingester) Start(ctx context.Context) error {
	st, err := in.store.RollupState(ctx)
	if err != nil {
		return err
	}
	// New journals are numbered past any left behind, even by a state no
	// longer trusted: a stale journal must never look like a tail.
	last, err := in.store.LastJournal(ctx)
	if err != nil {
		return err
	}
	in.journal.Store(max(last, st.Journal))
	switch {
	case st.Schema == 0 && st.Journal == 0:
		in.log.Info("no persisted rollups; building them from raw ratings")
		return in.rebuildAndOpen(ctx)
	case st.Schema != rollup.Schema || st.Journal == 0:
		in.log.Warn("rollups are of another format or marked for repair; rebuilding from raw ratings", "schema", st.Schema)
		return in.rebuildAndOpen(ctx)
	}
	ok, err := in.load(ctx, st)
	if err != nil {
		return err
	}
	if !ok {
		return in.rebuildAndOpen(ctx)
	}
	st.Clean = false // until Close: a crash leaves a tail to replay
	if err := in.store.SetRollupState(ctx, st); err != nil {
		return err
	}
	in.startCheckpoints()
	return nil
}

// load loads the checkpoint st names and replays its tail; false if they
// do not add up, and the rollups must be rebuilt.
func (in *Ingester) load(ctx context.Context, st rollup.State) (bool, error) {
	t0 := time.Now()
	r, fl := in.newRollup(false), in.newRollup(true)
	segments := map[segmentKey]segmentRef{}
	// If the checkpoint says how many ratings each segment holds (so
	// that the counts add up without reading them), no month is loaded
	// on the start path: the resident ones are loaded once serving
	// (afterServing), the older ones when first read. Otherwise, and with
	// ResidentMonths 0, every month is loaded now.
	lazy := in.residentMonths > 0 && st.Counted
	first := rollup.MonthOf(hailong.DateOf(in.now())) - rollup.Month(in.residentMonths-1)
	var eager []rollup.Segment
	var warm [2][]rollup.Month // of the main rollup, of the flagged one
	cold := map[bool]map[rollup.Month]int64{false: {}, true: {}}
	for _, s := range st.Segments {
		if !lazy {
			eager = append(eager, s)
			continue
		}
		if s.Month >= first {
			i := 0
			if s.Flagged {
				i = 1
			}
			warm[i] = append(warm[i], s.Month)
		}
		cold[s.Flagged][s.Month] = s.Ratings
		segments[segmentKey{s.Flagged, s.Month}] = segmentRef{s.Collection, s.Ratings, s.Summary}
	}
	r.SetCold(cold[false])
	fl.SetCold(cold[true])
	var eagerMonths, eagerFlagged []rollup.Month
	mismatch := ""
	err := in.loadSegments(ctx, eager, func(s rollup.Segment, days []rollup.Day) {
		dst, months := r, &eagerMonths
		if s.Flagged {
			dst, months = fl, &eagerFlagged
		}
		dst.Load(days...)
		*months = append(*months, s.Month)
		n := ratingsOf(days)
		if st.Counted && n != s.Ratings {
			mismatch = fmt.Sprintf("segment %s holds %d ratings, the checkpoint says %d", s.Collection, n, s.Ratings)
		}
		segments[segmentKey{s.Flagged, s.Month}] = segmentRef{s.Collection, n, s.Summary}
	})
	if err != nil {
		return false, err
	}
	if mismatch != "" || r.Ratings() != st.Ratings || fl.Ratings() != st.FlaggedRatings {
		in.log.Warn("persisted rollups do not add up; rebuilding", "counted", r.Ratings(), "expected", st.Ratings,
			"flagged", fl.Ratings(), "expected flagged", st.FlaggedRatings, "segment", mismatch)
		return false, nil
	}
	r.TakeDirty() // as persisted
	fl.TakeDirty()
	r.Saved(eagerMonths...)
	fl.Saved(eagerFlagged...)
	loaded := time.Since(t0)
	tl, err := in.readTail(ctx, st.Journal)
	if err != nil {
		in.log.Warn("the journal since the checkpoint cannot be replayed; rebuilding", "err", err)
		return false, nil
	}
	rp, err := tl.replay(in.catalog, r, fl)
	if err != nil {
		in.log.Warn("the journal since the checkpoint cannot be replayed; rebuilding", "err", err)
		return false, nil
	}
	// The comments and flags of counted ratings were written before their
	// done entry, unless a write failed and the crash came before the
	// rollups were marked for repair: writing them again is harmless
	// (both skip what is stored), and the comments in memory are then
	// read once, from the collection.
	if err := in.store.InsertComments(ctx, rp.comments); err != nil {
		return false, err
	}
	if err := in.store.AddDossierFlags(ctx, rp.unhappy); err != nil {
		return false, err
	}
	tm := time.Now()
	months, built, err := in.store.CommentMonths(ctx)
	if err != nil {
		return false, err
	}
	// Listed, or moved into months first by the first start after an
	// upgrade (once: the time says which).
	in.log.Info("months of stored comments listed", "months", len(months), "took", time.Since(tm).Round(time.Millisecond))
	if !built {
		in.log.Info("no comments collections yet; building them and the rollups from raw ratings")
		return false, nil
	}
	// The comments are every comment ever stored: read on the start path
	// they would make it grow with history. None is read now: a query
	// reads the months of its period when it first needs them, and the
	// resident months are read once serving (afterServing). Only inserts
	// a crash left unsettled need some now, those of their months, to
	// know whose comments were stored.
	cs := comments.Open(in.store, in.commentsBudget, months, nil)
	if len(rp.restored) > 0 {
		commented := map[string]bool{}
		read := map[rollup.Month]bool{}
		for _, u := range rp.restored {
			if u.comment == nil {
				continue
			}
			if m := comments.MonthOf(u.comment.At); !read[m] && slices.Contains(months, m) {
				read[m] = true
				if err := in.store.LoadCommentMonth(ctx, m, func(c comments.Comment) { commented[c.ID] = true }); err != nil {
					return false, err
				}
			}
		}
		for i := range rp.restored {
			if commented[rp.restored[i].rating.ID] { // stored before the crash: not to be added twice
				rp.restored[i].comment = nil
			}
		}
	}
	in.persistMu.Lock()
	in.setSegments(segments)
	in.persistMu.Unlock()
	in.rollup.Store(r)
	in.flagged.Store(fl)
	in.comments.Store(cs)
	in.claims.restore(rp.restored)
	res := r.Residence()
	in.log.Info("rollups loaded from the checkpoint; journal tail replayed", "ratings", r.Ratings(), "flagged", fl.Ratings(),
		"segments", len(st.Segments), "resident months", res.Months, "cold months", res.Cold, "cells", res.Cells,
		"budget", res.Budget, "replayed", rp.counted, "unsettled", len(rp.restored),
		"loaded in", loaded.Round(time.Millisecond), "took", time.Since(t0).Round(time.Millisecond))
	in.seen.Start()
	in.afterServing(cs, warm)
	if len(rp.restored) > 0 {
		in.startSettle(rp.restored)
	}
	return true, nil
}

// segmentsAhead is how many segments are read ahead of the one being
// added to the rollups: the database reads and decodes them side by side,
// while they are added in month order (out of order, a day's cells are
// inserted into the middle of the indexes) and at most this many are held.
const segmentsAhead = 4

// loadSegments reads the segments and calls fn with each one's days, in
// the order given.
func (in *Ingester) loadSegments(ctx context.Context, segs []rollup.Segment, fn func(rollup.Segment, []rollup.Day)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type loaded struct {
		days []rollup.Day
		err  error
	}
	results := make([]chan loaded, len(segs))
	for i := range results {
		results[i] = make(chan loaded, 1)
	}
	slots := make(chan struct{}, segmentsAhead)
	go func() {
		for i, s := range segs {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				var days []rollup.Day
				err := in.store.LoadSegment(ctx, s.Collection, func(d rollup.Day) { days = append(days, d) })
				results[i] <- loaded{days, err}
			}()
		}
	}()
	for i, s := range segs {
		l := <-results[i]
		<-slots
		if l.err != nil {
			return l.err
		}
		fn(s, l.days)
	}
	return nil
}

func (in *Ingester) rebuildAndOpen(ctx context.Context) error {
	if _, err := in.Rebuild(ctx); err != nil {
		return err
	}
	in.seen.Start()
	in.startCheckpoints()
	close(in.warmed)            // every month is in memory
	in.background(in.packDaily) // the rebuild's months are packed; those closing later are not
	return nil
}

// Rebuild recomputes every rollup from the raw ratings, persists them as
// a full checkpoint opening a fresh journal, and returns how many ratings
// it counted: the repair when the checkpoint cannot be trusted.
func (in *Ingester) Rebuild(ctx context.Context) (int64, error) {
	in.persistMu.Lock()
	defer in.persistMu.Unlock()
	t0 := time.Now()
	// Marked for repair first: a rebuild cut short must not leave the old
	// rollups trusted beside flags it has already replaced.
	if err := in.store.SetRollupState(ctx, rollup.State{Schema: rollup.Schema}); err != nil {
		return 0, err
	}
	if last, err := in.store.LastJournal(ctx); err != nil {
		return 0, err
	} else if last > in.journal.Load() {
		in.journal.Store(last)
	}
	in.claims.reset() // everything stored is counted below
	var unhappy []string
	var cs []comments.Comment
	r, fl, err := RecomputeAll(ctx, in.store, in.catalog, func(rt *hailong.Rating, digest [32]byte, f rollup.Fact) {
		in.seen.Remember(rt.ID, digest, rt.At)
		if f.Dissatisfied && rt.Dossier != "" && !f.Flagged {
			unhappy = append(unhappy, rt.Dossier)
		}
		if q, ok := in.catalog.Version(rt.Questionnaire, rt.Version); ok { // Recompute checked it is
			if c, ok := comments.Of(rt, q); ok {
				cs = append(cs, c)
			}
		}
	})
	if err != nil {
		return 0, err
	}
	if err := in.store.ReplaceDossierFlags(ctx, unhappy); err != nil {
		return 0, err
	}
	if err := in.store.ReplaceComments(ctx, cs); err != nil {
		return 0, err
	}
	in.comments.Store(comments.Open(in.store, in.commentsBudget, nil, cs))
	in.flagsMu.Lock()
	in.unflagged = nil
	in.flagsMu.Unlock()
	in.fieldsMu.Lock()
	r.SetFields(in.fields)
	fl.SetFields(in.fields)
	in.configure(r, false)
	in.configure(fl, true)
	in.rollup.Store(r)
	in.flagged.Store(fl)
	in.fieldsMu.Unlock()
	in.log.Info("rollups rebuilt from raw ratings", "ratings", r.Ratings(), "took", time.Since(t0).Round(time.Millisecond))
	// Every month of the new rollups is changed: the checkpoint writes
	// them all, names no older segment, and opens a fresh journal.
	in.setSegments(map[segmentKey]segmentRef{})
	in.tainted.Store(false)
	if _, err := in.checkpointLocked(ctx, true, false); err != nil {
		return 0, err
	}
	return r.Ratings(), nil
}

// Recompute builds the main rollups from raw ratings alone: the definition
// every maintained rollup must equal. seen, if not nil, is told each rating
// and its stored digest and fact.
func Recompute(ctx context.Context, store Store, catalog *hailong.Catalog, seen func(*hailong.Rating, [32]byte, rollup.Fact)) (*rollup.Rollup, error) {
	r, _, err := RecomputeAll(ctx, store, catalog, seen)
	return r, err
}

// RecomputeAll builds the main rollups and those of flagged ratings from
// raw ratings alone.
func RecomputeAll(ctx context.Context, store Store, catalog *hailong.Catalog, seen func(*hailong.Rating, [32]byte, rollup.Fact)) (main, flagged *rollup.Rollup, err error) {
	r, fl := rollup.New(), rollup.New()
	err = store.ScanRatings(ctx, func(rt *hailong.Rating, digest [32]byte) error {
		f, ok, err := factOf(catalog, rt)
		if err != nil {
			return err
		}
		if ok {
			if f.Flagged {
				fl.Add(f)
			} else {
				r.Add(f)
			}
			if seen != nil {
				seen(rt, digest, f)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r, fl, nil
}

// factOf derives a stored rating's fact, as a rebuild does.
func factOf(catalog *hailong.Catalog, rt *hailong.Rating) (rollup.Fact, bool, error) {
	q, ok := catalog.Version(rt.Questionnaire, rt.Version)
	if !ok {
		return rollup.Fact{}, false, fmt.Errorf("rating %s: questionnaire %s v%d is not in the catalog; old versions must stay in assets", rt.ID, rt.Questionnaire, rt.Version)
	}
	f, ok := rollup.FactOf(rt, q)
	return f, ok, nil
}

// setState writes st with the rollups' schema and count of ratings.
func (in *Ingester) setState(ctx context.Context, st rollup.State) error {
	st.Schema, st.Ratings, st.FlaggedRatings = rollup.Schema, in.Rollup().Ratings(), in.Flagged().Ratings()
	return in.store.SetRollupState(ctx, st)
}

// taint notes that the database may hold what the rollups, comments or
// flags do not, and marks the persisted state for repair at once: the next
// start rebuilds, crash or not, and no checkpoint is taken until then.
func (in *Ingester) taint(ctx context.Context, msg string, err error) {
	in.log.Error(msg+"; the next start rebuilds the rollups from the ratings", "err", err)
	in.tainted.Store(true)
	if err := in.store.SetRollupState(context.WithoutCancel(ctx), rollup.State{Schema: rollup.Schema}); err != nil {
		in.log.Error("mark the rollups for repair", "err", err)
	}
}

// Close waits for ingests under way, refuses new ones, counts what failed
// inserts stored and takes a last checkpoint, marked clean, unless the
// database could not say what it holds: then the next start rebuilds.
func (in *Ingester) Close(ctx context.Context) error {
	in.gate.Lock()
	in.closed = true
	in.gate.Unlock()
	in.stopCheckpoints()
	if in.stopBackground != nil {
		in.stopBackground()
		<-in.backgroundDone
	}
	in.seen.Stop()
	// No insert is under way now: what a claimed insert did not store, it
	// never will.
	if ids := in.claims.ids(); len(ids) > 0 {
		if _, err := in.receipts(ctx, ids); err != nil {
			in.taint(ctx, "settle inserts of unknown outcome", err)
		}
		in.claims.reset()
	}
	if err := in.writeFlags(ctx, nil); err != nil {
		in.taint(ctx, "record dissatisfied dossiers", err)
	}
	if in.tainted.Load() {
		return in.setState(ctx, rollup.State{}) // the next start rebuilds
	}
	return in.persist(ctx)
}

// persist takes the last checkpoint (the months changed since the one
// before) and marks it clean.
func (in *Ingester) persist(ctx context.Context) error {
	in.persistMu.Lock()
	defer in.persistMu.Unlock()
	// Marked clean in the same state write: no ingest runs any more.
	if _, err := in.checkpointLocked(ctx, true, true); err != nil {
		return err
	}
	// Whole generations of days (schema 5 and before) and the digests once
	// written beside them.
	return in.store.DropDaysExcept(ctx)
}

// startSettle settles, in the background once serving, the inserts a crash
// left of unknown outcome (claims of the journal without their done): one
// look-up of their few ids, which on FerretDB scans the ratings, so it is
// not made on the start path. A rating they stored is counted now, once;
// one they did not store never will be by them.
func (in *Ingester) startSettle(restored []attempt) {
	ids := make([]string, 0, len(restored))
	for _, a := range restored {
		ids = append(ids, a.rating.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	go func() {
		in.gate.RLock() // as an ingest: a checkpoint sees all of it or none
		defer in.gate.RUnlock()
		if in.closed {
			return // Close settles every claim itself
		}
		ctx, done, err := in.fenced(context.Background())
		if err != nil {
			in.log.Warn("settle the inserts a crash left unsettled: not the owner any more", "err", err)
			return
		}
		defer done()
		if _, err := in.receipts(ctx, ids); err != nil {
			in.log.Warn("settle the inserts a crash left unsettled; a re-sent rating settles its own", "err", err)
			return
		}
		for _, a := range restored {
			in.claims.drop(a.rating.ID, a.stamp)
		}
		in.log.Info("inserts a crash left unsettled are settled", "ratings", len(ids))
	}()
}

// afterServing does in the background, once serving (CommentsAfter), what
// a start leaves for later, one after the other: it loads the resident
// months of the rollups (warm, of the main and the flagged one), reads the
// comments of as many months into idx, writes the summaries of the
// segments that have none (summarise), and then packs the comments of
// closed months, now and every day (packComments). Close stops it.
func (in *Ingester) afterServing(idx *comments.Index, warm [2][]rollup.Month) {
	in.background(func(ctx context.Context) {
		if in.commentsAfter != nil {
			select {
			case <-in.commentsAfter:
			case <-ctx.Done():
				close(in.warmed)
				return
			}
		}
		in.warmMonths(ctx, warm)
		close(in.warmed)
		in.warmComments(ctx, idx)
		in.summarise(ctx)
		in.packDaily(ctx)
	})
}

// background runs fn in the background until Close, which cancels its
// context and waits for it.
func (in *Ingester) background(fn func(ctx context.Context)) {
	ctx, stop := context.WithCancel(context.Background())
	in.stopBackground = stop
	in.backgroundDone = make(chan struct{})
	go func() {
		defer close(in.backgroundDone)
		fn(ctx)
	}()
}

// packEvery is how often the comments of closed months are packed.
const packEvery = 24 * time.Hour

// packDaily packs the comments of closed months now and every day until
// ctx ends.
func (in *Ingester) packDaily(ctx context.Context) {
	for {
		in.packComments(ctx)
		select {
		case <-time.After(packEvery):
		case <-ctx.Done():
			return
		}
	}
}

// packComments packs the comments of the months before the previous one
// (closed: a kiosk offline for weeks may still bring some) not packed yet,
// so that a page reading them reads runs (mongodb.DB.PackCommentMonth). A
// pack cut short is made whole by the next; one that fails is tried again
// the next day.
func (in *Ingester) packComments(ctx context.Context) {
	before := rollup.MonthOf(hailong.DateOf(in.now())) - 1
	months, err := in.store.CommentMonthsToPack(ctx, before)
	if err != nil {
		if ctx.Err() == nil {
			in.log.Warn("list the months of comments to pack; trying again tomorrow", "err", err)
		}
		return
	}
	t0 := time.Now()
	packed := 0
	for _, m := range months {
		// Only the owner packs, but a pack needs no fence of its writes,
		// which a month's pack outlasts (a lease's validity is 15 s): it
		// deletes only documents whose comments it wrote again before, so
		// two processes packing one month lose none.
		_, release, err := in.fenced(ctx)
		if err != nil {
			return
		}
		release()
		tm := time.Now()
		n, err := in.store.PackCommentMonth(ctx, m)
		if err != nil {
			if ctx.Err() == nil {
				in.log.Warn("pack the comments of a month; trying again tomorrow", "month", m.String(), "err", err)
			}
			return
		}
		in.log.Info("comments of a closed month packed", "month", m.String(), "comments", n, "took", time.Since(tm).Round(time.Millisecond))
		packed += n
	}
	in.log.Info("comments of closed months packed", "months", len(months), "comments", packed, "took", time.Since(t0).Round(time.Millisecond))
}

// warmMonths loads the resident months, the newest first: the ones
// queries read most, and within a memory budget, until the rollup is Full.
// The months beyond it stay cold: nothing drops months loaded this way
// until a query or a checkpoint does, so a start that loaded them all
// held a year of months past the budget for as long as the aggregator
// stood idle. A month that cannot be loaded is left cold (the loader logs
// why): a query reading it tries again.
func (in *Ingester) warmMonths(ctx context.Context, warm [2][]rollup.Month) {
	if len(warm[0])+len(warm[1]) == 0 {
		return
	}
	t0 := time.Now()
	var loaded, left [2]int // left cold for the budget
	for i, r := range []*rollup.Rollup{in.Rollup(), in.Flagged()} {
		months := slices.Clone(warm[i])
		slices.Reverse(months)
		for j, m := range months {
			if ctx.Err() != nil {
				return
			}
			if r.Residence().Full() {
				left[i] = len(months) - j
				break
			}
			if r.LoadMonths(ctx, m) == nil {
				loaded[i]++
			}
		}
	}
	res, flagged := in.Rollup().Residence(), in.Flagged().Residence()
	in.log.Info("resident months of the rollups loaded", "months", loaded[0], "left cold for the budget", left[0], "cells", res.Cells,
		"flagged months", loaded[1], "flagged left cold", left[1], "flagged cells", flagged.Cells, "budget", res.Budget,
		"took", time.Since(t0).Round(time.Millisecond))
}

// Warmed is closed once the resident months a start left for later are
// loaded, could not be, or were left cold for the budget, once serving
// (Config.CommentsAfter); at the end of a start that loaded every month
// itself (a rebuild).
func (in *Ingester) Warmed() <-chan struct{} { return in.warmed }

// warmComments reads the comments of the resident months into idx (of
// every month with ResidentMonths 0), the newest first, within its budget.
// A month that cannot be read is left cold: a query reading it tries
// again.
func (in *Ingester) warmComments(ctx context.Context, idx *comments.Index) {
	months := in.residentMonths
	if months <= 0 {
		months = math.MaxInt
	}
	t0 := time.Now()
	n, err := idx.Warm(ctx, months)
	if err != nil && ctx.Err() == nil {
		in.log.Warn("read the comments of the resident months; a query reading one tries again", "err", err)
	}
	res := idx.Residence()
	in.log.Info("comments of the resident months read", "months", n, "comments", res.Comments, "months stored", res.Months,
		"budget", res.Budget, "took", time.Since(t0).Round(time.Millisecond))
}
