// Package fleet keeps the latest health report of every kiosk, so that a
// stuck or silent centre is visible from the centre of the province.
//
// Reports arrive with every upload and every heartbeat: far more often than
// they change anything worth keeping across a restart. The board holds them
// in memory, which is what GET /api/v1/kiosks reads, and writes them behind:
// the whole set at most once per flush interval, and at a clean stop. A
// crash loses at most one interval of reports, which the kiosks send again
// within a heartbeat. See SaveKioskReports in package mongodb for why the
// whole set is written rather than the changed reports one by one.
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong/syncapi"
)

// Report is what the aggregator knows of one kiosk's health.
type Report struct {
	Kiosk string
	// Health is the kiosk's latest report, nil if it never sent one (a
	// kiosk older than reports still syncs and is seen). Never modified
	// once recorded.
	Health *syncapi.Health
	// Reported is when Health arrived, on the aggregator's clock.
	Reported time.Time
	// Seen is the kiosk's last authenticated call, on the aggregator's
	// clock.
	Seen time.Time
	// ClockOffset is the kiosk's clock minus the aggregator's, measured the
	// last time the kiosk sent its clock; OffsetKnown says whether it ever
	// did.
	ClockOffset time.Duration
	OffsetKnown bool
}

// Store keeps the reports durably.
type Store interface {
	KioskReports(ctx context.Context) ([]Report, error)
	// SaveKioskReports replaces the stored reports with these.
	SaveKioskReports(ctx context.Context, reports []Report) error
}

// Board holds the latest report of every kiosk.
type Board struct {
	store Store
	log   *slog.Logger

	flush   sync.Mutex // one writer at a time
	mu      sync.Mutex // guards what follows
	reports map[string]Report
	changes uint64 // counts every change
	saved   uint64 // changes when the last save began
}

// Load reads the stored reports into a new board.
func Load(ctx context.Context, store Store, log *slog.Logger) (*Board, error) {
	if log == nil {
		log = slog.Default()
	}
	list, err := store.KioskReports(ctx)
	if err != nil {
		return nil, fmt.Errorf("load kiosk health: %w", err)
	}
	b := &Board{store: store, log: log, reports: make(map[string]Report, len(list))}
	for _, r := range list {
		b.reports[r.Kiosk] = r
	}
	return b, nil
}

// Record notes a call of kiosk received at received, with its report h (nil
// for an upload without one) and its clock (nil when it sent none; a
// report's own Clock takes precedence). It returns the kiosk's report as now
// kept.
func (b *Board) Record(kiosk string, h *syncapi.Health, clock *time.Time, received time.Time) Report {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.reports[kiosk]
	r.Kiosk, r.Seen = kiosk, received
	if h != nil {
		r.Health, r.Reported = h, received
		if !h.Clock.IsZero() {
			clock = &h.Clock
		}
	}
	if clock != nil {
		r.ClockOffset, r.OffsetKnown = clock.Sub(received), true
	}
	b.reports[kiosk] = r
	b.changes++
	return r
}

// Reports returns every kiosk's report, by kiosk id.
func (b *Board) Reports() []Report {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.SortedFunc(maps.Values(b.reports), func(x, y Report) int { return strings.Compare(x.Kiosk, y.Kiosk) })
}

// Flush writes the reports if any changed since the last write.
func (b *Board) Flush(ctx context.Context) error {
	b.flush.Lock()
	defer b.flush.Unlock()
	b.mu.Lock()
	changes := b.changes
	if changes == b.saved {
		b.mu.Unlock()
		return nil
	}
	list := slices.Collect(maps.Values(b.reports))
	b.mu.Unlock()
	if err := b.store.SaveKioskReports(ctx, list); err != nil {
		return fmt.Errorf("save kiosk health: %w", err)
	}
	b.mu.Lock()
	b.saved = changes
	b.mu.Unlock()
	return nil
}

// Run flushes every interval until ctx ends; a failed write is logged and
// tried again at the next tick. Flush once more after it returns, at a
// clean stop.
func (b *Board) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := b.Flush(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("kiosk health not saved; trying again later", "err", err)
			}
		}
	}
}
