package ingest

import (
	"context"
	"maps"
	"time"

	"hailong/aggregator/rollup"
)

// Each segment has its summary (rollup.Summary) persisted beside it, which
// a query over whole cold months reads instead of the segment. A
// checkpoint writes both; the segments persisted before summaries were get
// theirs once serving, in the background (summarise).

// summaryLoader reads the summary of a cold month of the main rollup or
// the flagged one, as the last checkpoint names it. A summary that cannot
// be read is taken for none (its month is loaded whole until a checkpoint
// or summarise writes it again): a query must not try the database again
// and again.
func (in *Ingester) summaryLoader(flagged bool) rollup.SummaryLoader {
	return func(ctx context.Context, m rollup.Month) (rollup.Summary, bool, error) {
		in.segmentsMu.Lock()
		ref, ok := in.segments[segmentKey{flagged, m}]
		in.segmentsMu.Unlock()
		if !ok || ref.summary == "" {
			return rollup.Summary{}, false, nil
		}
		s, err := in.store.LoadSummary(ctx, ref.summary)
		if err != nil {
			in.log.Warn("read the summary of a month of the rollups; the month is loaded whole", "month", m.String(), "flagged", flagged, "err", err)
			return rollup.Summary{}, false, nil
		}
		return s, true, nil
	}
}

// summarise writes the summaries of the segments of the last checkpoint
// that have none, or whose summary is missing from the database (written
// before summaries were, or lost): it reads each segment, sums it and
// writes its summary, then takes a checkpoint naming them. A segment a
// checkpoint replaced in the meantime (its month rewritten, with a
// summary) is passed over. A failure is logged and left to the next start.
func (in *Ingester) summarise(ctx context.Context) {
	stored, err := in.store.SummaryNames(ctx)
	if err != nil {
		if ctx.Err() == nil {
			in.log.Warn("list the summaries of the rollups; the next start tries again", "err", err)
		}
		return
	}
	in.persistMu.Lock()
	var todo []segmentKey
	for k, ref := range in.segments {
		if ref.summary == "" || !stored[ref.summary] {
			todo = append(todo, k)
		}
	}
	in.persistMu.Unlock()
	if len(todo) == 0 {
		return
	}
	t0 := time.Now()
	done := 0
	for _, k := range todo {
		if ctx.Err() != nil {
			return
		}
		if err := in.summariseSegment(ctx, k); err != nil {
			if ctx.Err() == nil {
				in.log.Warn("summarise a month of the rollups persisted without a summary; the next start tries again", "month", k.month.String(),
					"flagged", k.flagged, "err", err)
			}
			return
		}
		done++
	}
	// The state names them from this checkpoint on.
	fctx, release, err := in.fenced(ctx)
	if err != nil {
		return
	}
	defer release()
	in.persistMu.Lock()
	_, err = in.checkpointLocked(fctx, true, false)
	in.persistMu.Unlock()
	if err != nil {
		in.log.Warn("checkpoint after summarising the months persisted without a summary", "err", err)
		return
	}
	in.log.Info("summaries written for the months persisted without one", "segments", done, "took", time.Since(t0).Round(time.Millisecond))
}

// summariseSegment writes the summary of the segment of month k of the
// last checkpoint and notes it there, unless a checkpoint replaced the
// segment meanwhile.
func (in *Ingester) summariseSegment(ctx context.Context, k segmentKey) error {
	in.persistMu.Lock()
	ref, ok := in.segments[k]
	in.persistMu.Unlock()
	if !ok {
		return nil
	}
	days, err := in.readSegment(ctx, ref)
	if err != nil {
		return err
	}
	sum := rollup.Summarise(k.month, days)
	fctx, release, err := in.fenced(ctx)
	if err != nil {
		return err
	}
	defer release()
	// Under persistMu from the write on: a checkpoint between the write
	// and the note would drop the summary as named by no state.
	in.persistMu.Lock()
	defer in.persistMu.Unlock()
	if cur, ok := in.segments[k]; !ok || cur.collection != ref.collection {
		return nil
	}
	name, err := in.store.WriteSummary(fctx, k.flagged, sum)
	if err != nil {
		return err
	}
	ref.summary = name
	segments := maps.Clone(in.segments)
	segments[k] = ref
	in.setSegments(segments)
	return nil
}
