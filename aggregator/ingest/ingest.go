// Package ingest is the aggregator's write path: it keeps every raw rating
// exactly once and keeps the in-memory rollups in step with them. The
// rollups are persisted by checkpoints (checkpoint.go): every few minutes,
// every so many ratings and at a clean stop, the months changed since the
// last are written as new segments; every insert is told in a journal, so
// that a start after a crash loads the last checkpoint and replays only
// what was counted after it (lifecycle.go). A rebuild from the raw ratings
// is the repair, when the checkpoint cannot be trusted. (On FerretDB every
// filtered write scans its collection, so rewriting changed days one by one
// grows quadratic with the data; segments and journals are written by
// inserts alone.)
//
// Exactly once rests on the database's unique _id (the rating's own id);
// a rating already stored is a duplicate when its content digest matches and
// a conflict when it does not. What is stored is remembered by the
// duplicate memory (package seen: recent ratings in memory, every stored
// rating in a durable index on local disk) because on FerretDB every
// look-up by _id scans the collection; the database is asked only for ids
// the memory does not hold. A rating is
// counted when the insert that stored it says so or, if that insert failed
// or its answer was lost, when the rating is sent again and found stored
// under that insert's time of receipt (see claims): never before it is
// stored, never twice.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
	"hailong/aggregator/seen"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// Store is what the ingest job needs of the database.
type Store interface {
	InsertRatings(ctx context.Context, rs []hailong.Rating, digests [][32]byte, received time.Time) (dups []int, err error)
	// Receipts tells the stored digest and time of receipt (as given to
	// InsertRatings) of the stored ratings among ids.
	Receipts(ctx context.Context, ids []string, fn func(id string, digest [32]byte, received, at time.Time)) error
	// ScanDigests tells the id, digest and time (hailong.Rating.At) of
	// every stored rating.
	ScanDigests(ctx context.Context, fn func(id string, digest [32]byte, at time.Time)) error
	ScanRatings(ctx context.Context, fn func(r *hailong.Rating, digest [32]byte) error) error
	AddDossierFlags(ctx context.Context, dossiers []string) error
	ReplaceDossierFlags(ctx context.Context, dossiers []string) error
	Checkpoints
	// DropDaysExcept drops every digests generation (and the whole
	// generations of days of schema 5 and before) but keep.
	DropDaysExcept(ctx context.Context, keep ...string) error
	RollupState(ctx context.Context) (rollup.State, error)
	SetRollupState(ctx context.Context, st rollup.State) error
	// InsertComments stores the comments of newly stored ratings;
	// CommentMonths tells the months of which comments are stored, without
	// reading them (built is false if they were never built from the
	// ratings); LoadCommentMonth reads a month's back (comments.Store);
	// ReplaceComments rebuilds them. CommentMonthsToPack and
	// PackCommentMonth pack closed months' into runs, read faster.
	InsertComments(ctx context.Context, cs []comments.Comment) error
	CommentMonthsToPack(ctx context.Context, before rollup.Month) ([]rollup.Month, error)
	PackCommentMonth(ctx context.Context, m rollup.Month) (int, error)
	CommentMonths(ctx context.Context) (months []rollup.Month, built bool, err error)
	comments.Store
	ReplaceComments(ctx context.Context, cs []comments.Comment) error
}

// Ingester owns the raw ratings' write path and the rollups.
type Ingester struct {
	// stopBackground ends what a start left for later (afterServing), if
	// it left anything, and backgroundDone is closed when it has ended.
	stopBackground context.CancelFunc
	backgroundDone chan struct{}
	commentsAfter  <-chan struct{}
	// warmed is closed once the resident months are loaded, or left
	// cold for the budget (Warmed).
	warmed  chan struct{}
	store   Store
	catalog *hailong.Catalog
	// fieldsMu guards fields, and holds a rebuilt rollup's fields and its
	// swap together, so that a live procedure import is never lost.
	fieldsMu sync.Mutex
	fields   map[string]string
	rollup   atomic.Pointer[rollup.Rollup]
	// flagged holds the flagged ratings (hailong.Rating.Flags) apart, so
	// the main rollup answers as fast as before; measures add it on
	// request.
	flagged atomic.Pointer[rollup.Rollup]
	// comments index the citizens' comments, kept like the rollups.
	comments atomic.Pointer[comments.Index]
	log      *slog.Logger
	now      func() time.Time

	seen *seen.Memory
	// claims are the inserts whose outcome is not known yet: under way, or
	// failed after perhaps storing some ratings.
	claims    *claims
	tolerance time.Duration

	// persistMu allows one rebuild or checkpoint at a time, and guards
	// segments: the segment of each month of the last checkpoint.
	persistMu sync.Mutex
	segments  map[segmentKey]segmentRef
	// segmentsMu guards segments for the loaders of cold months, which
	// read it without persistMu; it is written under both.
	segmentsMu sync.Mutex
	// residentMonths and budget: see Config.
	residentMonths int
	commentsBudget int
	budget         int64
	// gate is held for reading by each ingest, from its claim to its done,
	// and for writing by Close and by a checkpoint switching journals.
	gate sync.RWMutex
	// journal is the sequence of the journal inserts are told in; it
	// changes under the gate's write lock only.
	journal atomic.Int64
	// sinceCheckpoint counts the ratings counted since the last
	// checkpoint; at checkpointRatings, checkpointDue wakes the loop.
	sinceCheckpoint   atomic.Int64
	checkpointDue     chan struct{}
	checkpointEvery   time.Duration
	checkpointRatings int
	loopCancel        context.CancelFunc
	loopDone          chan struct{}
	closed            bool
	fence             func(context.Context) (context.Context, context.CancelFunc, error) // see Config.Fence
	// tainted is set when the database may hold what the rollups or the
	// dossier flags do not: the next start rebuilds them (taint).
	tainted atomic.Bool
	// flagsMu guards unflagged: dossiers whose flag could not be written
	// yet, written with the next ones.
	flagsMu   sync.Mutex
	unflagged []string
	// unhappyMu guards onUnhappy and unhappyEarly: the dossiers flagged
	// before onUnhappy was set (settling a crash's inserts starts with
	// Start), told to it when set.
	unhappyMu    sync.Mutex
	onUnhappy    func(dossiers []string)
	unhappyEarly []string
	onStored     func(stored []Stored)
}

// fenced returns ctx bounded by Config.Fence, if any.
func (in *Ingester) fenced(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if in.fence == nil {
		return ctx, func() {}, nil
	}
	return in.fence(ctx)
}

// Config configures an Ingester.
type Config struct {
	Store   Store
	Catalog *hailong.Catalog
	Logger  *slog.Logger
	// Index is the durable index of stored ratings (aggregator/bolt);
	// nil keeps the recent ratings in memory only, warmed by a scan of the
	// stored ratings at each start.
	Index seen.Index
	// Remember is how many recent rating digests to keep in memory;
	// default 65,536 with an index, 1,048,576 without.
	Remember int
	Now      func() time.Time
	// Fields gives the field of each procedure (code to field name), for
	// queries by field.
	Fields map[string]string
	// Tolerance is how far a kiosk rating's time may be after the upload
	// was sent, by the kiosk's clock, and before the kiosk was enrolled,
	// and an imported one's after now; default 5 minutes.
	Tolerance time.Duration
	// CheckpointEvery is how often the rollups' changed months are
	// persisted; default 5 minutes.
	CheckpointEvery time.Duration
	// CheckpointRatings is how many counted ratings make a checkpoint due
	// before CheckpointEvery; default 50,000.
	CheckpointRatings int
	// Fence bounds the ingester's own background writes (checkpoints, the
	// settling of inserts a crash left) by the process's ownership of the
	// rollups: with a lease (aggregator/lease), a write after the lease
	// may have passed to a standby would overwrite the new owner's state.
	// It returns ctx bounded, or an error when ownership is lost; nil
	// leaves them unbounded.
	Fence func(ctx context.Context) (context.Context, context.CancelFunc, error)
	// ResidentMonths is how many months, up to the current one, are
	// loaded from the checkpoint once serving (CommentsAfter), in the
	// background: a query reading one before waits for it. Older months
	// are loaded when a query first reads them (rollup.Rollup.SetCold),
	// and no month on the start path. 0 loads every month on the start
	// path, as does a checkpoint written before segments were counted.
	ResidentMonths int
	// RollupBudget bounds the cells of each rollup in memory
	// (rollup.Rollup.SetBudget); 0: no bound.
	RollupBudget int64
	// CommentsBudget bounds the comments held in memory: the months of
	// comments least recently read are dropped, and read again when a
	// query needs them (comments.Open); 0: no bound.
	CommentsBudget int
	// CommentsAfter, if set, holds back what a start leaves for later
	// (the resident months, then their comments) until it is closed
	// (the process serving), so that it does not compete with the start's
	// own reads; nil does it at once.
	CommentsAfter <-chan struct{}
}

// Earliest is the first instant a rating can be of: ratings before it are
// refused, so that a wrong clock cannot reach back into closed periods.
var Earliest = time.Date(2015, 1, 1, 0, 0, 0, 0, hailong.Location)

// maxTrustedOffset bounds the kiosk clock offset by which a rating's time
// is judged: a kiosk's clock further off than this is broken, and its
// ratings would be counted on days far from when they were given.
const maxTrustedOffset = 24 * time.Hour

// SetOnUnhappy sets what to tell of dossiers newly rated not satisfied (the
// outcome book), and tells it at once of those flagged since Start; call it
// before ingesting.
func (in *Ingester) SetOnUnhappy(fn func(dossiers []string)) {
	in.unhappyMu.Lock()
	in.onUnhappy = fn
	early := in.unhappyEarly
	in.unhappyEarly = nil
	in.unhappyMu.Unlock()
	if fn != nil && len(early) > 0 {
		fn(early)
	}
}

// Stored is a rating newly stored: never a duplicate delivery.
type Stored struct {
	Rating *hailong.Rating
	Fact   rollup.Fact
}

// SetOnStored sets what to tell of ratings newly stored, after they are
// counted in the rollups (alert rules, webhooks); call it before
// ingesting. fn runs on the write path: it must return at once and must
// not keep or change the ratings.
func (in *Ingester) SetOnStored(fn func(stored []Stored)) { in.onStored = fn }

// New returns an ingester with empty rollups; call Start to load them.
func New(cfg Config) *Ingester {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Remember <= 0 && cfg.Index == nil {
		cfg.Remember = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = 5 * time.Minute
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = 5 * time.Minute
	}
	if cfg.CheckpointRatings <= 0 {
		cfg.CheckpointRatings = 50_000
	}
	in := &Ingester{store: cfg.Store, catalog: cfg.Catalog, fields: cfg.Fields, log: cfg.Logger, now: cfg.Now,
		claims: newClaims(), tolerance: cfg.Tolerance,
		seen:          seen.New(seen.Config{Database: cfg.Store, Index: cfg.Index, Remember: cfg.Remember, Logger: cfg.Logger}),
		checkpointDue: make(chan struct{}, 1), checkpointEvery: cfg.CheckpointEvery, checkpointRatings: cfg.CheckpointRatings,
		fence: cfg.Fence, residentMonths: cfg.ResidentMonths, budget: cfg.RollupBudget, commentsBudget: cfg.CommentsBudget, commentsAfter: cfg.CommentsAfter,
		warmed: make(chan struct{})}
	in.rollup.Store(in.newRollup(false))
	in.flagged.Store(in.newRollup(true))
	in.comments.Store(comments.New())
	return in
}

// Comments returns the in-memory index of the citizens' comments.
func (in *Ingester) Comments() *comments.Index { return in.comments.Load() }

func (in *Ingester) newRollup(flagged bool) *rollup.Rollup {
	r := rollup.New()
	in.fieldsMu.Lock()
	r.SetFields(in.fields)
	in.fieldsMu.Unlock()
	in.configure(r, flagged)
	return r
}

// configure gives a rollup its loader of cold months and its budget.
func (in *Ingester) configure(r *rollup.Rollup, flagged bool) {
	r.SetLoader(func(ctx context.Context, m rollup.Month) ([]rollup.Day, error) {
		in.segmentsMu.Lock()
		ref, ok := in.segments[segmentKey{flagged, m}]
		in.segmentsMu.Unlock()
		if !ok {
			return nil, fmt.Errorf("no segment of month %s", m)
		}
		t0 := time.Now()
		days, err := in.readSegment(ctx, ref)
		if errors.Is(err, errSegmentCount) {
			// Not a failed read: the persisted rollups contradict their
			// state, and only a rebuild can say what is right.
			if fctx, done, ferr := in.fenced(ctx); ferr == nil { // a write from a query: only while the owner
				in.taint(fctx, "a month of the rollups does not add up", err)
				done()
			} else {
				in.tainted.Store(true) // no checkpoint; the state is the new owner's
			}
			return nil, err
		}
		if err != nil {
			in.log.Error("load a month of the rollups on first use; the answer leaves it out", "month", m.String(), "flagged", flagged, "err", err)
			return nil, err
		}
		in.log.Info("month of the rollups loaded on first use", "month", m.String(), "flagged", flagged, "days", len(days),
			"took", time.Since(t0).Round(time.Millisecond))
		return days, nil
	})
	r.SetSummaryLoader(in.summaryLoader(flagged))
	r.SetBudget(in.budget)
}

// setSegments replaces the segment of each month, with persistMu held.
func (in *Ingester) setSegments(segments map[segmentKey]segmentRef) {
	in.segmentsMu.Lock()
	in.segments = segments
	in.segmentsMu.Unlock()
}

// SetFields replaces the field of each procedure (code to field name) while
// the aggregator runs, after a procedure import: queries by field use the
// new catalogue from now on.
func (in *Ingester) SetFields(fieldOf map[string]string) {
	in.fieldsMu.Lock()
	defer in.fieldsMu.Unlock()
	in.fields = fieldOf
	in.rollup.Load().SetFields(fieldOf)
	in.flagged.Load().SetFields(fieldOf)
}

// Known reports whether the rating id is stored, from the duplicate memory
// only (never the database): false does not mean it is not stored. For a
// dossier's rating (an id of qrtoken.DossierRatingID) it tells when the
// rating was given, so that a second link for the dossier can say when it
// was rated; the zero time when the memory does not hold it.
func (in *Ingester) Known(id string) (at time.Time, ok bool) {
	return in.seen.Known(id)
}

// Duplicates returns the duplicate memory, whose Filled tells when a fill
// from the stored ratings begun at Start is done.
func (in *Ingester) Duplicates() *seen.Memory { return in.seen }

// Rollup returns the in-memory rollups that queries read.
func (in *Ingester) Rollup() *rollup.Rollup { return in.rollup.Load() }

// Flagged returns the in-memory rollups of flagged ratings: kept, left out
// of the measures unless asked for.
func (in *Ingester) Flagged() *rollup.Rollup { return in.flagged.Load() }

// Ingest stores ratings uploaded by a kiosk, and answers for each one.
// offset is how far the kiosk's clock is behind the aggregator's (the time
// the upload was received less the time the kiosk says it sent it), by
// which the ratings' times are judged; 0 when the kiosk did not say. An
// error means nothing can be said of the batch; it is safe to send it again.
func (in *Ingester) Ingest(ctx context.Context, kiosk hailong.Enrolment, offset time.Duration, ratings []hailong.Rating) ([]syncapi.Result, error) {
	now := in.now()
	return in.ingest(ctx, ratings, func(r *hailong.Rating) (hard, soft []hailong.FieldError) {
		hard, soft = checkOrigin(r, kiosk)
		return append(hard, in.checkKioskTime(r, kiosk, offset, now)...), soft
	})
}

// Import stores ratings of any channel and unit, with every other check of
// Ingest but those of the kiosk's clock and enrolment: for bulk loads such
// as a migration or a synthetic province. Their times must be between
// Earliest and now, give or take the tolerance.
func (in *Ingester) Import(ctx context.Context, ratings []hailong.Rating) ([]syncapi.Result, error) {
	now := in.now()
	return in.ingest(ctx, ratings, func(r *hailong.Rating) (hard, soft []hailong.FieldError) {
		if !r.At.IsZero() && r.At.After(now.Add(in.tolerance)) {
			hard = append(hard, hailong.FieldError{Field: "at", Message: fmt.Sprintf("%s is in the future", r.At.UTC().Format(time.RFC3339))})
		}
		return append(hard, checkEarliest(r)...), nil
	})
}

// IngestQR stores one rating given through a QR link, whose token the
// caller has verified and whose time the aggregator gave. Its id decides
// single use: a second rating with the same id is a duplicate (same
// content) or a conflict, and is not stored.
func (in *Ingester) IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error) {
	res, err := in.ingest(ctx, []hailong.Rating{r}, func(r *hailong.Rating) (hard, soft []hailong.FieldError) {
		if r.Channel != hailong.ChannelQR {
			hard = append(hard, hailong.FieldError{Field: "channel", Message: "must be qr"})
		}
		return hard, nil
	})
	if err != nil {
		return syncapi.Result{}, err
	}
	return res[0], nil
}

// judge checks a rating beyond its own validity: hard problems reject it,
// soft ones (not the rating's fault, and that may go away) defer it.
type judge func(r *hailong.Rating) (hard, soft []hailong.FieldError)

// validate checks a rating in itself and by judge. A questionnaire version
// the catalog does not know is soft: a kiosk upgraded before the aggregator
// sends them. Its answers cannot be checked then, but every problem that
// does not depend on the questionnaire is still hard.
func (in *Ingester) validate(r *hailong.Rating, j judge) (*hailong.Questionnaire, syncapi.Status, string, []string) {
	q, err := r.Validate(in.catalog)
	var hard, soft []hailong.FieldError
	if err != nil {
		_, known := in.catalog.Version(r.Questionnaire, r.Version)
		unknown := !known && r.Version >= 1 && hailong.CheckRef(r.Questionnaire) == nil
		for _, f := range hailong.ErrorFields(err) {
			if unknown && f.Field == "questionnaire" {
				soft = append(soft, f)
			} else {
				hard = append(hard, f)
			}
		}
		if len(hard) == 0 && len(soft) == 0 { // an error without fields
			return nil, syncapi.Rejected, reason(err), nil
		}
	}
	h, s := j(r)
	hard, soft = append(hard, h...), append(soft, s...)
	switch {
	case len(hard) > 0:
		all := append(hard, soft...)
		return nil, syncapi.Rejected, reason(hailong.Invalid("The rating is not valid.", all...)), fieldNames(all)
	case len(soft) > 0:
		return nil, syncapi.Deferred, reason(hailong.Invalid("The aggregator cannot take the rating yet.", soft...)), fieldNames(soft)
	}
	return q, "", "", nil
}

// fieldNames are the names of the fields at fault, sorted and once each:
// the stable part of a refusal, by which kiosks group refused ratings,
// where the reason's text quotes the rating's own values.
func fieldNames(fields []hailong.FieldError) []string {
	var names []string
	for _, f := range fields {
		names = append(names, f.Field)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (in *Ingester) ingest(ctx context.Context, ratings []hailong.Rating, j judge) ([]syncapi.Result, error) {
	// Close waits for ingests under way, so that it never marks the rollups
	// clean while a stored rating is not yet counted.
	in.gate.RLock()
	defer in.gate.RUnlock()
	if in.closed {
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "The aggregator is shutting down; send the ratings again later.")
	}
	results := make([]syncapi.Result, len(ratings))
	var (
		batch   []hailong.Rating
		digests [][32]byte
		facts   []rollup.Fact
		notes   []*comments.Comment
		pos     []int                   // index in ratings of each batch entry
		first   = map[string]bool{}     // ids seen in this upload
		later   []int                   // repeats of an id within this upload
		digest  = map[int][32]byte{}    // digest of each repeat
		stored  = map[string][32]byte{} // what the database holds, once known
	)
	for i := range ratings {
		r := &ratings[i]
		results[i].ID = r.ID
		q, status, why, fields := in.validate(r, j)
		if status != "" {
			results[i].Status, results[i].Reason, results[i].Fields = status, why, fields
			continue
		}
		if prev, ok := in.legacyDossierRating(r); ok {
			results[i].Status = sameOrConflict(prev, r.Digest())
			continue
		}
		d := r.Digest()
		if first[r.ID] {
			later, digest[i] = append(later, i), d
			continue
		}
		first[r.ID] = true
		// An id with an insert of unknown outcome goes to the database,
		// which tells whether that insert stored it.
		if prev, ok := in.seen.Get(r.ID); ok && !in.claims.has(r.ID) {
			stored[r.ID] = prev
			results[i].Status = sameOrConflict(prev, d)
			continue
		}
		f, _ := rollup.FactOf(r, q) // validation guarantees a headline answer
		var note *comments.Comment
		if c, ok := comments.Of(r, q); ok {
			note = &c
		}
		batch, digests, facts, notes, pos = append(batch, *r), append(digests, d), append(facts, f), append(notes, note), append(pos, i)
	}
	if len(batch) > 0 {
		// The batch is claimed before it is inserted, under a time of
		// receipt no other insert has: if the insert fails, or its answer is
		// lost, whoever later finds one of these ratings stored with that
		// time counts it, once.
		stamp := in.claims.add(in.now(), batch, digests, facts, notes)
		// The claim is told in the journal first: a crash during the
		// insert leaves it to be claimed again at the next start.
		if err := in.store.AppendClaim(ctx, in.journal.Load(), Claim{Stamp: stamp, Ratings: batch, Digests: digests}); err != nil {
			for j := range batch {
				in.claims.drop(batch[j].ID, stamp)
			}
			return nil, err
		}
		dups, err := in.store.InsertRatings(ctx, batch, digests, stamp)
		if err != nil {
			return nil, err
		}
		isDup := make(map[int]bool, len(dups))
		var dupIDs []string
		for _, j := range dups {
			isDup[j] = true
			dupIDs = append(dupIDs, batch[j].ID)
			in.claims.drop(batch[j].ID, stamp) // stored by another insert
		}
		var added []attempt
		entries := make([]seen.Entry, 0, len(batch)-len(dups))
		for j := range batch {
			if !isDup[j] {
				if a, ok := in.claims.settle(batch[j].ID, stamp, digests[j]); ok {
					added = append(added, a)
				} // else it was found stored and counted while being inserted
				entries = append(entries, seen.Entry{ID: batch[j].ID, Digest: digests[j], Received: stamp, At: batch[j].At})
				stored[batch[j].ID] = digests[j]
				results[pos[j]].Status = syncapi.Accepted
			}
		}
		// Count what is stored before anything else can fail, and tell
		// the journal before answering: without the done, a start after
		// a crash claims the batch again and counts it by its receipts.
		in.count(ctx, added)
		in.seen.Stored(entries) // only now: an index entry says the rating is stored
		if err := in.writeDone(ctx, stamp, added); err != nil {
			return nil, err
		}
		if len(dupIDs) > 0 {
			got, err := in.receipts(ctx, dupIDs)
			if err != nil {
				return nil, err
			}
			for _, j := range dups {
				prev, ok := got[batch[j].ID]
				if !ok {
					return nil, errors.New("a rating reported as already stored could not be found")
				}
				stored[batch[j].ID] = prev
				results[pos[j]].Status = sameOrConflict(prev, digests[j])
			}
		}
	}
	// A repeat is judged against what is stored, like any re-sent rating.
	for _, i := range later {
		if sd, ok := stored[ratings[i].ID]; ok {
			results[i].Status = sameOrConflict(sd, digest[i])
		}
	}
	return fillReasons(results), nil
}

// receipts reads what is stored of ids (from the duplicate memory's index,
// else the database), settles their claims, counting a rating whose claimed
// insert stored it, and remembers their digests. Ids not stored are missing
// from the answer.
func (in *Ingester) receipts(ctx context.Context, ids []string) (map[string][32]byte, error) {
	got := make(map[string][32]byte, len(ids))
	var added []attempt
	var err error
	for start := 0; start < len(ids) && err == nil; start += syncapi.MaxBatch { // at Close, claims of many failed uploads
		err = in.seen.Receipts(ctx, ids[start:min(start+syncapi.MaxBatch, len(ids))], func(id string, d [32]byte, received, _ time.Time) {
			got[id] = d
			if a, ok := in.claims.settle(id, received, d); ok {
				added = append(added, a)
			}
		})
	}
	in.count(ctx, added) // even after an error: they are settled
	if len(added) > 0 {
		if derr := in.writeDone(ctx, time.Time{}, added); derr != nil {
			err = errors.Join(err, derr) // the next start settles them again, once
		}
	}
	return got, err
}

// count adds newly stored ratings to the rollups and the comments, and
// flags their dossiers.
func (in *Ingester) count(ctx context.Context, added []attempt) {
	if len(added) == 0 {
		return
	}
	facts := make([]rollup.Fact, 0, len(added))
	var flagged []rollup.Fact
	var notes []comments.Comment
	for _, a := range added {
		if a.fact.Flagged {
			flagged = append(flagged, a.fact)
		} else {
			facts = append(facts, a.fact)
		}
		if a.comment != nil {
			notes = append(notes, *a.comment)
		}
	}
	in.Rollup().Add(facts...)
	if len(flagged) > 0 {
		in.Flagged().Add(flagged...)
	}
	in.Comments().Add(notes...)
	if len(notes) > 0 {
		// A comment not written is still in memory (its month is not
		// dropped until told Stored); the next start rebuilds the
		// collections from the ratings.
		if err := in.store.InsertComments(ctx, notes); err != nil {
			in.taint(ctx, "store comments", err)
		} else {
			in.Comments().Stored(notes...)
		}
	}
	in.flagUnhappy(ctx, facts)
	in.counted(len(added))
	if in.onStored != nil {
		stored := make([]Stored, len(added))
		for i, a := range added {
			stored[i] = Stored{Rating: a.rating, Fact: a.fact}
		}
		in.onStored(stored)
	}
}

// flagUnhappy records the dossiers of newly stored ratings that say "not
// satisfied": Decision 766 subtracts such a dossier. Flags that could not
// be written are written with the next ones, or at Close.
func (in *Ingester) flagUnhappy(ctx context.Context, facts []rollup.Fact) {
	var dossiers []string
	for _, f := range facts {
		if f.Dissatisfied && f.Dossier != "" {
			dossiers = append(dossiers, f.Dossier)
		}
	}
	if len(dossiers) == 0 {
		return
	}
	if err := in.writeFlags(ctx, dossiers); err != nil {
		in.log.Error("record dissatisfied dossiers; they are written again with the next ones", "err", err)
	}
	in.unhappyMu.Lock()
	fn := in.onUnhappy
	if fn == nil {
		in.unhappyEarly = append(in.unhappyEarly, dossiers...)
	}
	in.unhappyMu.Unlock()
	if fn != nil {
		fn(dossiers)
	}
}

// writeFlags writes the flags of dossiers and of any that failed before.
func (in *Ingester) writeFlags(ctx context.Context, dossiers []string) error {
	in.flagsMu.Lock()
	defer in.flagsMu.Unlock()
	all := append(in.unflagged, dossiers...)
	if len(all) == 0 {
		return nil
	}
	if err := in.store.AddDossierFlags(ctx, all); err != nil {
		in.unflagged = all
		return err
	}
	in.unflagged = nil
	return nil
}

// legacyDossierRating keeps a dossier's rating to one id across versions.
// Earlier versions made a dossier's rating id from its code as typed
// (qrtoken.LegacyDossierRatingID); this one from the code in normal form
// (qrtoken.DossierRatingID). The two differ for a code typed in lower case
// or with another dash. A rating of such a code already stored under the
// earlier id (before the upgrade) is returned, whichever id the new one
// carries, for the caller to answer duplicate or conflict. Otherwise a
// rating carrying the earlier id (a kiosk not upgraded yet, or one
// re-sending what it queued before) is stored under the dossier's one id
// from now on: two ratings of the dossier, by an old kiosk and a phone,
// then meet at the database's unique _id, as they did before codes were
// normalised, rather than both being stored. The answer keeps the id the
// kiosk sent. It asks the duplicate memory, which holds every stored id.
func (in *Ingester) legacyDossierRating(r *hailong.Rating) ([32]byte, bool) {
	if r.Dossier == "" || !qrtoken.IsRatingID(r.ID) {
		return [32]byte{}, false
	}
	one, legacy := qrtoken.DossierRatingID(r.Unit, r.Dossier), qrtoken.LegacyDossierRatingID(r.Unit, r.Dossier)
	if legacy == one {
		return [32]byte{}, false
	}
	if prev, ok := in.seen.Get(legacy); ok {
		return prev, true
	}
	r.ID = one
	return [32]byte{}, false
}

func sameOrConflict(stored, got [32]byte) syncapi.Status {
	if stored == got {
		return syncapi.Duplicate
	}
	return syncapi.Conflict
}

func fillReasons(results []syncapi.Result) []syncapi.Result {
	for i := range results {
		if results[i].Status == syncapi.Conflict {
			results[i].Reason = "a rating with this id and other content is already stored"
			if qrtoken.IsRatingID(results[i].ID) {
				results[i].Reason = "the dossier has already been rated (by its QR link or at its counter): a dossier is rated once"
			}
			results[i].Fields = []string{"id"}
		}
	}
	return results
}

// checkOrigin holds a kiosk to its own unit, name, channel and ids. A unit
// other than the kiosk's enrolment is soft: the kiosk is configured wrong,
// which its operator can mend, and its ratings wait until then.
func checkOrigin(r *hailong.Rating, k hailong.Enrolment) (hard, soft []hailong.FieldError) {
	if r.Unit != k.Unit {
		soft = append(soft, hailong.FieldError{Field: "unit", Message: fmt.Sprintf("kiosk %s is enrolled for unit %s, not %s", k.ID, k.Unit, r.Unit)})
	}
	if r.Kiosk != k.ID {
		hard = append(hard, hailong.FieldError{Field: "kiosk", Message: fmt.Sprintf("the rating names kiosk %q but was uploaded by %s", r.Kiosk, k.ID)})
	}
	if r.Channel != hailong.ChannelKiosk {
		hard = append(hard, hailong.FieldError{Field: "channel", Message: "kiosks upload kiosk ratings only"})
	}
	// A UUID of version 8 is a dossier's one rating id: a kiosk rating
	// may take it only for its own dossier (bound at the counter), so that
	// nobody takes a citizen's link by rating under another id.
	if qrtoken.IsRatingID(r.ID) && !qrtoken.IsDossierRatingID(r.ID, r.Unit, r.Dossier) {
		hard = append(hard, hailong.FieldError{Field: "id", Message: "a UUID of version 8 is the id of a dossier's one rating: a kiosk rating takes it only for its own dossier"})
	}
	return hard, soft
}

// checkKioskTime refuses a kiosk rating from the future or from before the
// kiosk was enrolled, give or take the tolerance: by the kiosk's clock
// corrected by its offset (so a rating from after the upload was sent is
// refused), and by the aggregator's clock within a day (so a kiosk's clock
// off by more cannot put ratings on days far from when they were given).
func (in *Ingester) checkKioskTime(r *hailong.Rating, k hailong.Enrolment, offset time.Duration, now time.Time) []hailong.FieldError {
	if r.At.IsZero() {
		return nil // Validate says so
	}
	at, corrected := r.At.UTC().Format(time.RFC3339), r.At.Add(offset)
	latest, enrolled := now.Add(in.tolerance), k.Created.Add(-in.tolerance)
	switch {
	case corrected.After(latest):
		return []hailong.FieldError{{Field: "at", Message: fmt.Sprintf("%s is in the future: after the upload was sent, by the kiosk's own clock", at)}}
	case r.At.After(latest.Add(maxTrustedOffset)):
		return []hailong.FieldError{{Field: "at", Message: fmt.Sprintf("%s is more than a day ahead of the aggregator's clock", at)}}
	case !k.Created.IsZero() && (corrected.Before(enrolled) || r.At.Before(enrolled.Add(-maxTrustedOffset))):
		created := k.Created.UTC().Format(time.RFC3339)
		if corrected.Before(enrolled) && offset.Abs() >= time.Second {
			// By its own clock the rating may look later than the
			// enrolment: say the time it was compared at.
			return []hailong.FieldError{{Field: "at", Message: fmt.Sprintf("%s by the kiosk's clock, which is %s off the aggregator's, is %s by the aggregator's: before kiosk %s was enrolled (%s)",
				at, offset.Abs().Round(time.Second), corrected.UTC().Format(time.RFC3339), k.ID, created)}}
		}
		return []hailong.FieldError{{Field: "at", Message: fmt.Sprintf("%s is before kiosk %s was enrolled (%s)", at, k.ID, created)}}
	}
	return checkEarliest(r)
}

func checkEarliest(r *hailong.Rating) []hailong.FieldError {
	if !r.At.IsZero() && r.At.Before(Earliest) {
		return []hailong.FieldError{{Field: "at", Message: fmt.Sprintf("%s is before %s", r.At.UTC().Format(time.RFC3339), Earliest.Format(time.DateOnly))}}
	}
	return nil
}

func reason(err error) string {
	msg := hailong.ErrorMessage(err)
	for _, f := range hailong.ErrorFields(err) {
		msg += " " + f.Field + ": " + f.Message + "."
	}
	return msg
}

// claims are inserts whose outcome is not known: under way, or failed
// (perhaps after storing some of their ratings, or with the answer lost).
// Each insert stores its ratings under a time of receipt no other insert
// of this process has, so a rating found stored tells which insert stored
// it. The first to learn it settles the rating's claims and counts it if
// the insert was one of them: the insert itself on success, or the
// look-up of a rating re-sent and found already stored.
type claims struct {
	mu   sync.Mutex
	m    map[string][]attempt
	last time.Time // the latest stamp given
}

// attempt is one insert of a rating.
type attempt struct {
	rating  *hailong.Rating
	stamp   time.Time
	digest  [32]byte
	fact    rollup.Fact
	comment *comments.Comment // nil without one
}

func newClaims() *claims { return &claims{m: map[string][]attempt{}} }

// add claims the ratings for an insert and returns its unique stamp: now
// to the millisecond the database keeps, later than any before.
func (c *claims) add(now time.Time, rs []hailong.Rating, digests [][32]byte, facts []rollup.Fact, notes []*comments.Comment) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	stamp := now.UTC().Truncate(time.Millisecond)
	if !stamp.After(c.last) {
		stamp = c.last.Add(time.Millisecond)
	}
	c.last = stamp
	for i := range rs {
		c.m[rs[i].ID] = append(c.m[rs[i].ID], attempt{&rs[i], stamp, digests[i], facts[i], notes[i]})
	}
	return stamp
}

func (c *claims) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m[id]) > 0
}

// drop forgets the attempt of one insert: it did not store the rating.
func (c *claims) drop(id string, stamp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	as := slices.DeleteFunc(c.m[id], func(a attempt) bool { return a.stamp.Equal(stamp) })
	if len(as) == 0 {
		delete(c.m, id)
	} else {
		c.m[id] = as
	}
}

// settle learns that rating id is stored with the digest d, received at
// stamp: every claim on it is settled, and the attempt to count is
// returned if one of them stored it.
func (c *claims) settle(id string, stamp time.Time, d [32]byte) (attempt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	as := c.m[id]
	delete(c.m, id)
	for _, a := range as {
		if a.stamp.Equal(stamp) && a.digest == d {
			return a, true
		}
	}
	return attempt{}, false
}

// ids returns the claimed ids.
func (c *claims) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Keys(c.m))
}

func (c *claims) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
