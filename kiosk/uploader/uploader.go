// Package uploader is a kiosk node's link to the aggregator. It forwards
// the node's queued ratings in batches, retrying with capped exponential
// backoff while the network or the aggregator is down, or after the wait an
// aggregator asks for with Retry-After (a standby, an overloaded one), capped
// at MaxRetryAfter; every upload is idempotent, so a batch whose answer was lost is simply sent again. It
// reports the node's health with every upload and by a heartbeat when idle,
// and reads the configuration the aggregator publishes (enrolment,
// questionnaires), checking the node's unit against the enrolment.
package uploader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hailong"
	"hailong/syncapi"
)

// Outbox is what the uploader needs of the kiosk's store.
type Outbox interface {
	// PendingAfter returns up to limit queued ratings whose queue
	// sequence is greater than after, oldest first, and their sequences.
	PendingAfter(after uint64, limit int) ([]hailong.Rating, []uint64, error)
	Settle(results []syncapi.Result, at time.Time) error
}

// Config configures an uploader.
type Config struct {
	Outbox     Outbox
	Aggregator string // base URL, e.g. https://hailong.example.gov.vn
	Credential syncapi.Credential
	Client     *http.Client
	// Unit is the unit the node is configured with (-unit), checked against
	// the enrolment the aggregator publishes.
	Unit       string
	Batch      int           // ratings per upload; default 200
	MinBackoff time.Duration // default 1s
	MaxBackoff time.Duration // default 5m
	// MaxRetryAfter caps the wait an aggregator asks for with Retry-After
	// (a standby's or an overloaded aggregator's 503, a 429), which the
	// uploader keeps instead of its own backoff; default 10m.
	MaxRetryAfter time.Duration
	Idle          time.Duration // how often to send a heartbeat when idle; default 30s
	// ConfigEvery is how often to read the published configuration; default
	// 1h. It is also read at start and whenever an upload is deferred.
	ConfigEvery time.Duration
	// Health reports the node's state (queue, disk, …) for the health
	// report sent with every upload and heartbeat; the uploader adds its
	// clock and its own problems. Optional.
	Health func() syncapi.Health
	// OnConfig is called with every configuration read from the aggregator
	// before the uploader takes it as current, to cache it and to offer its
	// questionnaires. Optional.
	OnConfig func(syncapi.Config)
	Logger   *slog.Logger
}

// Uploader is the background job that empties the outbox.
type Uploader struct {
	Config
	client    *syncapi.Client
	kick      chan struct{}
	refresh   chan struct{}
	reachable atomic.Int32 // 0 unknown, 1 reachable, 2 unreachable
	batch     atomic.Int32 // current batch size: halved when an upload is too large or too slow
	streak    int          // uploads that worked since the batch size last changed; Run's goroutine only
	last      atomic.Pointer[attempt]
	offset    atomic.Pointer[time.Duration]
	aggClock  atomic.Pointer[time.Time] // the latest aggregator clock seen

	mu sync.Mutex
	// The uploader walks the queue past ratings the aggregator deferred,
	// so that they never hold up newer ones, however many they are: cursor
	// is the queue sequence of the last rating sent that stayed queued (0:
	// the walk starts at the head). Only that number is held, never the
	// deferred ratings' ids, so memory stays the same for ten deferred
	// ratings or a million. When a walk reaches the end of the queue with
	// ratings deferred behind the cursor, rewindAt is when the walk goes
	// back to the head to offer them again, after a backoff that grows
	// with each such round (rounds); new ratings, after the cursor, go at
	// once meanwhile. walkDeferred counts the deferrals of the walk under
	// way.
	cursor       uint64
	rewindAt     time.Time
	rounds       int
	walkDeferred int
	// config is the configuration in force; problem the unit check's
	// finding on it, logged when it changes.
	config  *syncapi.Config
	problem string
}

type attempt struct {
	at  time.Time
	err string
}

// ErrDeferred is wrapped by SyncOnce's error when the aggregator deferred
// every rating of a batch and settled none: they stay queued, behind the
// uploader's walk, and are offered again after a backoff.
var ErrDeferred = errors.New("the aggregator deferred the ratings")

// errWalkOn wraps ErrDeferred when more ratings are queued after a wholly
// deferred batch: Run sends the next batch at once, without a backoff.
var errWalkOn = fmt.Errorf("%w; more are queued after them", ErrDeferred)

// New returns an uploader with defaults filled in.
func New(u Config) *Uploader {
	if u.Client == nil {
		u.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if u.Batch <= 0 {
		u.Batch = 200
	}
	if u.MinBackoff <= 0 {
		u.MinBackoff = time.Second
	}
	if u.MaxBackoff <= 0 {
		u.MaxBackoff = 5 * time.Minute
	}
	if u.MaxRetryAfter <= 0 {
		u.MaxRetryAfter = 10 * time.Minute
	}
	if u.Idle <= 0 {
		u.Idle = 30 * time.Second
	}
	if u.ConfigEvery <= 0 {
		u.ConfigEvery = time.Hour
	}
	if u.Logger == nil {
		u.Logger = slog.Default()
	}
	u.Aggregator = strings.TrimRight(u.Aggregator, "/")
	up := &Uploader{
		Config: u,
		client: &syncapi.Client{BaseURL: u.Aggregator, Credential: u.Credential, HTTP: u.Client},
		kick:   make(chan struct{}, 1), refresh: make(chan struct{}, 1),
	}
	up.batch.Store(int32(u.Batch))
	return up
}

// Kick tells the uploader a rating is waiting. It never blocks.
func (u *Uploader) Kick() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// Reachable reports whether the last contact with the aggregator worked;
// ok is false before the first contact.
func (u *Uploader) Reachable() (reachable, ok bool) {
	switch u.reachable.Load() {
	case 1:
		return true, true
	case 2:
		return false, true
	default:
		return false, false
	}
}

// LastAttempt returns when the uploader last tried to upload and the error
// it met, if any; a zero time before the first attempt.
func (u *Uploader) LastAttempt() (time.Time, string) {
	if a := u.last.Load(); a != nil {
		return a.at, a.err
	}
	return time.Time{}, ""
}

// ClockOffset returns the node's clock minus the aggregator's as last
// measured, and false before the first measure.
func (u *Uploader) ClockOffset() (time.Duration, bool) {
	if d := u.offset.Load(); d != nil {
		return *d, true
	}
	return 0, false
}

// AggregatorClock returns the latest time the aggregator's clock was seen
// to show (a heartbeat's answer, a published configuration, the cached one
// at start), and false before any. The node's clock is never plausibly
// before it.
func (u *Uploader) AggregatorClock() (time.Time, bool) {
	if t := u.aggClock.Load(); t != nil {
		return *t, true
	}
	return time.Time{}, false
}

func (u *Uploader) sawClock(t time.Time) {
	for !t.IsZero() {
		old := u.aggClock.Load()
		if old != nil && !t.After(*old) || u.aggClock.CompareAndSwap(old, &t) {
			return
		}
	}
}

// Problems lists what an operator must fix for this node's ratings to
// count, such as a unit that does not match the enrolment.
func (u *Uploader) Problems() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.problem == "" {
		return nil
	}
	return []string{u.problem}
}

// SetConfig takes c as the configuration in force (the cached copy at
// start, then each one read from the aggregator) and checks the node's unit
// against its enrolment. A mismatch is logged once, when it appears.
func (u *Uploader) SetConfig(c syncapi.Config) {
	u.sawClock(c.Clock)
	problem := ""
	if c.Unit != "" && u.Unit != "" && c.Unit != u.Unit {
		problem = fmt.Sprintf("unit mismatch: this node is configured with -unit %[1]s, but kiosk %[2]s is enrolled at the aggregator for unit %[3]s; "+
			"its ratings stay queued on this node until the two agree. If the node is at %[3]s, set -unit %[3]s, stop the node and run "+
			"'kiosk reassign -unit %[3]s -from %[1]s' for the ratings already recorded under %[1]s; if it is at %[1]s, enrol it for %[1]s at the aggregator",
			u.Unit, c.Kiosk, c.Unit)
	}
	u.mu.Lock()
	changed := problem != u.problem
	if old := u.config; changed || old != nil && !sameConfig(*old, c) {
		// Deferred ratings may be taken now: offer them again at once.
		u.rewind()
		defer u.Kick()
	}
	u.config, u.problem = &c, problem
	u.mu.Unlock()
	switch {
	case changed && problem != "":
		u.Logger.Error("the node's unit does not match its enrolment", "unit", u.Unit, "enrolled_unit", c.Unit, "kiosk", c.Kiosk)
	case changed:
		u.Logger.Info("the node's unit matches its enrolment again", "unit", u.Unit)
	}
}

// sameConfig reports whether two configurations would have the aggregator
// take or defer the same ratings: the same enrolment and questionnaires.
func sameConfig(a, b syncapi.Config) bool {
	if a.Kiosk != b.Kiosk || a.Unit != b.Unit || len(a.Questionnaires) != len(b.Questionnaires) {
		return false
	}
	for i := range a.Questionnaires {
		if !bytes.Equal(a.Questionnaires[i], b.Questionnaires[i]) {
			return false
		}
	}
	return true
}

func (u *Uploader) record(err error) {
	a := &attempt{at: time.Now()}
	if err != nil {
		a.err = err.Error()
		u.reachable.Store(2)
		if errors.Is(err, ErrDeferred) {
			u.reachable.Store(1) // it answered
		}
	} else {
		u.reachable.Store(1)
	}
	u.last.Store(a)
}

// Run uploads and keeps the configuration fresh until ctx ends.
func (u *Uploader) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		u.configLoop(ctx)
	}()
	defer wg.Wait()
	failures := 0
	for {
		n, err := u.SyncOnce(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errWalkOn):
			failures = 0
			continue // walk on past the deferred batch
		case errors.Is(err, ErrDeferred):
			// The walk reached the end of the queue: the deferred ratings
			// are offered again at rewindAt; a new rating (Kick) goes at
			// once.
			failures = 0
			wait = max(u.untilRewind(), 0)
			u.Logger.Warn("ratings deferred by the aggregator stay queued; will offer them again", "err", err, "retry_in", wait.Round(time.Millisecond))
		case err != nil:
			if asked, ok := u.retryAfter(err); ok {
				// The aggregator answers and says when to come back: its
				// word, not a failure count, sets the wait.
				wait = asked
				u.Logger.Warn("upload refused for now; the aggregator asked to wait (Retry-After)", "err", err, "retry_in", wait.Round(time.Millisecond))
				break
			}
			failures++
			wait = u.backoff(failures)
			u.Logger.Warn("upload failed; will retry", "err", err, "retry_in", wait.Round(time.Millisecond))
		case n > 0:
			failures = 0
			continue // more may be queued
		default:
			failures = 0
			wait = u.Idle
			if r := u.untilRewind(); r > 0 && r < wait {
				wait = r
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-u.kick:
			if err == nil || errors.Is(err, ErrDeferred) {
				// The aggregator answers: a new rating goes at once,
				// past the deferred ones.
				timer.Stop()
				break
			}
			// A new rating does not make a failing aggregator work again:
			// keep to the backoff.
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
		}
	}
}

// backoff is capped exponential backoff with full jitter, so that a fleet of
// kiosks coming back online does not reconnect in step.
func (u *Uploader) backoff(failures int) time.Duration {
	d := u.MinBackoff << min(failures-1, 20)
	if d <= 0 || d > u.MaxBackoff {
		d = u.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter returns the wait before the next attempt that the answer in
// err asked for (Retry-After), capped at MaxRetryAfter and lengthened by up
// to a tenth at random, so that a fleet told the same time by a standby
// does not come back in step; false when it asked none.
func (u *Uploader) retryAfter(err error) (time.Duration, bool) {
	asked, ok := syncapi.RetryAfter(err)
	if !ok {
		return 0, false
	}
	asked = min(asked, u.MaxRetryAfter)
	return asked + rand.N(asked/10+1), true
}

// SyncOnce uploads one batch and returns how many ratings left the queue.
// With nothing queued it sends a heartbeat. Every attempt is recorded for
// LastAttempt, whatever it fails on.
func (u *Uploader) SyncOnce(ctx context.Context) (n int, err error) {
	defer func() { u.record(err) }()
	size := int(u.batch.Load())
	after := u.position(time.Now())
	batch, seqs, err := u.Outbox.PendingAfter(after, size)
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	if len(batch) == 0 {
		if after > 0 {
			// The last batch ended exactly at the end of the queue.
			u.advance(after, 0, true, time.Now())
		}
		return 0, u.heartbeat(ctx)
	}
	now := time.Now()
	health := u.health(now)
	res, err := u.client.Sync(ctx, syncapi.Request{Ratings: batch, SentAt: &now, Health: &health})
	if errors.Is(err, syncapi.ErrTooLarge) && size > 1 {
		u.batch.Store(int32(size / 2))
		u.streak = 0
	}
	if err != nil {
		return 0, err
	}
	// Grow a reduced batch back slowly, so that one oversized rating does
	// not make every other upload fail first.
	if u.streak++; size < u.Batch && u.streak >= 10 {
		u.batch.Store(int32(min(size*2, u.Batch)))
		u.streak = 0
	}
	sent := make(map[string]bool, len(batch))
	for _, r := range batch {
		sent[r.ID] = true
	}
	var settle []syncapi.Result
	var deferred []syncapi.Result
	for _, r := range res.Results {
		switch {
		case !sent[r.ID]:
			// Not ours: ignore it, and let the rating stay queued.
		case r.Status.Settled():
			settle = append(settle, r)
		case r.Status.Final():
			u.Logger.Error("aggregator refused a rating; kept in the failed list", "id", r.ID, "status", r.Status, "reason", r.Reason)
			settle = append(settle, r)
		case r.Status == syncapi.Deferred:
			deferred = append(deferred, r)
		default:
			// A status this version does not know: keep the rating queued
			// rather than decide its fate.
			u.Logger.Warn("unknown upload status; rating stays queued", "id", r.ID, "status", r.Status)
			deferred = append(deferred, r)
		}
	}
	if len(deferred) > 0 {
		// The aggregator may know what this node does not: a new
		// enrolment, other questionnaire versions.
		u.RefreshConfig()
	}
	if len(settle) > 0 {
		if err := u.Outbox.Settle(settle, time.Now()); err != nil {
			return 0, fmt.Errorf("settle outbox: %w", err)
		}
	}
	if len(settle) == 0 && len(deferred) == 0 {
		return 0, errors.New("the aggregator's answer settled none of the ratings sent")
	}
	// What was sent is settled or stays queued behind the cursor.
	end := u.advance(seqs[len(seqs)-1], len(deferred), len(batch) < size, time.Now())
	switch {
	case len(settle) > 0:
		return len(settle), nil
	case end:
		return 0, u.deferredError(deferred)
	default:
		return 0, fmt.Errorf("%w: %w", errWalkOn, u.deferredError(deferred))
	}
}

// position returns the queue sequence the next batch starts after: the
// cursor, or the head once the backoff of the deferred ratings is over.
func (u *Uploader) position(now time.Time) uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cursor > 0 && !u.rewindAt.IsZero() && !now.Before(u.rewindAt) {
		u.cursor, u.rewindAt, u.walkDeferred = 0, time.Time{}, 0
	}
	return u.cursor
}

// rewind starts the next walk at the head, at once and with the backoff
// reset; u.mu is held.
func (u *Uploader) rewind() {
	u.cursor, u.rewindAt, u.walkDeferred, u.rounds = 0, time.Time{}, 0, 0
}

// advance moves the cursor past a batch that ended at queue sequence last,
// of which deferred ratings stay queued, and reports whether the walk
// reached the end of the queue. There, if anything was deferred on the
// way, the walk goes back to the head after a backoff; if nothing was, no
// rating waits behind the cursor and the next walk starts at the head.
func (u *Uploader) advance(last uint64, deferred int, end bool, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.cursor = last
	u.walkDeferred += deferred
	if !end {
		return false
	}
	switch {
	case u.walkDeferred == 0:
		u.cursor, u.rounds, u.rewindAt = 0, 0, time.Time{}
	case u.rewindAt.IsZero():
		// Once per walk: new ratings sent after the end do not push the
		// deferred ones' turn further away.
		u.rounds++
		u.rewindAt = now.Add(u.backoff(u.rounds))
	}
	return true
}

// untilRewind is how long until the walk goes back to the head to offer
// the deferred ratings again; 0 when none wait.
func (u *Uploader) untilRewind() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.rewindAt.IsZero() {
		return 0
	}
	return max(time.Until(u.rewindAt), time.Nanosecond)
}

// deferredError says why ratings were deferred: the aggregator's reasons,
// and the unit check's finding when there is one.
func (u *Uploader) deferredError(deferred []syncapi.Result) error {
	reasons := map[string]int{}
	var order []string
	for _, r := range deferred {
		reason := r.Reason
		if reason == "" {
			reason = string(r.Status)
		}
		if reasons[reason] == 0 {
			order = append(order, reason)
		}
		reasons[reason]++
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = fmt.Sprintf("%s (%d)", r, reasons[r])
	}
	msg := fmt.Sprintf("%d ratings stay queued: %s", len(deferred), strings.Join(parts, "; "))
	if p := u.Problems(); len(p) > 0 {
		msg += "; " + p[0]
	}
	return fmt.Errorf("%w: %s", ErrDeferred, msg)
}

// health is the node's report of itself at now.
func (u *Uploader) health(now time.Time) syncapi.Health {
	var h syncapi.Health
	if u.Health != nil {
		h = u.Health()
	}
	h.Clock = now
	if h.Version == "" {
		h.Version = hailong.Version
	}
	if h.Unit == "" {
		h.Unit = u.Unit
	}
	problems := u.Problems()
	if _, msg := u.LastAttempt(); msg != "" {
		problems = append(problems, msg)
	}
	if h.LastError != "" {
		problems = append(problems, h.LastError)
	}
	h.LastError = strings.Join(problems, "; ")
	return h.Clip() // the aggregator refuses a heartbeat beyond the limits
}

// heartbeat reports the node's health while nothing is queued. An
// aggregator older than heartbeats answers 404: then its /healthz tells
// whether it is up.
func (u *Uploader) heartbeat(ctx context.Context) error {
	sent := time.Now()
	res, err := u.client.Heartbeat(ctx, u.health(sent))
	if errors.Is(err, syncapi.ErrNotFound) {
		return u.client.Health(ctx)
	}
	if err != nil {
		return err
	}
	if !res.Clock.IsZero() {
		d := time.Duration(res.ClockOffsetMS) * time.Millisecond
		u.offset.Store(&d)
		u.sawClock(res.Clock)
	}
	return nil
}

// RefreshConfig asks for the published configuration to be read again
// soon. It never blocks.
func (u *Uploader) RefreshConfig() {
	select {
	case u.refresh <- struct{}{}:
	default:
	}
}

// FetchConfig reads the published configuration, hands it to OnConfig and
// takes it as current. An aggregator older than published configurations
// answers with an error matching syncapi.ErrNotFound.
func (u *Uploader) FetchConfig(ctx context.Context) error {
	t0 := time.Now()
	c, err := u.client.Config(ctx)
	if err != nil {
		return err
	}
	if !c.Clock.IsZero() {
		// The aggregator read its clock about half-way through the call.
		rtt := time.Since(t0)
		d := t0.Add(rtt / 2).Sub(c.Clock).Round(time.Millisecond)
		u.offset.Store(&d)
	}
	if u.OnConfig != nil {
		u.OnConfig(c)
	}
	u.SetConfig(c)
	return nil
}

// configLoop reads the configuration at start, every ConfigEvery, and when
// asked to; failed reads are retried with backoff.
func (u *Uploader) configLoop(ctx context.Context) {
	failures := 0
	loggedOld := false
	for {
		err := u.FetchConfig(ctx)
		wait := u.ConfigEvery
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, syncapi.ErrNotFound):
			// An older aggregator: keep what this node has.
			if !loggedOld {
				u.Logger.Info("the aggregator publishes no configuration; keeping this node's questionnaires", "err", err)
				loggedOld = true
			}
			failures = 0
		case err != nil:
			failures++
			wait = min(u.backoff(failures), u.ConfigEvery)
			if asked, ok := u.retryAfter(err); ok {
				wait = asked
			}
			u.Logger.Warn("reading the published configuration failed; will retry", "err", err, "retry_in", wait.Round(time.Millisecond))
		default:
			failures, loggedOld = 0, false
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-u.refresh:
			timer.Stop()
		}
	}
}
