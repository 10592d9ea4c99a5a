package ingest

import (
	"context"
	"fmt"
	"maps"
	"time"

	"hailong/aggregator/rollup"
)

// Each segment has its summary (rollup.Summary) persisted beside it, which
// a query over whole cold months reads instead of the segment. A
// checkpoint writes both; the segments persisted before summaries were get
// theirs once serving, in the background (summarise).

// summaryLoader reads the summary of a cold month of the main rollup or
// the flagged one, as the last checkpoint names it.
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
			return rollup.Summary{}, false, err
		}
		return s, true, nil
	}
}

// unsummarised returns the segments of st without a summary.
func unsummarised(st rollup.State) []rollup.Segment {
	var out []rollup.Segment
	for _, s := range st.Segments {
		if s.Summary == "" {
			out = append(out, s)
		}
	}
	return out
}

// summarise writes the summaries of segments persisted without one: it
// reads each segment, sums it and writes its summary, then takes a
// checkpoint naming them. A segment a checkpoint replaced in the meantime
// (its month rewritten, with a summary) is passed over. A failure is
// logged and left to the next start.
func (in *Ingester) summarise(ctx context.Context, segs []rollup.Segment) {
	if len(segs) == 0 {
		return
	}
	t0 := time.Now()
	done := 0
	for _, s := range segs {
		if ctx.Err() != nil {
			return
		}
		if err := in.summariseSegment(ctx, s); err != nil {
			if ctx.Err() == nil {
				in.log.Warn("summarise a month of the rollups persisted without a summary; the next start tries again", "month", s.Month.String(),
					"flagged", s.Flagged, "err", err)
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

// summariseSegment writes the summary of one segment and notes it in the
// segments of the last checkpoint, if it is still there.
func (in *Ingester) summariseSegment(ctx context.Context, s rollup.Segment) error {
	var days []rollup.Day
	if err := in.store.LoadSegment(ctx, s.Collection, func(d rollup.Day) { days = append(days, d) }); err != nil {
		return err
	}
	sum := rollup.Summarise(s.Month, days)
	if n := sum.Ratings(); n != s.Ratings {
		return fmt.Errorf("segment %s holds %d ratings, the checkpoint says %d", s.Collection, n, s.Ratings)
	}
	fctx, release, err := in.fenced(ctx)
	if err != nil {
		return err
	}
	defer release()
	name, err := in.store.WriteSummary(fctx, s.Flagged, sum)
	if err != nil {
		return err
	}
	in.persistMu.Lock()
	defer in.persistMu.Unlock()
	k := segmentKey{s.Flagged, s.Month}
	if ref, ok := in.segments[k]; ok && ref.collection == s.Collection && ref.summary == "" {
		ref.summary = name
		segments := maps.Clone(in.segments)
		segments[k] = ref
		in.setSegments(segments)
	}
	return nil
}
