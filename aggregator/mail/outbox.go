package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Entry states in the outbox.
const (
	// StatePending waits to be sent, at Next.
	StatePending = "pending"
	// StateSent was taken by the SMTP server.
	StateSent = "sent"
	// StateFailed was given up after MaxAttempts.
	StateFailed = "failed"
)

// Entry is a message in the outbox with where its delivery stands.
type Entry struct {
	Message
	State    string
	Attempts int
	// Next is when a pending entry is (next) tried.
	Next    time.Time
	Created time.Time
	// Settled is when it was sent or given up.
	Settled   time.Time
	LastError string
}

// Store keeps the outbox durably: a small collection, pending messages and
// those settled within Keep.
type Store interface {
	// AddMail stores a new entry; it reports false, storing nothing, when
	// an entry with its ID exists (sent, failed or pending).
	AddMail(ctx context.Context, e Entry) (bool, error)
	// Mails returns every entry.
	Mails(ctx context.Context) ([]Entry, error)
	// PutMail replaces an entry.
	PutMail(ctx context.Context, e Entry) error
	// PurgeMails deletes the entries settled before a time.
	PurgeMails(ctx context.Context, settledBefore time.Time) error
}

// Bounds of the outbox.
const (
	// MaxAttempts is how often a message is tried before it is given up
	// (about eleven hours of backoff).
	MaxAttempts = 16
	// MaxPending is how many messages may wait at once; beyond, Enqueue
	// refuses, so an SMTP outage cannot fill the database.
	MaxPending = 10_000
	// Keep is how long a settled entry is kept: while kept, the same
	// message enqueued again is not sent again.
	Keep         = 35 * 24 * time.Hour
	firstBackoff = time.Minute
	maxBackoff   = time.Hour
)

// ErrFull is returned by Enqueue when MaxPending messages wait already.
var ErrFull = errors.New("the mail outbox is full")

// Backoff is the wait after the n-th failed attempt (1-based): a minute,
// doubling, at most an hour.
func Backoff(n int) time.Duration {
	d := firstBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Outbox stores messages and sends them in the background, in order of
// their next attempt, one at a time.
//
// A message is sent at least once and, in the normal case, once: it is
// settled (marked sent) right after the SMTP server accepts it. The one
// window for a repeat is a crash (or a failed write to the database)
// between the server's acceptance and that write: the message is then sent
// again after the restart, with the same Message-ID.
type Outbox struct {
	// RetryAfter is the wait after the n-th failed attempt; Backoff
	// unless set before Run (tests shorten it).
	RetryAfter func(n int) time.Duration

	store  Store
	sender Sender
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	pending map[string]Entry
	wake    chan struct{}
}

// NewOutbox returns an outbox over store sending through sender; Load
// reads what waits, Run sends it.
func NewOutbox(store Store, sender Sender, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.Default()
	}
	return &Outbox{RetryAfter: Backoff, store: store, sender: sender, log: log, now: time.Now, pending: map[string]Entry{}, wake: make(chan struct{}, 1)}
}

// Load reads the pending messages and purges the entries settled long ago.
func (o *Outbox) Load(ctx context.Context) error {
	if err := o.store.PurgeMails(ctx, o.now().Add(-Keep)); err != nil {
		return err
	}
	all, err := o.store.Mails(ctx)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range all {
		if e.State == StatePending {
			o.pending[e.ID] = e
		}
	}
	return nil
}

// Enqueue stores messages durably and wakes the sender. A message whose
// ID the outbox holds already is not stored again, so it is sent once. It
// returns once every message is stored.
func (o *Outbox) Enqueue(ctx context.Context, msgs ...Message) error {
	var errs []error
	for _, m := range msgs {
		o.mu.Lock()
		_, waiting := o.pending[m.ID]
		full := len(o.pending) >= MaxPending
		o.mu.Unlock()
		if waiting {
			continue
		}
		if full {
			errs = append(errs, ErrFull)
			continue
		}
		now := o.now()
		e := Entry{Message: m, State: StatePending, Next: now, Created: now}
		added, err := o.store.AddMail(ctx, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if added {
			o.mu.Lock()
			o.pending[m.ID] = e
			o.mu.Unlock()
		}
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return errors.Join(errs...)
}

// Pending returns how many messages wait to be sent.
func (o *Outbox) Pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending)
}

// Run sends the pending messages as they fall due until ctx ends, and
// purges old settled entries daily.
func (o *Outbox) Run(ctx context.Context) {
	purge := o.now().Add(24 * time.Hour)
	for {
		next, ok := o.due()
		for ok && !next.Next.After(o.now()) {
			o.attempt(ctx, next)
			if ctx.Err() != nil {
				return
			}
			next, ok = o.due()
		}
		wait := purge.Sub(o.now())
		if ok {
			wait = min(wait, next.Next.Sub(o.now()))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
		if now := o.now(); !now.Before(purge) {
			purge = now.Add(24 * time.Hour)
			if err := o.store.PurgeMails(ctx, now.Add(-Keep)); err != nil {
				o.log.Warn("purge the mail outbox", "err", err)
			}
		}
	}
}

// due returns the pending entry to try first.
func (o *Outbox) due() (Entry, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var first Entry
	ok := false
	for _, e := range o.pending {
		if !ok || e.Next.Before(first.Next) || (e.Next.Equal(first.Next) && e.ID < first.ID) {
			first, ok = e, true
		}
	}
	return first, ok
}

// attempt sends one entry and records the outcome.
func (o *Outbox) attempt(ctx context.Context, e Entry) {
	err := o.sender.Send(ctx, e.Message)
	if ctx.Err() != nil {
		return // stopping: the entry stays pending, tried again at start
	}
	e.Attempts++
	now := o.now()
	switch {
	case err == nil:
		e.State, e.Settled, e.LastError = StateSent, now, ""
	case e.Attempts >= MaxAttempts:
		e.State, e.Settled, e.LastError = StateFailed, now, err.Error()
		o.log.Error("email given up", "id", e.ID, "attempts", e.Attempts, "err", err)
	default:
		e.Next, e.LastError = now.Add(o.RetryAfter(e.Attempts)), err.Error()
		o.log.Warn("email not sent; trying again", "id", e.ID, "attempt", e.Attempts, "next", e.Next, "err", err)
	}
	if werr := o.store.PutMail(ctx, e); werr != nil {
		// Memory goes on as if written; the database still says
		// pending, so a message sent now goes again after a restart
		// (the crash window), with the same Message-ID.
		o.log.Warn("record the email's delivery", "id", e.ID, "err", werr)
	}
	o.mu.Lock()
	if e.State == StatePending {
		o.pending[e.ID] = e
	} else {
		delete(o.pending, e.ID)
	}
	o.mu.Unlock()
}
