package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"hailong/aggregator/mongodb"
)

// publication is the switch of the public results page: stored, and held
// in memory so that the public page never reads the database.
type publication struct {
	db *mongodb.DB
	mu sync.Mutex // one change at a time, stored before it shows
	on atomic.Bool
}

func loadPublication(ctx context.Context, db *mongodb.DB) (*publication, error) {
	on, err := db.PublicResults(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the public results switch: %w", err)
	}
	p := &publication{db: db}
	p.on.Store(on)
	return p, nil
}

// Published reports whether the public results page is on.
func (p *publication) Published() bool { return p.on.Load() }

// SetPublished stores and applies the switch.
func (p *publication) SetPublished(ctx context.Context, on bool, by string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.db.SetPublicResults(ctx, on, by); err != nil {
		return fmt.Errorf("store the public results switch: %w", err)
	}
	p.on.Store(on)
	return nil
}
