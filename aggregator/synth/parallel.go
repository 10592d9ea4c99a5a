package synth

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"hailong"
)

// Parallel passes batches to a sink from several goroutines at once, so
// that making the next batch, checking one and the database's insert of
// another overlap: a generator of millions of ratings is otherwise bound
// by one core while the database waits. Batches are copied, as the
// generator reuses its slices, and may reach the sink out of order; the
// sink must take concurrent calls (the ingester does).
type Parallel struct {
	sink Sink
	g    *errgroup.Group
	ctx  context.Context
}

// NewParallel returns a Parallel sending to sink from at most workers
// goroutines; the first error cancels the batches not yet sent.
func NewParallel(ctx context.Context, sink Sink, workers int) *Parallel {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	return &Parallel{sink: sink, g: g, ctx: gctx}
}

// Ratings hands a copy of the batch to a free goroutine, waiting for one
// if all are busy; it returns an earlier batch's error, if any.
func (p *Parallel) Ratings(_ context.Context, rs []hailong.Rating) error {
	rs = slices.Clone(rs)
	return p.send(func(ctx context.Context) error { return p.sink.Ratings(ctx, rs) })
}

// Outcomes hands a copy of the batch to a free goroutine, like Ratings.
func (p *Parallel) Outcomes(_ context.Context, os []hailong.Outcome) error {
	os = slices.Clone(os)
	return p.send(func(ctx context.Context) error { return p.sink.Outcomes(ctx, os) })
}

func (p *Parallel) send(fn func(context.Context) error) error {
	if err := p.ctx.Err(); err != nil {
		if werr := p.Wait(); werr != nil {
			return werr // the batch that failed, not the cancellation
		}
		return err
	}
	p.g.Go(func() error { return fn(p.ctx) })
	return nil
}

// Wait waits for every batch handed over and returns the first error.
func (p *Parallel) Wait() error { return p.g.Wait() }
