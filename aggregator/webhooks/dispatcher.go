package webhooks

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"hailong"
	"hailong/aggregator/ingest"
)

// DefaultSchedule is the wait before each retry of a failed delivery: six
// retries over about eight and a half hours, then the dead letters.
var DefaultSchedule = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Config configures a Dispatcher. Zero values take the defaults.
type Config struct {
	Store Store
	// Covers reports whether unit lies in the subtree of scope: the
	// subscription's scope check. Required.
	Covers func(scope, unit string) bool
	// Client sends the deliveries; nil is NewClient(10 s, AllowPrivate).
	Client *http.Client
	// AllowPrivate lets receivers sit on loopback and private addresses
	// (the province's LAN); false refuses them (Validate, NewClient).
	AllowPrivate bool
	// Schedule is the wait before each retry; a delivery failing once
	// more than it has entries goes to the dead letters.
	Schedule []time.Duration
	// Jitter spreads each wait by up to this fraction either way, so that
	// deliveries failing together do not retry together. 0 is 0.2; a
	// negative value is none.
	Jitter float64
	// Buffer is how many published events wait for the loop before
	// Publish drops them (counted in Dropped). 0 is 65,536.
	Buffer int
	// MaxEvents bounds the events of one delivery. 0 is 200.
	MaxEvents int
	// Gather is how long the loop holds rating.stored events after the
	// first of them arrives, for those of the next uploads to join them
	// in one batch: each batch is one POST per subscription and, when it
	// is written to the queue (QueueAfter), one insert into the
	// database, which costs ingest more than its size does. An event
	// of another type (an alert's) ends the wait at once, taking the
	// held ones with it. 0 is 25 ms; a negative value is none.
	Gather time.Duration
	// GatherEvents ends the wait once that many events are held. 0 is
	// 2,000 (ten deliveries' worth).
	GatherEvents int
	// Workers bounds the deliveries in flight; each subscription has one
	// at most. 0 is 8.
	Workers int
	// LogSize is how many deliveries a subscription's log keeps. 0 is 50.
	LogSize int
	// MaxDead bounds the dead letters; beyond it the oldest are dropped
	// (and logged). 0 is 1,000.
	MaxDead int
	// QueueAfter is how long a batch of rating.stored events alone is
	// delivered from memory before it is written to the queue, if it
	// still owes a delivery then. Receivers that answer within it cost
	// no write at all: the queue's inserts were most of what webhooks
	// added to ingest, and almost every batch is delivered within tens
	// of milliseconds. A crash loses the rating.stored events younger
	// than this that were not delivered yet (docs/WEBHOOKS.md). A batch
	// holding any other event (an alert's, a ping, a resend) is written
	// at once. 0 is 1 s; a negative value writes every batch at once.
	QueueAfter time.Duration
	// FlushEvery is how often changed logs are written. 0 is 10 s.
	FlushEvery time.Duration
	Logger     *slog.Logger
}

func (c *Config) defaults() {
	if c.Schedule == nil {
		c.Schedule = DefaultSchedule
	}
	if c.Jitter == 0 {
		c.Jitter = 0.2
	}
	if c.Buffer == 0 {
		c.Buffer = 1 << 16
	}
	if c.MaxEvents == 0 {
		c.MaxEvents = 200
	}
	if c.Gather == 0 {
		c.Gather = 25 * time.Millisecond
	}
	if c.GatherEvents == 0 {
		c.GatherEvents = 10 * c.MaxEvents
	}
	if c.Workers == 0 {
		c.Workers = 8
	}
	if c.LogSize == 0 {
		c.LogSize = 50
	}
	if c.MaxDead == 0 {
		c.MaxDead = 1000
	}
	if c.QueueAfter == 0 {
		c.QueueAfter = time.Second
	}
	if c.FlushEvery == 0 {
		c.FlushEvery = 10 * time.Second
	}
	if c.Client == nil {
		c.Client = NewClient(10*time.Second, c.AllowPrivate)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Dispatcher queues, signs, sends and retries deliveries. One loop
// goroutine owns the queue and makes every write of it, so no document is
// written by two goroutines at once (FerretDB loses concurrent updates).
type Dispatcher struct {
	cfg Config
	// in is the buffer: what Publish and PublishRatings hand over, at most
	// Buffer events in all (buffered counts them).
	in       chan published
	buffered atomic.Int64
	results  chan result
	cmds     chan func(context.Context)
	stop     chan struct{}
	done     chan struct{}
	// gate orders Publish before Close: once Close holds it, nothing more
	// enters the buffer, so the drain empties it for good.
	gate      sync.RWMutex
	closed    bool
	dropped   atomic.Int64
	wantsRate atomic.Bool
	sendCtx   context.Context
	cancel    context.CancelFunc

	mu    sync.Mutex // guards what the API reads: subs, logs, dead
	subs  map[string]Subscription
	logs  map[string][]LogEntry
	dirty map[string]bool
	dead  []DeadLetter // newest first

	// Owned by the loop.
	// gathered holds the rating.stored events waiting, for at most
	// Gather, to be planned with the next ones as one batch.
	gathered []event
	queue    []*Batch
	inflight map[string]bool // subscriptions with a delivery in flight
	sending  int
	// segment is the queue's segment new batches go to, since segStart;
	// pending counts each segment's batches that still owe deliveries.
	segment  int
	segStart time.Time
	pending  map[int]int
	// settled lists, by segment, the batches delivered whole that are
	// still stored because their segment is not dropped yet.
	settled map[int][]string
}

// segmentEvery is how long new batches go to one segment of the queue: a
// segment is dropped once all its batches are delivered, so this bounds
// what a delivery that keeps failing holds on disk beside it.
const segmentEvery = 10 * time.Second

// result is the outcome of one attempt.
type result struct {
	batch, delivery, sub string
	status               int
	err                  string
}

// New returns a dispatcher; Start loads its state and starts it.
func New(cfg Config) *Dispatcher {
	cfg.defaults()
	return &Dispatcher{
		cfg: cfg, in: make(chan published, cfg.Buffer), results: make(chan result, cfg.Workers),
		cmds: make(chan func(context.Context)), stop: make(chan struct{}), done: make(chan struct{}),
		subs: map[string]Subscription{}, logs: map[string][]LogEntry{}, dirty: map[string]bool{},
		inflight: map[string]bool{}, pending: map[int]int{}, settled: map[int][]string{},
	}
}

// Start loads the subscriptions, the queue, the dead letters and the logs,
// and starts delivering what the queue owes.
func (d *Dispatcher) Start(ctx context.Context) error {
	st := d.cfg.Store
	subs, err := st.WebhookSubscriptions(ctx)
	if err != nil {
		return fmt.Errorf("load webhook subscriptions: %w", err)
	}
	queue, segments, err := st.WebhookQueue(ctx)
	if err != nil {
		return fmt.Errorf("load the webhook queue: %w", err)
	}
	dead, err := st.WebhookDeadLetters(ctx)
	if err != nil {
		return fmt.Errorf("load webhook dead letters: %w", err)
	}
	logs, err := st.WebhookLogs(ctx)
	if err != nil {
		return fmt.Errorf("load webhook logs: %w", err)
	}
	pending := map[string]bool{}
	for _, b := range queue {
		d.queue = append(d.queue, &b)
		d.pending[b.Segment]++
		for _, dl := range b.Deliveries {
			pending[dl.ID] = true
		}
	}
	slices.SortFunc(d.queue, func(a, b *Batch) int { return a.Created.Compare(b.Created) })
	for _, seg := range segments {
		d.segment = max(d.segment, seg+1)
		if d.pending[seg] == 0 {
			if err := st.DropWebhookSegment(ctx, seg); err != nil {
				return err
			}
		}
	}
	d.segStart = time.Now()
	// A crash between a resend's two writes (or a death's) leaves the
	// delivery both queued and dead: the queue wins.
	for _, l := range dead {
		if pending[l.ID] {
			if err := st.DeleteWebhookDeadLetter(ctx, l.ID); err != nil {
				return err
			}
			continue
		}
		l.Count = len(l.Events)
		d.dead = append(d.dead, l)
	}
	slices.SortFunc(d.dead, func(a, b DeadLetter) int { return b.Died.Compare(a.Died) })
	for _, s := range subs {
		d.subs[s.ID] = s
	}
	for _, l := range logs {
		for i, e := range l.Entries {
			if (e.State == StatePending || e.State == StateRetrying) && !pending[e.Delivery] {
				l.Entries[i].State, l.Entries[i].Next = StateUnknown, time.Time{}
				d.dirty[l.Subscription] = true
			}
		}
		d.logs[l.Subscription] = l.Entries
	}
	d.rewant()
	d.sendCtx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go d.run(context.WithoutCancel(ctx))
	return nil
}

// published is what one call of Publish or PublishRatings hands over:
// events, or ratings stored at a time, made into their events by the loop.
type published struct {
	events  []hailong.Event
	ratings []hailong.StoredRating
	at      time.Time
}

func (p published) len() int { return len(p.events) + len(p.ratings) }

// Publish implements hailong.EventPublisher: it hands the events to the
// loop and returns at once. When the buffer is full (the database cannot
// keep up with the events) they are dropped and counted, never waited
// for.
func (d *Dispatcher) Publish(_ context.Context, events ...hailong.Event) {
	d.hand(published{events: events})
}

// PublishRatings publishes the rating.stored events of ratings newly
// stored (ingest.Ingester.SetOnStored), as Publish does: the write path
// copies what the events tell of the ratings and hands it over, and the
// loop encodes the events (a hailong.StoredRating in a hailong.Event, id
// "rating.stored:<rating id>", at now), so a batch of ratings costs
// ingest one hand-over and no encoding.
func (d *Dispatcher) PublishRatings(stored []ingest.Stored) {
	if len(stored) == 0 {
		return
	}
	ratings := make([]hailong.StoredRating, len(stored))
	for i, s := range stored {
		r := s.Rating
		ratings[i] = hailong.StoredRating{ID: r.ID, Unit: r.Unit, Kiosk: r.Kiosk, Questionnaire: r.Questionnaire,
			Channel: r.Channel, At: r.At.UTC(), Procedure: r.Procedure, Official: r.Official, Counter: r.Counter,
			Level: s.Fact.Level, Satisfied: s.Fact.Satisfied, Flagged: r.Flagged()}
	}
	d.hand(published{ratings: ratings, at: time.Now().UTC()})
}

// hand puts p in the buffer, or drops and counts its events.
func (d *Dispatcher) hand(p published) {
	n := int64(p.len())
	if n == 0 {
		return
	}
	d.gate.RLock()
	defer d.gate.RUnlock()
	if d.closed {
		d.dropped.Add(n)
		return
	}
	if d.buffered.Add(n) <= int64(d.cfg.Buffer) {
		d.in <- p // never blocks: the channel holds Buffer items, each of an event or more
		return
	}
	d.buffered.Add(-n)
	if before := d.dropped.Add(n) - n; before/1024 != (before+n)/1024 || before == 0 {
		d.cfg.Logger.Error("webhook events dropped: the queue cannot keep up", "dropped", d.dropped.Load())
	}
}

// Dropped returns how many published events were dropped because the
// buffer was full or the dispatcher closed.
func (d *Dispatcher) Dropped() int64 { return d.dropped.Load() }

// Wants reports whether an enabled subscription takes events of type t,
// so that a publisher can skip building events nobody receives.
func (d *Dispatcher) Wants(t hailong.EventType) bool {
	if t == hailong.EventRatingStored {
		return d.wantsRate.Load()
	}
	return true
}

// rewant recomputes Wants after a change of subscriptions; mu held or
// not yet shared.
func (d *Dispatcher) rewant() {
	want := false
	for _, s := range d.subs {
		want = want || (s.Enabled && s.Listens(hailong.EventRatingStored))
	}
	d.wantsRate.Store(want)
}

// Close stops taking events, writes those still buffered to the queue
// and waits for the deliveries in flight until ctx ends, when it cancels
// them (they are tried again after a restart). Then it writes the logs.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.gate.Lock()
	already := d.closed
	d.closed = true
	d.gate.Unlock()
	if already || d.cancel == nil {
		return nil
	}
	close(d.stop)
	select {
	case <-d.done:
	case <-ctx.Done():
		d.cancel()
		<-d.done
	}
	d.cancel()
	return nil
}

// run is the loop: it takes published events, results and commands, and
// starts the deliveries that are due.
func (d *Dispatcher) run(ctx context.Context) {
	defer close(d.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	flush := time.NewTicker(d.cfg.FlushEvery)
	defer flush.Stop()
	gather := time.NewTimer(time.Hour)
	gather.Stop()
	var gathering <-chan time.Time // gather's channel while events are held
	for {
		wake := min(d.storeDue(ctx), d.dispatch(ctx))
		timer.Reset(wake)
		select {
		case p := <-d.in:
			switch {
			case !d.gather(ctx, d.take(p)):
				gather.Stop()
				gathering = nil
			case gathering == nil:
				gather.Reset(d.cfg.Gather)
				gathering = gather.C
			}
		case <-gathering:
			gathering = nil
			d.planGathered(ctx)
		case r := <-d.results:
			d.settle(ctx, r)
		case f := <-d.cmds:
			// Events published before the command are planned before
			// it: a ping follows them, as the documentation promises.
			d.drain(ctx)
			gather.Stop()
			gathering = nil
			f(ctx)
		case <-timer.C:
		case <-flush.C:
			d.flushLogs(ctx)
			d.closeIdleSegment(ctx)
		case <-d.stop:
			d.shutdown(ctx)
			return
		}
	}
}

// take returns the events of p and of those waiting behind it, up to
// about a batch's worth.
func (d *Dispatcher) take(p published) []event {
	var events []event
	for {
		d.buffered.Add(-int64(p.len()))
		for _, e := range p.events {
			events = append(events, event{Event: e})
		}
		for i := range p.ratings {
			events = append(events, event{Event: hailong.Event{Type: hailong.EventRatingStored, At: p.at, Unit: p.ratings[i].Unit},
				rating: &p.ratings[i]})
		}
		if len(events) >= 4*d.cfg.MaxEvents {
			return events
		}
		select {
		case p = <-d.in:
		default:
			return events
		}
	}
}

// gather adds events to those held and reports whether they are held on
// for more to join them. They are planned now (false) when one is not a
// rating's (an alert's event is not held back, nor the ratings' before
// it, which keeps the order), when enough are held, or when gathering is
// off.
func (d *Dispatcher) gather(ctx context.Context, events []event) bool {
	d.gathered = append(d.gathered, events...)
	hold := d.cfg.Gather > 0 && len(d.gathered) < d.cfg.GatherEvents
	for i := 0; hold && i < len(events); i++ {
		hold = events[i].rating != nil
	}
	if !hold {
		d.planGathered(ctx)
	}
	return hold
}

// planGathered plans the events held, as one batch.
func (d *Dispatcher) planGathered(ctx context.Context) {
	if len(d.gathered) == 0 {
		return
	}
	d.plan(ctx, d.gathered, nil)
	clear(d.gathered) // let the ratings go
	d.gathered = d.gathered[:0]
}

// drain plans every event in the buffer and those held.
func (d *Dispatcher) drain(ctx context.Context) {
	for {
		select {
		case p := <-d.in:
			if d.gathered = append(d.gathered, d.take(p)...); len(d.gathered) >= d.cfg.GatherEvents {
				d.planGathered(ctx) // a batch stays of a size the database takes
			}
		default:
			d.planGathered(ctx)
			return
		}
	}
}

// shutdown queues what is buffered and waits for the attempts in flight.
func (d *Dispatcher) shutdown(ctx context.Context) {
	d.drain(ctx)
	for d.sending > 0 {
		d.settle(ctx, <-d.results)
	}
	for _, b := range d.queue {
		if b.held {
			d.store(ctx, b)
		}
		if b.dirty {
			d.save(ctx, b)
		}
	}
	if seg := d.segment; d.pending[seg] <= 0 && len(d.settled[seg]) > 0 {
		d.drop(ctx, seg)
	}
	for seg, ids := range d.settled {
		if err := d.cfg.Store.DeleteWebhookBatches(ctx, seg, ids); err != nil {
			d.cfg.Logger.Error("settle webhook deliveries; they are sent again after the start", "err", err)
		}
	}
	d.flushLogs(ctx)
}

// plan queues the events for the subscriptions that take them (or for
// target alone): one batch storing each event once, with one delivery per
// subscription and type of up to MaxEvents events.
func (d *Dispatcher) plan(ctx context.Context, events []event, target *Subscription) {
	var subs []Subscription
	if target != nil {
		subs = []Subscription{*target}
	} else {
		d.mu.Lock()
		for _, s := range d.subs {
			if s.Enabled {
				subs = append(subs, s)
			}
		}
		d.mu.Unlock()
	}
	// covering lists, by unit, the subscriptions whose scope covers it:
	// a batch's events come from few units.
	covering := map[string][]int{}
	coverers := func(unit string) []int {
		c, ok := covering[unit]
		if !ok {
			for i, s := range subs {
				if target != nil || d.cfg.Covers(s.Unit, unit) {
					c = append(c, i)
				}
			}
			covering[unit] = c
		}
		return c
	}
	now := time.Now().UTC()
	b := &Batch{ID: newID(), Created: now}
	ratingsOnly := target == nil
	// open is, by subscription, the delivery of each type still taking
	// events: a batch holds one type or two, so a short list searched
	// serves, with no key to hash for every event and subscription.
	type delivering struct {
		t hailong.EventType
		i int
	}
	open := make([][]delivering, len(subs))
	raw := make([]byte, 1, 1+len(events)*eventSize)
	raw[0] = '['
	var ends []int
	var unit string // the unit of the event before, whose coverers are cover
	var cover []int
	for n, e := range events {
		ratingsOnly = ratingsOnly && e.Type == hailong.EventRatingStored
		if n == 0 || e.Unit != unit { // an upload's events are of one unit
			unit, cover = e.Unit, coverers(e.Unit)
		}
		idx := -1
		for _, si := range cover {
			s := &subs[si]
			if target == nil && !s.Listens(e.Type) {
				continue
			}
			if idx < 0 {
				if len(b.at) > 0 {
					raw = append(raw, ',')
				}
				b.at = append(b.at, len(raw))
				raw = appendEvent(raw, e)
				ends = append(ends, len(raw))
				idx = len(b.at) - 1
			}
			k := slices.IndexFunc(open[si], func(o delivering) bool { return o.t == e.Type })
			if k < 0 || len(b.Deliveries[open[si][k].i].Events) >= d.cfg.MaxEvents {
				b.Deliveries = append(b.Deliveries, Delivery{ID: newID(), Subscription: s.ID, Type: e.Type, Next: now,
					Events: make([]int, 0, min(len(events)-n, d.cfg.MaxEvents, 32))})
				if k < 0 {
					open[si] = append(open[si], delivering{t: e.Type})
					k = len(open[si]) - 1
				}
				open[si][k].i = len(b.Deliveries) - 1
			}
			dl := &b.Deliveries[open[si][k].i]
			dl.Events = append(dl.Events, idx)
		}
	}
	if len(b.Deliveries) == 0 {
		return
	}
	b.raw = append(raw, ']')
	b.Events = make([][]byte, len(b.at))
	for i, at := range b.at {
		b.Events[i] = b.raw[at:ends[i]:ends[i]]
	}
	d.enqueue(ctx, b, ratingsOnly && d.cfg.QueueAfter > 0)
}

// eventSize is about the size of a rating.stored event, to size a batch's
// buffer once.
const eventSize = 400

// enqueue takes a new batch into the queue and logs its deliveries. It
// writes the batch to the queue in the database, unless hold: then
// storeDue writes it once it is QueueAfter old, if it owes anything then.
func (d *Dispatcher) enqueue(ctx context.Context, b *Batch, hold bool) error {
	d.queue = append(d.queue, b)
	for _, dl := range b.Deliveries {
		d.note(dl, len(dl.Events), StatePending)
	}
	if hold {
		// On the monotonic clock: Created is UTC, which drops it, and a
		// wall clock stepped back must not hold a batch longer.
		b.held, b.storeAt = true, time.Now().Add(d.cfg.QueueAfter)
		return nil
	}
	return d.store(ctx, b)
}

// storeDue writes to the queue the held batches QueueAfter old that still
// owe deliveries, and returns how long until the next is due.
func (d *Dispatcher) storeDue(ctx context.Context) time.Duration {
	now := time.Now()
	for _, b := range d.queue {
		if !b.held {
			continue
		}
		if w := b.storeAt.Sub(now); w > 0 {
			return w // held batches are in the queue in the order made
		}
		d.store(ctx, b)
	}
	return time.Hour
}

// store writes a batch to the queue, in the segment new batches go to.
func (d *Dispatcher) store(ctx context.Context, b *Batch) error {
	b.held = false
	if time.Since(d.segStart) >= segmentEvery {
		if old := d.segment; d.pending[old] == 0 {
			d.drop(ctx, old)
		}
		d.segment++
		d.segStart = time.Now()
	}
	b.Segment = d.segment
	err := d.cfg.Store.InsertWebhookBatch(ctx, *b)
	// Inserted whole as it stands now, or, when the insert failed, still
	// delivered from memory and written again at Close
	// (ReplaceWebhookBatch upserts).
	b.dirty = err != nil
	if err != nil {
		d.cfg.Logger.Error("queue webhook deliveries; they are lost if the aggregator stops before they are sent", "err", err)
	}
	d.pending[b.Segment]++
	return err
}

// drop drops a segment of the queue that owes nothing.
func (d *Dispatcher) drop(ctx context.Context, seg int) {
	delete(d.pending, seg)
	delete(d.settled, seg)
	if err := d.cfg.Store.DropWebhookSegment(ctx, seg); err != nil {
		d.cfg.Logger.Error("drop a delivered segment of the webhook queue; it is sent again after a restart", "segment", seg, "err", err)
	}
}

// dispatch starts the due deliveries, one per subscription and at most
// Workers in all, and returns how long until the next is due.
func (d *Dispatcher) dispatch(ctx context.Context) time.Duration {
	now := time.Now()
	wait := time.Hour
	var orphans []result
	for _, b := range d.queue {
		for _, dl := range b.Deliveries {
			if d.inflight[dl.Subscription] {
				continue
			}
			if w := dl.Next.Sub(now); w > 0 {
				wait = min(wait, w)
				continue
			}
			if d.sending >= d.cfg.Workers {
				return wait // a result will come and wake the loop
			}
			d.mu.Lock()
			sub, ok := d.subs[dl.Subscription]
			d.mu.Unlock()
			if !ok || !sub.Enabled {
				orphans = append(orphans, result{batch: b.ID, delivery: dl.ID, sub: dl.Subscription, err: errDisabled})
				continue
			}
			d.inflight[sub.ID] = true
			d.sending++
			go d.send(sub, b, dl)
		}
	}
	for _, r := range orphans {
		d.settleOrphan(ctx, r)
	}
	if len(orphans) > 0 {
		return 0
	}
	return wait
}

// errDisabled is the failure of a delivery whose subscription was
// disabled or deleted before it was sent.
const errDisabled = "the subscription is disabled"

// send makes one attempt and reports its result to the loop.
func (d *Dispatcher) send(sub Subscription, b *Batch, dl Delivery) {
	r := result{batch: b.ID, delivery: dl.ID, sub: sub.ID}
	body := bodyOf(dl.ID, sub.ID, dl.Type, b, dl.Events)
	req, err := http.NewRequestWithContext(d.sendCtx, http.MethodPost, sub.URL, body.reader())
	if err == nil {
		// Sent from the batch's own bytes, not a copy (body.reader); a
		// stale kept-alive connection may need the body twice.
		req.ContentLength = int64(body.len())
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body.reader()), nil }
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Hailong-Webhooks/1")
		req.Header.Set(HeaderEvent, string(dl.Type))
		req.Header.Set(HeaderDelivery, dl.ID)
		req.Header.Set(HeaderAttempt, strconv.Itoa(dl.Attempts+1))
		req.Header.Set(HeaderSignature, sign(sub.Secret, time.Now(), body...))
		var resp *http.Response
		if resp, err = d.cfg.Client.Do(req); err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			r.status = resp.StatusCode
		}
	}
	if err != nil {
		r.err = attemptError(err)
	} else if r.status < 200 || r.status > 299 {
		r.err = "HTTP " + strconv.Itoa(r.status)
	}
	d.results <- r
}

// attemptError says why an attempt failed, for the delivery log an admin
// reads: in words, without the Go error chain's "Post URL:" and without
// what belongs to this server's network rather than the receiver (the
// address of its name server, in a failed lookup).
func attemptError(err error) string {
	var dns *net.DNSError
	var tlsErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, errPrivate):
		return errPrivate.Error()
	case errors.Is(err, context.Canceled):
		return "stopped: the aggregator was shutting down"
	case errors.As(err, &dns) && dns.IsNotFound:
		return "the receiver's host name is not known to the name service: " + dns.Name
	case errors.As(err, &dns):
		return "the receiver's host name could not be looked up now (the name service did not answer): " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the receiver's machine refused the connection: nothing listens at that port"
	case errors.As(err, &tlsErr):
		return "the receiver's TLS certificate was not accepted: " + tlsErr.Err.Error()
	case os.IsTimeout(err):
		return "the receiver did not answer in time"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// body is a delivery's JSON in pieces, sent and signed one after another.
type body [][]byte

func (b body) len() int {
	n := 0
	for _, p := range b {
		n += len(p)
	}
	return n
}

func (b body) reader() io.Reader {
	bufs := net.Buffers(slices.Clone(b)) // reading consumes it
	return &bufs
}

// bodyOf returns the JSON of a delivery: its id, the subscription, the
// type and the events of b at the indexes idx, as published. Events that
// follow one another in the batch (as a subscription's usually do) are one
// slice of it.
func bodyOf(delivery, sub string, t hailong.EventType, b *Batch, idx []int) body {
	head, _ := json.Marshal(struct {
		Delivery     string            `json:"delivery"`
		Subscription string            `json:"subscription"`
		Type         hailong.EventType `json:"type"`
	}{delivery, sub, t})
	head = append(head[:len(head)-1], `,"events":[`...)
	tail := []byte("]}")
	if events, ok := b.span(idx); ok {
		return body{head, events, tail}
	}
	out := body{head}
	for n, i := range idx {
		if n > 0 {
			out = append(out, []byte{','})
		}
		out = append(out, b.Events[i])
	}
	return append(out, tail)
}

// find returns the batch and the index of a delivery in it.
func (d *Dispatcher) find(batch, delivery string) (*Batch, int) {
	for _, b := range d.queue {
		if b.ID != batch {
			continue
		}
		for i, dl := range b.Deliveries {
			if dl.ID == delivery {
				return b, i
			}
		}
	}
	return nil, -1
}

// settle records an attempt's result: delivered, retried later, or dead.
func (d *Dispatcher) settle(ctx context.Context, r result) {
	d.sending--
	delete(d.inflight, r.sub)
	b, i := d.find(r.batch, r.delivery)
	if b == nil {
		return // its subscription was deleted meanwhile
	}
	dl := &b.Deliveries[i]
	dl.Attempts++
	dl.Status, dl.Error = r.status, r.err
	switch {
	case r.err == "":
		d.note(*dl, len(dl.Events), StateDelivered)
		d.remove(ctx, b, i)
	case r.status == http.StatusGone:
		d.disable(ctx, r.sub, "the receiver answered 410 Gone")
		d.bury(ctx, b, i)
	case dl.Attempts > len(d.cfg.Schedule):
		d.bury(ctx, b, i)
	default:
		dl.Next = time.Now().UTC().Add(d.backoff(dl.Attempts))
		d.note(*dl, len(dl.Events), StateRetrying)
		// Written at Close only: rewriting the batch now would scan its
		// segment on FerretDB for every failed attempt. A crash loses
		// the count, and the delivery starts its schedule again.
		b.dirty = true
	}
}

// settleOrphan sends a delivery whose subscription is disabled to the dead
// letters, and drops one whose subscription is gone.
func (d *Dispatcher) settleOrphan(ctx context.Context, r result) {
	b, i := d.find(r.batch, r.delivery)
	if b == nil {
		return
	}
	d.mu.Lock()
	_, exists := d.subs[r.sub]
	d.mu.Unlock()
	if !exists {
		d.remove(ctx, b, i)
		return
	}
	b.Deliveries[i].Error = r.err
	d.bury(ctx, b, i)
}

// backoff is the wait before retry n (from 1), jittered.
func (d *Dispatcher) backoff(n int) time.Duration {
	w := d.cfg.Schedule[n-1]
	if d.cfg.Jitter > 0 {
		w += time.Duration((rand.Float64()*2 - 1) * d.cfg.Jitter * float64(w))
	}
	return w
}

// bury moves delivery i of b to the dead letters: the letter is written
// before the queue forgets it, so a crash between keeps it queued (Start
// then drops the letter).
func (d *Dispatcher) bury(ctx context.Context, b *Batch, i int) {
	dl := b.Deliveries[i]
	l := DeadLetter{ID: dl.ID, Subscription: dl.Subscription, Type: dl.Type, Attempts: dl.Attempts, Status: dl.Status,
		Error: dl.Error, Created: b.Created, Died: time.Now().UTC(), Count: len(dl.Events)}
	for _, e := range dl.Events {
		l.Events = append(l.Events, b.Events[e])
	}
	if err := d.cfg.Store.InsertWebhookDeadLetter(ctx, l); err != nil {
		d.cfg.Logger.Error("keep a webhook dead letter; it stays queued", "delivery", dl.ID, "err", err)
		b.Deliveries[i].Next = time.Now().UTC().Add(d.cfg.Schedule[len(d.cfg.Schedule)-1])
		return
	}
	d.mu.Lock()
	d.dead = append([]DeadLetter{l}, d.dead...)
	var drop []DeadLetter
	if len(d.dead) > d.cfg.MaxDead {
		drop = d.dead[d.cfg.MaxDead:]
		d.dead = d.dead[:d.cfg.MaxDead:d.cfg.MaxDead]
	}
	d.mu.Unlock()
	for _, old := range drop {
		d.cfg.Logger.Warn("webhook dead letter dropped: over the limit", "delivery", old.ID, "subscription", old.Subscription)
		if err := d.cfg.Store.DeleteWebhookDeadLetter(ctx, old.ID); err != nil {
			d.cfg.Logger.Error("drop a webhook dead letter", "delivery", old.ID, "err", err)
		}
	}
	d.cfg.Logger.Warn("webhook delivery failed its last attempt: kept as a dead letter", "delivery", dl.ID,
		"subscription", dl.Subscription, "attempts", dl.Attempts, "error", dl.Error)
	d.note(dl, len(dl.Events), StateDead)
	d.remove(ctx, b, i)
}

// remove drops delivery i of b, and b from the queue once it owes
// nothing; its segment goes once none of its batches owes anything.
func (d *Dispatcher) remove(ctx context.Context, b *Batch, i int) {
	b.Deliveries = slices.Delete(b.Deliveries, i, i+1)
	if len(b.Deliveries) > 0 {
		// The settled delivery is written at Close (or not at all, if
		// the whole batch settles first): a crash sends it again.
		b.dirty = true
		return
	}
	d.queue = slices.DeleteFunc(d.queue, func(q *Batch) bool { return q == b })
	if b.held {
		return // delivered before it was ever written
	}
	if d.pending[b.Segment]--; d.pending[b.Segment] <= 0 && b.Segment != d.segment {
		d.drop(ctx, b.Segment)
		return
	}
	// The segment new batches go to stays, though it owes nothing now:
	// dropping it made the next insert create it again, a collection
	// made and dropped per batch once batches came gathered, further
	// apart than their deliveries take (it is dropped when the next
	// segment starts, closeIdleSegment or Close).
	d.settled[b.Segment] = append(d.settled[b.Segment], b.ID)
}

// closeIdleSegment drops the segment new batches go to once it is
// segmentEvery old and owes nothing, so that a crash after a quiet spell
// sends nothing again; the next batch starts a new one.
func (d *Dispatcher) closeIdleSegment(ctx context.Context) {
	if seg := d.segment; d.pending[seg] <= 0 && len(d.settled[seg]) > 0 && time.Since(d.segStart) >= segmentEvery {
		d.drop(ctx, seg)
		d.segment++
		d.segStart = time.Now()
	}
}

// save writes a batch's state: its attempts and when each is retried.
func (d *Dispatcher) save(ctx context.Context, b *Batch) {
	if err := d.cfg.Store.ReplaceWebhookBatch(ctx, *b); err != nil {
		d.cfg.Logger.Error("write webhook retries", "err", err)
	}
}

// disable turns a subscription off on the receiver's word.
func (d *Dispatcher) disable(ctx context.Context, id, why string) {
	d.mu.Lock()
	s, ok := d.subs[id]
	if ok {
		s.Enabled, s.Disabled = false, why
		d.subs[id] = s
		d.rewant()
	}
	d.mu.Unlock()
	if !ok {
		return
	}
	d.cfg.Logger.Warn("webhook subscription disabled", "subscription", id, "reason", why)
	if err := d.cfg.Store.PutWebhookSubscription(ctx, s); err != nil {
		d.cfg.Logger.Error("disable a webhook subscription", "subscription", id, "err", err)
	}
}

// note records the latest state of a delivery in its subscription's log.
func (d *Dispatcher) note(dl Delivery, events int, state string) {
	e := LogEntry{Delivery: dl.ID, Type: dl.Type, Events: events, State: state, Attempts: dl.Attempts,
		Status: dl.Status, Error: dl.Error, At: time.Now().UTC()}
	if state == StateRetrying {
		e.Next = dl.Next
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	log := d.logs[dl.Subscription]
	if i := slices.IndexFunc(log, func(x LogEntry) bool { return x.Delivery == dl.ID }); i >= 0 {
		log[i] = e
	} else {
		// Shifted in place rather than made anew: every delivery is
		// noted at least twice. Readers get copies (Log, flushLogs).
		if len(log) < d.cfg.LogSize {
			log = append(log, LogEntry{})
		} else {
			log = log[:d.cfg.LogSize] // a log loaded longer than LogSize
		}
		copy(log[1:], log)
		log[0] = e
	}
	d.logs[dl.Subscription] = log
	d.dirty[dl.Subscription] = true
}

// flushLogs writes the logs changed since the last flush.
func (d *Dispatcher) flushLogs(ctx context.Context) {
	d.mu.Lock()
	var logs []Log
	for id := range d.dirty {
		logs = append(logs, Log{Subscription: id, Entries: slices.Clone(d.logs[id])})
	}
	clear(d.dirty)
	d.mu.Unlock()
	for _, l := range logs {
		if err := d.cfg.Store.PutWebhookLog(ctx, l); err != nil {
			d.cfg.Logger.Error("write a webhook delivery log", "subscription", l.Subscription, "err", err)
		}
	}
}

// do runs f in the loop and returns its error.
func (d *Dispatcher) do(ctx context.Context, f func(ctx context.Context) error) error {
	errc := make(chan error, 1)
	select {
	case d.cmds <- func(lctx context.Context) { errc <- f(lctx) }:
	case <-d.done:
		return hailong.Errorf(hailong.EUNAVAILABLE, "Webhooks are stopped.")
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-errc
}

// newID returns a fresh id, ordered by time.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// notFound is the error of an unknown subscription or dead letter.
func notFound(what, id string) error {
	return hailong.Errorf(hailong.ENOTFOUND, "There is no %s %q.", what, id)
}

var _ hailong.EventPublisher = (*Dispatcher)(nil)
