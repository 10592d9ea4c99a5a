// Package lease makes one aggregator process the owner of a scope (a set of
// provinces, or everything) among several started on one database: the
// owner holds a lease document that it renews; a standby waits until the
// lease lapses and takes it. There is no consensus of our own: the
// database's conditional update decides, and the lease's epoch, incremented
// on every takeover, is the fencing token.
//
// Times are the processes' own clocks (synchronised by NTP): the expiry
// written is the holder's clock plus the TTL, and a standby takes the lease
// only once its clock is Skew past that expiry, so clocks may differ by up
// to Skew. The holder itself stops writing when its monotonic clock says
// the TTL has passed since the renewal it last sent (Held.Context): a
// paused holder (SIGSTOP, a stalled virtual machine) that wakes up after
// its lease passed never writes again, it exits.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Lease is the stored state of one scope's lease.
type Lease struct {
	Scope   string
	Holder  string    // the holding process, see NewHolder
	Expires time.Time // by the holder's clock
	// Epoch grows by one on every takeover (never on a renewal): the
	// fencing token of the holder.
	Epoch int64
}

// Store keeps leases; package mongodb has the MongoDB one.
type Store interface {
	// Take gives scope's lease to holder until expires if the lease is
	// absent, already holder's, or expired before freeBefore; a
	// takeover from another holder increments the epoch. It returns the
	// lease as stored afterwards, taken or not: Holder tells.
	Take(ctx context.Context, scope, holder string, expires, freeBefore time.Time) (Lease, error)
	// Renew extends l (same holder, same epoch) to expires; ErrLost if
	// the stored lease is no longer l's holder's at l's epoch.
	Renew(ctx context.Context, l Lease, expires time.Time) (Lease, error)
	// Release ends l at once (its expiry set to the past) if it is still
	// held so, for a clean stop: a standby takes over without waiting.
	Release(ctx context.Context, l Lease) error
}

// ErrLost is returned when the lease is no longer this holder's.
var ErrLost = errors.New("the lease passed to another holder")

// Defaults.
const (
	DefaultTTL  = 15 * time.Second
	DefaultSkew = 2 * time.Second
)

// Config configures Acquire.
type Config struct {
	Store  Store
	Scope  string
	Holder string        // NewHolder when empty
	TTL    time.Duration // DefaultTTL when 0
	// Skew is how far the clocks of the processes may differ; a standby
	// waits this long past the expiry before taking over. DefaultSkew
	// when 0.
	Skew time.Duration
	// Retry is how often a standby tries to take the lease; the smaller
	// of TTL/3 and a second when 0. A try is one conditional update of
	// one small document.
	Retry  time.Duration
	Logger *slog.Logger
	// Waiting is told, while Acquire waits, who holds the lease; it may
	// be nil.
	Waiting func(Lease)
}

func (c *Config) defaults() {
	if c.Holder == "" {
		c.Holder = NewHolder()
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.Skew <= 0 {
		c.Skew = DefaultSkew
	}
	if c.Retry <= 0 {
		c.Retry = min(c.TTL/3, time.Second)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// NewHolder names this process: host, pid and a random part, so that a
// restarted process with a reused pid is another holder.
func NewHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Acquire returns once this process holds the lease of cfg.Scope; it fails
// only when ctx ends or the store fails. It tries every cfg.Retry while another holder's
// lease runs, so a lease released at a clean stop passes within Retry.
// Call Keep on the result at once.
func Acquire(ctx context.Context, cfg Config) (*Held, error) {
	cfg.defaults()
	var last Lease
	for {
		sent := time.Now()
		l, err := cfg.Store.Take(ctx, cfg.Scope, cfg.Holder, sent.Add(cfg.TTL), sent.Add(-cfg.Skew))
		if err != nil {
			return nil, fmt.Errorf("take the lease of %s: %w", cfg.Scope, err)
		}
		if l.Holder == cfg.Holder {
			cfg.Logger.Info("lease taken", "scope", cfg.Scope, "epoch", l.Epoch, "holder", l.Holder, "ttl", cfg.TTL)
			h := &Held{cfg: cfg, lease: l, validUntil: sent.Add(cfg.TTL), lost: make(chan struct{})}
			return h, nil
		}
		if l.Holder != last.Holder || l.Epoch != last.Epoch {
			cfg.Logger.Info("standby: another process holds the lease", "scope", cfg.Scope, "holder", l.Holder,
				"expires", l.Expires.UTC().Format(time.RFC3339), "epoch", l.Epoch)
		}
		last = l
		if cfg.Waiting != nil {
			cfg.Waiting(l)
		}
		t := time.NewTimer(cfg.Retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Held is a lease this process holds.
type Held struct {
	cfg Config

	mu         sync.Mutex
	lease      Lease
	validUntil time.Time // monotonic: when the last renewal sent runs out
	lost       chan struct{}
	lostErr    error
}

// Lease returns the lease as last stored.
func (h *Held) Lease() Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lease
}

// Lost is closed when the lease is lost (a renewal failed or found another
// holder, or it ran out): the process must stop writing and exit.
func (h *Held) Lost() <-chan struct{} { return h.lost }

// Err tells why the lease was lost; nil while held.
func (h *Held) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lostErr
}

// Context returns ctx bounded by the lease's validity, for a write: it
// ends when the TTL since the last renewal passes, so a write cannot be
// sent after a standby may have taken over. It fails with ErrLost at once
// when the lease is already lost or past.
func (h *Held) Context(ctx context.Context) (context.Context, context.CancelFunc, error) {
	h.mu.Lock()
	until, lost := h.validUntil, h.lostErr
	h.mu.Unlock()
	if lost == nil && !time.Now().Before(until) {
		lost = fmt.Errorf("%w: not renewed within its TTL (%v)", ErrLost, h.cfg.TTL)
		h.lose(lost)
	}
	if lost != nil {
		return ctx, func() {}, lost
	}
	c, cancel := context.WithDeadline(ctx, until)
	return c, cancel, nil
}

// lose records why the lease was lost, once, and closes Lost.
func (h *Held) lose(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lostErr != nil {
		return
	}
	h.lostErr = err
	h.validUntil = time.Time{}
	close(h.lost)
}

// Keep renews the lease every TTL/3 until ctx ends; a renewal that fails,
// for whatever reason, or that comes back after the validity ran out
// (the process was paused) loses the lease: Lost is closed and Keep
// returns. There is no retry: a failed renewal may mean the database
// cannot tell whether another process took over, and writing on would risk
// two writers.
func (h *Held) Keep(ctx context.Context) {
	t := time.NewTicker(h.cfg.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.lost:
			return
		case <-t.C:
		}
		if err := h.renew(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, ErrLost) {
				err = fmt.Errorf("%w: %w", ErrLost, err)
			}
			h.cfg.Logger.Error("lease lost: stop writing", "scope", h.cfg.Scope, "err", err)
			h.lose(err)
			return
		}
	}
}

func (h *Held) renew(ctx context.Context) error {
	h.mu.Lock()
	l, until := h.lease, h.validUntil
	h.mu.Unlock()
	sent := time.Now()
	if !sent.Before(until) {
		return fmt.Errorf("%w: not renewed within its TTL (%v): the process was paused or the database slow", ErrLost, h.cfg.TTL)
	}
	rctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	nl, err := h.cfg.Store.Renew(rctx, l, sent.Add(h.cfg.TTL))
	if err != nil {
		return fmt.Errorf("renew the lease of %s: %w", h.cfg.Scope, err)
	}
	if !time.Now().Before(until) {
		return fmt.Errorf("%w: the renewal came back after the lease ran out", ErrLost)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lostErr == nil {
		h.lease, h.validUntil = nl, sent.Add(h.cfg.TTL)
	}
	return nil
}

// Release gives the lease up at a clean stop, after the last write, so
// that a standby takes over at its next try instead of after the TTL.
func (h *Held) Release(ctx context.Context) error {
	l := h.Lease()
	h.lose(errors.New("released"))
	return h.cfg.Store.Release(ctx, l)
}
