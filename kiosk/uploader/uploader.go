// Package uploader forwards a kiosk node's queued ratings to the aggregator
// in batches, retrying with capped exponential backoff while the network or
// the aggregator is down. Every upload is idempotent, so a batch whose answer
// was lost is simply sent again.
package uploader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"hailong"
	"hailong/syncapi"
)

// Outbox is what the uploader needs of the kiosk's store.
type Outbox interface {
	Pending(limit int) ([]hailong.Rating, error)
	Settle(results []syncapi.Result, at time.Time) error
}

// Config configures an uploader.
type Config struct {
	Outbox     Outbox
	Aggregator string // base URL, e.g. https://hailong.example.gov.vn
	Credential syncapi.Credential
	Client     *http.Client
	Batch      int           // ratings per upload; default 200
	MinBackoff time.Duration // default 1s
	MaxBackoff time.Duration // default 5m
	Idle       time.Duration // how often to check reachability when idle; default 30s
	Logger     *slog.Logger
}

// Uploader is the background job that empties the outbox.
type Uploader struct {
	Config
	kick      chan struct{}
	reachable atomic.Int32 // 0 unknown, 1 reachable, 2 unreachable
	batch     atomic.Int32 // current batch size: halved when an upload is too large or too slow
	streak    int          // uploads that worked since the batch size last changed; Run's goroutine only
	last      atomic.Pointer[attempt]
}

type attempt struct {
	at  time.Time
	err string
}

// errTooLarge marks an upload the aggregator or the network could not take
// whole; the next one is smaller.
var errTooLarge = errors.New("upload too large or too slow")

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
	if u.Idle <= 0 {
		u.Idle = 30 * time.Second
	}
	if u.Logger == nil {
		u.Logger = slog.Default()
	}
	u.Aggregator = strings.TrimRight(u.Aggregator, "/")
	up := &Uploader{Config: u, kick: make(chan struct{}, 1)}
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

// LastAttempt returns when the uploader last contacted the aggregator and
// the error it met, if any; a zero time before the first contact.
func (u *Uploader) LastAttempt() (time.Time, string) {
	if a := u.last.Load(); a != nil {
		return a.at, a.err
	}
	return time.Time{}, ""
}

func (u *Uploader) record(err error) {
	a := &attempt{at: time.Now()}
	if err != nil {
		a.err = err.Error()
		u.reachable.Store(2)
	} else {
		u.reachable.Store(1)
	}
	u.last.Store(a)
}

// Run uploads until ctx ends.
func (u *Uploader) Run(ctx context.Context) {
	failures := 0
	for {
		n, err := u.SyncOnce(ctx)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			wait = u.backoff(failures)
			u.Logger.Warn("upload failed; will retry", "err", err, "retry_in", wait.Round(time.Millisecond))
		case n > 0:
			failures = 0
			continue // more may be queued
		default:
			failures = 0
			wait = u.Idle
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-u.kick:
			if err == nil {
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

// SyncOnce uploads one batch and returns how many ratings left the queue.
// With nothing queued it checks that the aggregator answers.
func (u *Uploader) SyncOnce(ctx context.Context) (n int, err error) {
	size := int(u.batch.Load())
	batch, err := u.Outbox.Pending(size)
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	defer func() { u.record(err) }()
	if len(batch) == 0 {
		return 0, u.ping(ctx)
	}
	res, err := u.upload(ctx, batch)
	if errors.Is(err, errTooLarge) && size > 1 {
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
	for _, r := range res.Results {
		switch {
		case !sent[r.ID]:
			// Not ours: ignore it, and let the rating stay queued.
		case r.Status.Settled():
			settle = append(settle, r)
		case r.Status == syncapi.Conflict || r.Status == syncapi.Rejected:
			u.Logger.Error("aggregator refused a rating; kept in the failed list", "id", r.ID, "status", r.Status, "reason", r.Reason)
			settle = append(settle, r)
		default:
			// A status this version does not know: keep the rating queued
			// rather than decide its fate.
			u.Logger.Warn("unknown upload status; rating stays queued", "id", r.ID, "status", r.Status)
		}
	}
	if len(settle) == 0 {
		return 0, errors.New("the aggregator's answer settled none of the ratings sent")
	}
	if err := u.Outbox.Settle(settle, time.Now()); err != nil {
		return 0, fmt.Errorf("settle outbox: %w", err)
	}
	return len(settle), nil
}

func (u *Uploader) upload(ctx context.Context, batch []hailong.Rating) (*syncapi.Response, error) {
	body, err := json.Marshal(syncapi.Request{Ratings: batch})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.Aggregator+syncapi.Path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+u.Credential.String())
	resp, err := u.Client.Do(req)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return nil, fmt.Errorf("upload of %d ratings: %w: %v", len(batch), errTooLarge, err)
	}
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusRequestEntityTooLarge, resp.StatusCode == http.StatusRequestTimeout:
		return nil, fmt.Errorf("upload of %d ratings: %w: %s", len(batch), errTooLarge, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("aggregator answered %s: %s", resp.Status, bytes.TrimSpace(data[:min(len(data), 300)]))
	}
	var out syncapi.Response
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &out, nil
}

func (u *Uploader) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Aggregator+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := u.Client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("aggregator health: %s", resp.Status)
	}
	return nil
}
