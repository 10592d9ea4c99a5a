// Package alerts is the alert rule engine: rules over a unit's subtree
// (the share of negative ratings, a measure below a threshold, the count of
// an answer, silence in opening hours, a kiosk's stuck queue) evaluated as
// ratings arrive, from the in-memory rollups and fleet health, never from
// the ratings collection.
//
// A rule fires for each rating unit of its subtree on its own, at most
// once while the alert it opened is not closed; the alert then goes open →
// acknowledged → closed, with comments on the way. Rules and alerts are
// stored (a small collection each); the alerts not closed are kept in
// memory, loaded at start, so that a restart neither loses nor repeats
// one. An alert is stored before it is published.
package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/fleet"
	"hailong/aggregator/ingest"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// Store keeps rules and alerts durably (aggregator/mongodb).
type Store interface {
	AlertRules(ctx context.Context) ([]hailong.AlertRule, error)
	SaveAlertRule(ctx context.Context, r hailong.AlertRule) error
	DeleteAlertRule(ctx context.Context, id string) error
	AlertDefaultsCreated(ctx context.Context) (bool, error)
	MarkAlertDefaultsCreated(ctx context.Context) error
	// Alerts returns every alert, or those not closed when open is set.
	Alerts(ctx context.Context, open bool) ([]hailong.Alert, error)
	SaveAlert(ctx context.Context, a hailong.Alert) error
}

// Config configures an Engine.
type Config struct {
	Store   Store
	Catalog *hailong.Catalog
	// Rollup returns the in-memory rollups the rules read.
	Rollup func() *rollup.Rollup
	Units  func() *hierarchy.Tree
	// Fleet returns every kiosk's latest health (fleet.Board.Reports), for
	// queue-age rules; Kiosks lists the enrolled kiosks, whose units
	// silence rules watch. Either may be nil.
	Fleet  func() []fleet.Report
	Kiosks func(ctx context.Context) ([]hailong.Enrolment, error)
	// Publisher is told of alerts opened and closed; nil tells no one.
	Publisher hailong.EventPublisher
	// Hours are the opening hours silence rules count; nil is DefaultHours.
	Hours Hours
	// Tick is how often clock rules (silence, queue age) are evaluated;
	// zero is five minutes.
	Tick   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// key names the alert of one rule for one unit.
type key struct{ rule, unit string }

// Engine evaluates alert rules and keeps the alerts' lifecycle.
type Engine struct {
	cfg      Config
	reporter report.Reporter

	// saveMu makes a rule's check for a twin and its save one step: two
	// identical rules sent at once (a double click) are not both saved.
	saveMu sync.Mutex
	mu     sync.Mutex // guards what follows
	rules  []hailong.AlertRule
	open   map[key]*hailong.Alert // alerts not closed
	// last is the last rating seen of each unit, for silence rules.
	last    map[string]time.Time
	pending map[string]struct{} // units touched since the last evaluation
	started time.Time
	// quietFrom is, for units with no rating seen since the start, the
	// earliest instant the rollups show them silent from (see quietSince),
	// found once per unit.
	quietFrom map[string]time.Time

	// eval runs one evaluation at a time: the decision to open an alert
	// and storing it are one step.
	eval   sync.Mutex
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns an engine; Load reads its rules and alerts, Start runs it.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hours == nil {
		cfg.Hours = DefaultHours()
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Minute
	}
	// MinSample 0: a rule has its own minimum number of ratings.
	return &Engine{cfg: cfg, reporter: report.Reporter{Rollup: cfg.Rollup, Catalog: cfg.Catalog, Units: cfg.Units},
		open: map[key]*hailong.Alert{}, last: map[string]time.Time{}, quietFrom: map[string]time.Time{}, pending: map[string]struct{}{}, wake: make(chan struct{}, 1)}
}

// Load reads the rules and the alerts not closed, making the default
// rules at the first start.
func (e *Engine) Load(ctx context.Context) error {
	made, err := e.cfg.Store.AlertDefaultsCreated(ctx)
	if err != nil {
		return err
	}
	if !made {
		for _, r := range DefaultRules(e.cfg.Now()) {
			if err := e.cfg.Store.SaveAlertRule(ctx, r); err != nil {
				return err
			}
		}
		if err := e.cfg.Store.MarkAlertDefaultsCreated(ctx); err != nil {
			return err
		}
	}
	rules, err := e.cfg.Store.AlertRules(ctx)
	if err != nil {
		return err
	}
	open, err := e.cfg.Store.Alerts(ctx, true)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = rules
	e.sortRules()
	clear(e.open)
	for _, a := range open {
		e.open[key{a.Rule, a.Unit}] = &a
	}
	e.started = e.cfg.Now()
	clear(e.quietFrom)
	return nil
}

func (e *Engine) sortRules() {
	slices.SortFunc(e.rules, func(a, b hailong.AlertRule) int { return strings.Compare(a.ID, b.ID) })
}

// Start runs the engine until Stop: ratings observed are evaluated in the
// background, clock rules every tick.
func (e *Engine) Start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(context.WithoutCancel(ctx))
	e.done = make(chan struct{})
	go e.run(ctx)
}

// Stop stops the engine and waits for the evaluation under way.
func (e *Engine) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	<-e.done
}

func (e *Engine) run(ctx context.Context) {
	defer close(e.done)
	t := time.NewTicker(e.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			e.Settle(ctx)
		case <-t.C:
			e.EvaluateClock(ctx)
		}
	}
}

// Settle evaluates now the units of the ratings observed and not yet
// evaluated, and returns when done: for a caller that must see their
// alerts (the demo after seeding), where the engine would do it in the
// background.
func (e *Engine) Settle(ctx context.Context) {
	// Wait for an evaluation under way, which may hold units taken from
	// pending.
	e.eval.Lock()
	e.eval.Unlock() //nolint:staticcheck // a barrier, not a critical section
	e.mu.Lock()
	units := make([]string, 0, len(e.pending))
	for u := range e.pending {
		units = append(units, u)
	}
	clear(e.pending)
	e.mu.Unlock()
	slices.Sort(units)
	e.Evaluate(ctx, units...)
}

// Observe takes ratings newly stored (ingest.Ingester.SetOnStored) and
// returns at once: their units are evaluated in the background, ratings
// arriving meanwhile coalesced into one evaluation.
func (e *Engine) Observe(stored []ingest.Stored) {
	if len(stored) == 0 {
		return
	}
	e.mu.Lock()
	for _, s := range stored {
		e.pending[s.Fact.Unit] = struct{}{}
		if s.Rating != nil && s.Rating.At.After(e.last[s.Fact.Unit]) {
			e.last[s.Fact.Unit] = s.Rating.At
		}
	}
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default: // an evaluation is already due: it will see these units
	}
}

// activeRules returns the enabled rules of the given kinds.
func (e *Engine) activeRules(kinds ...hailong.AlertKind) []hailong.AlertRule {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []hailong.AlertRule
	for _, r := range e.rules {
		if r.Enabled && slices.Contains(kinds, r.Kind) {
			out = append(out, r)
		}
	}
	return out
}

// covers reports whether unit lies in the subtree of the rule's unit
// today ("" covers every unit).
func covers(tree *hierarchy.Tree, r *hailong.AlertRule, unit string, today hailong.Date) bool {
	if r.Unit == "" || r.Unit == unit {
		return true
	}
	return tree != nil && inChain(tree.Chain(unit, today), r, unit)
}

// inChain reports whether the rule covers unit, whose chain of units
// (itself and those above it) is given: covers, for a caller that asks of
// many rules.
func inChain(chain []string, r *hailong.AlertRule, unit string) bool {
	return r.Unit == "" || r.Unit == unit || slices.Contains(chain, r.Unit)
}

// isOpen reports whether an alert of the rule for the unit is not closed.
func (e *Engine) isOpen(k key) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.open[k]
	return ok
}

// fire opens an alert, unless one of the rule for the unit is open: it
// is stored, then kept in memory, then published.
func (e *Engine) fire(ctx context.Context, r *hailong.AlertRule, unit string, f finding) {
	k := key{r.ID, unit}
	if e.isOpen(k) {
		return
	}
	now := e.cfg.Now()
	a := hailong.Alert{ID: newID(), Rule: r.ID, RuleName: r.Name, Kind: r.Kind, Measure: r.Measure, Unit: unit, State: hailong.AlertOpen,
		Opened: now, Value: f.value, Threshold: f.threshold, N: f.n, WindowFrom: f.from}
	if err := e.cfg.Store.SaveAlert(ctx, a); err != nil {
		// Not kept: the rule fires again at the next evaluation.
		e.cfg.Logger.Warn("alert not stored", "rule", r.ID, "unit", unit, "err", err)
		return
	}
	e.mu.Lock()
	e.open[k] = &a
	e.mu.Unlock()
	e.cfg.Logger.Info("alert opened", "alert", a.ID, "rule", r.ID, "unit", unit, "value", f.value)
	e.publish(ctx, hailong.EventAlertOpened, a)
}

func (e *Engine) publish(ctx context.Context, t hailong.EventType, a hailong.Alert) {
	if e.cfg.Publisher == nil {
		return
	}
	data, err := json.Marshal(a)
	if err != nil {
		e.cfg.Logger.Error("alert event", "alert", a.ID, "err", err)
		return
	}
	e.cfg.Publisher.Publish(ctx, hailong.Event{ID: string(t) + ":" + a.ID, Type: t, At: e.cfg.Now(), Unit: a.Unit, Data: data})
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// errNotFound is the error of an unknown alert or rule.
func errNotFound(what, id string) error {
	return hailong.Errorf(hailong.ENOTFOUND, "There is no %s %q.", what, id)
}
