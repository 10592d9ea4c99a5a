package alerts

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// finding is what a rule measured for a unit.
type finding struct {
	value, threshold float64
	n                int64
	from             time.Time
}

// windowDays returns the days a rule over ratings reads: whole Vietnam
// days, today and the days before it, as many as the window covers (a
// window of 7 days reads today and the 6 days before; the rollups count
// ratings by day).
func windowDays(w time.Duration, today hailong.Date) (from hailong.Date) {
	days := int32((w + 24*time.Hour - 1) / (24 * time.Hour))
	return today - hailong.Date(max(days, 1)-1)
}

// Evaluate evaluates the rules over ratings for the given rating units
// now, opening the alerts they call for. Observe calls it in the
// background; it is exported for tests and tools that must know when it
// is done.
func (e *Engine) Evaluate(ctx context.Context, units ...string) {
	rules := e.activeRules(hailong.AlertNegativeShare, hailong.AlertIndexBelow, hailong.AlertAnswerCount)
	if len(rules) == 0 || len(units) == 0 {
		return
	}
	e.eval.Lock()
	defer e.eval.Unlock()
	now := e.cfg.Now()
	today := hailong.DateOf(now)
	tree := e.tree()
	r := e.cfg.Rollup()
	for _, unit := range units {
		// Results and their measures by window length: the rules share
		// few windows.
		results := map[hailong.Date]*window{}
		var chain []string
		if tree != nil {
			chain = tree.Chain(unit, today)
		}
		for i := range rules {
			rule := &rules[i]
			if !inChain(chain, rule, unit) || e.isOpen(key{rule.ID, unit}) {
				continue
			}
			from := windowDays(rule.Window, today)
			w, ok := results[from]
			if !ok {
				w = &window{res: r.Query([]string{unit}, from, today, rollup.Filter{})}
				results[from] = w
			}
			f, fires := e.measure(rule, w)
			f.from = from.Start()
			if fires {
				e.fire(ctx, rule, unit, f)
			}
		}
	}
}

// window is what a unit's ratings of a window hold: their rollup, and the
// measures the index rules read, computed once for all of them.
type window struct {
	res     rollup.Result
	watched *report.Watched
}

// measure applies a rule over ratings to a unit's window.
func (e *Engine) measure(r *hailong.AlertRule, win *window) (finding, bool) {
	res := win.res
	f := finding{threshold: r.Threshold}
	switch r.Kind {
	case hailong.AlertNegativeShare:
		var neg int64
		for id, t := range res.ByQuestionnaire {
			neg += e.negative(id, t)
			f.n += t.N
		}
		if f.n == 0 {
			return f, false
		}
		f.value = float64(neg) / float64(f.n)
		return f, f.n >= r.MinRatings && f.value >= r.Threshold
	case hailong.AlertIndexBelow:
		if win.watched == nil {
			w := e.reporter.Watch(res)
			win.watched = &w
		}
		w := win.watched
		var v *float64
		switch {
		case r.Measure == MeasureSatisfaction:
			f.n, v = w.Satisfaction.N, w.Satisfaction.Rate
		case r.Measure == MeasureHappyIndex:
			f.n, v = w.HappyIndex.N, w.HappyIndex.Value
		case strings.HasPrefix(r.Measure, MeasureCircular01):
			i, _ := strconv.Atoi(strings.TrimPrefix(r.Measure, MeasureCircular01))
			for _, ix := range w.Circular01.Indices {
				if ix.Index == i && ix.Source == "ratings" {
					f.n, v = ix.N, ix.Score
				}
			}
		}
		if v == nil {
			return f, false
		}
		f.value = *v
		return f, f.n >= r.MinRatings && f.value < r.Threshold
	case hailong.AlertAnswerCount:
		answer, err := strconv.Atoi(r.Answer)
		if err != nil {
			return f, false
		}
		for _, t := range res.ByQuestionnaire {
			for _, it := range t.Items {
				if it.Q == r.Question {
					f.n += it.N
					f.value += float64(answerCount(it, answer))
				}
			}
		}
		return f, f.n >= r.MinRatings && f.value >= r.Threshold
	}
	return f, false
}

// answerCount returns how many answered a Circular 01 question (scored
// 2/1/0) with the given score: the zeros are counted, and the sum of
// scores tells the ones from the twos.
func answerCount(it rollup.Item, score int) int64 {
	twos := it.Sum - (it.N - it.Zero) // ones + 2·twos = Sum, ones + twos = N − zeros
	switch score {
	case 0:
		return it.Zero
	case 1:
		return it.N - it.Zero - twos
	case 2:
		return twos
	}
	return 0
}

// negative counts a questionnaire's ratings in the lower half of its
// headline scale, below the middle level: "Không hài lòng" of three levels,
// the two lowest of five.
func (e *Engine) negative(questionnaire string, t rollup.Tally) int64 {
	q, ok := e.cfg.Catalog.Latest(questionnaire)
	if !ok {
		return 0
	}
	h, _ := q.Question(q.Headline)
	k := min(len(h.Options), rollup.MaxLevels)
	var n int64
	for i := 0; 2*i < k-1; i++ {
		n += t.Levels[i]
	}
	return n
}

// EvaluateClock evaluates the rules over time: silence in opening hours
// of the units with kiosks, and the age of kiosks' queues. The engine
// runs it every tick.
func (e *Engine) EvaluateClock(ctx context.Context) {
	rules := e.activeRules(hailong.AlertSilence, hailong.AlertQueueAge)
	if len(rules) == 0 {
		return
	}
	e.eval.Lock()
	defer e.eval.Unlock()
	now := e.cfg.Now()
	today := hailong.DateOf(now)
	tree := e.tree()
	kioskUnit := map[string]string{}
	enrolled := map[string]time.Time{} // by unit, its first kiosk's enrolment
	if e.cfg.Kiosks != nil {
		ks, err := e.cfg.Kiosks(ctx)
		if err != nil {
			e.cfg.Logger.Warn("alert rules: kiosks not listed", "err", err)
		}
		for _, k := range ks {
			if !k.Revoked {
				kioskUnit[k.ID] = k.Unit
				if at, ok := enrolled[k.Unit]; !ok || k.Created.Before(at) {
					enrolled[k.Unit] = k.Created
				}
			}
		}
	}
	silent := e.silentSince(kioskUnit, enrolled)
	queues := map[string]time.Duration{} // oldest queue by unit
	if e.cfg.Fleet != nil {
		for _, rep := range e.cfg.Fleet() {
			unit, enrolled := kioskUnit[rep.Kiosk]
			if !enrolled || rep.Health == nil || rep.Health.OldestQueued == nil {
				continue
			}
			// The kiosk's clock, brought to the aggregator's.
			oldest := *rep.Health.OldestQueued
			if rep.OffsetKnown {
				oldest = oldest.Add(-rep.ClockOffset)
			}
			queues[unit] = max(queues[unit], now.Sub(oldest))
		}
	}
	for i := range rules {
		rule := &rules[i]
		switch rule.Kind {
		case hailong.AlertSilence:
			for unit, since := range silent {
				if !covers(tree, rule, unit, today) {
					continue
				}
				if open := e.cfg.Hours.Open(since, now); open >= rule.Window {
					e.fire(ctx, rule, unit, finding{value: open.Hours(), threshold: rule.Window.Hours(), from: since})
				}
			}
		case hailong.AlertQueueAge:
			for unit, age := range queues {
				if covers(tree, rule, unit, today) && age >= rule.Window {
					e.fire(ctx, rule, unit, finding{value: age.Hours(), threshold: rule.Window.Hours(), from: now.Add(-age)})
				}
			}
		}
	}
}

// silentSince returns, for each unit with a kiosk, since when it has had
// no rating: its last rating seen, by the engine or by a kiosk's own
// report; for a unit with none seen since the engine started, what the
// rollups tell of the days before (quietSince), so that a restart does not
// begin the unit's silence again.
func (e *Engine) silentSince(kioskUnit map[string]string, enrolled map[string]time.Time) map[string]time.Time {
	e.mu.Lock()
	out := map[string]time.Time{}
	var ask []string
	for _, unit := range kioskUnit {
		if last := e.last[unit]; !last.IsZero() {
			out[unit] = last
		} else if from, ok := e.quietFrom[unit]; ok {
			out[unit] = from
		} else {
			ask = append(ask, unit)
		}
	}
	started := e.started
	e.mu.Unlock()
	for _, unit := range ask {
		from := e.quietSince(unit, started, enrolled[unit])
		out[unit] = from
		e.mu.Lock()
		e.quietFrom[unit] = from
		e.mu.Unlock()
	}
	if e.cfg.Fleet != nil {
		for _, rep := range e.cfg.Fleet() {
			unit, ok := kioskUnit[rep.Kiosk]
			if ok && rep.Health != nil && rep.Health.LastRating != nil {
				last := *rep.Health.LastRating
				if rep.OffsetKnown {
					last = last.Add(-rep.ClockOffset)
				}
				out[unit] = later(out[unit], last)
			}
		}
	}
	return out
}

// quietLookback is how many days before the start quietSince looks for a
// unit's last rating: longer than any silence rule's window in opening
// hours is worth.
const quietLookback = 31

// quietSince is the earliest instant a unit with no rating seen since the
// engine started is known to have been silent from. The rollups keep days,
// not times: a unit last rated on an earlier day has been silent since the
// midnight after it, but one rated on the day of the start only since the
// start. Never before its first kiosk was enrolled, nor before the
// lookback.
func (e *Engine) quietSince(unit string, started, enrolled time.Time) time.Time {
	since := started
	if e.cfg.Rollup != nil {
		r := e.cfg.Rollup()
		first := hailong.DateOf(started)
		since = (first - quietLookback).Start()
		for d := first; d > first-quietLookback; d-- {
			if r.Query([]string{unit}, d, d, rollup.Filter{}).Total.N > 0 {
				if d == first {
					since = started
				} else {
					since = (d + 1).Start()
				}
				break
			}
		}
	}
	return later(since, enrolled)
}

func (e *Engine) tree() *hierarchy.Tree {
	if e.cfg.Units == nil {
		return nil
	}
	return e.cfg.Units()
}
