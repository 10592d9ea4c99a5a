package alerts

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"hailong"
)

// Rules returns every rule, by id.
func (e *Engine) Rules() []hailong.AlertRule {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.rules)
}

// Rule returns the rule with id.
func (e *Engine) Rule(id string) (hailong.AlertRule, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.rules {
		if r.ID == id {
			return r, nil
		}
	}
	return hailong.AlertRule{}, errNotFound("alert rule", id)
}

// SaveRule stores a rule checked with Check: a new one (ID empty) gets
// an id and its creation time; an existing one keeps them. It is in force
// at once.
func (e *Engine) SaveRule(ctx context.Context, r hailong.AlertRule) (hailong.AlertRule, error) {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	if twin, ok := e.twin(r); ok {
		err := hailong.Errorf(hailong.ECONFLICT, MsgTwin, twin.Name)
		err.Fields = []hailong.FieldError{hailong.Fieldf("name", MsgTwin, twin.Name)}
		return r, err
	}
	if r.ID == "" {
		r.ID, r.Created = newID(), e.cfg.Now()
	} else {
		old, err := e.Rule(r.ID)
		if err != nil {
			return r, err
		}
		r.Created, r.CreatedBy, r.Default = old.Created, old.CreatedBy, old.Default
	}
	if err := e.cfg.Store.SaveAlertRule(ctx, r); err != nil {
		return r, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := slices.IndexFunc(e.rules, func(x hailong.AlertRule) bool { return x.ID == r.ID }); i >= 0 {
		e.rules[i] = r
	} else {
		e.rules = append(e.rules, r)
		e.sortRules()
	}
	return r, nil
}

// MsgTwin is the format of the refusal of a rule that fires alike
// another (SaveRule), and of its field error: two such rules open every
// alert twice, and send every email and webhook twice.
const MsgTwin = "The rule “%s” already watches the same unit for the same kind, measure or answer, threshold, window and minimum of ratings: both enabled, they would open every alert twice."

// twin returns another enabled rule that fires exactly as r would, r
// being enabled: the same unit, kind, measure, answer, threshold, window
// and minimum, whatever their names. A rule that already fired so as
// stored is not refused (a pair saved before twins were refused can
// still be renamed, and disabled, which is how one mends it), nor is a
// disabled one: it opens nothing.
func (e *Engine) twin(r hailong.AlertRule) (hailong.AlertRule, bool) {
	fires := func(x, y hailong.AlertRule) bool {
		return x.Enabled && y.Enabled && x.Unit == y.Unit && x.Kind == y.Kind && x.Measure == y.Measure && x.Question == y.Question &&
			x.Answer == y.Answer && x.Threshold == y.Threshold && x.Window == y.Window && x.MinRatings == y.MinRatings
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := slices.IndexFunc(e.rules, func(x hailong.AlertRule) bool { return x.ID == r.ID }); i >= 0 && fires(e.rules[i], r) {
		return hailong.AlertRule{}, false // unchanged in what fires it
	}
	if i := slices.IndexFunc(e.rules, func(x hailong.AlertRule) bool { return x.ID != r.ID && fires(x, r) }); i >= 0 {
		return e.rules[i], true
	}
	return hailong.AlertRule{}, false
}

// DeleteRule deletes a rule. Its alerts stay, to be closed.
func (e *Engine) DeleteRule(ctx context.Context, id string) error {
	if _, err := e.Rule(id); err != nil {
		return err
	}
	if err := e.cfg.Store.DeleteAlertRule(ctx, id); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = slices.DeleteFunc(e.rules, func(x hailong.AlertRule) bool { return x.ID == id })
	return nil
}

// Filter narrows a list of alerts; empty fields match every alert.
type Filter struct {
	State hailong.AlertState
	Kind  hailong.AlertKind
	// Allowed keeps the units the reader may see; nil keeps all.
	Allowed func(unit string) bool
	// From and To bound when the alert opened (To exclusive).
	From, To time.Time
}

func (f *Filter) match(a *hailong.Alert) bool {
	return (f.State == "" || a.State == f.State) && (f.Kind == "" || a.Kind == f.Kind) &&
		(f.From.IsZero() || !a.Opened.Before(f.From)) && (f.To.IsZero() || a.Opened.Before(f.To)) &&
		(f.Allowed == nil || f.Allowed(a.Unit))
}

// Alerts lists the alerts matching f, open ones first, newest first. It
// reads the stored alerts (a small collection) for the closed ones.
func (e *Engine) Alerts(ctx context.Context, f Filter) ([]hailong.Alert, error) {
	var all []hailong.Alert
	if f.State == hailong.AlertOpen || f.State == hailong.AlertAcknowledged {
		all = e.openAlerts()
	} else {
		var err error
		if all, err = e.cfg.Store.Alerts(ctx, false); err != nil {
			return nil, err
		}
	}
	out := slices.DeleteFunc(all, func(a hailong.Alert) bool { return !f.match(&a) })
	slices.SortFunc(out, func(a, b hailong.Alert) int {
		if c := cmp.Compare(stateOrder(a.State), stateOrder(b.State)); c != 0 {
			return c
		}
		if c := b.Opened.Compare(a.Opened); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func stateOrder(s hailong.AlertState) int {
	return slices.Index([]hailong.AlertState{hailong.AlertOpen, hailong.AlertAcknowledged, hailong.AlertClosed}, s)
}

func (e *Engine) openAlerts() []hailong.Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]hailong.Alert, 0, len(e.open))
	for _, a := range e.open {
		out = append(out, clone(a))
	}
	return out
}

func clone(a *hailong.Alert) hailong.Alert {
	c := *a
	c.Comments = slices.Clone(a.Comments)
	return c
}

// Alert returns the alert with id.
func (e *Engine) Alert(ctx context.Context, id string) (hailong.Alert, error) {
	e.mu.Lock()
	for _, a := range e.open {
		if a.ID == id {
			defer e.mu.Unlock()
			return clone(a), nil
		}
	}
	e.mu.Unlock()
	all, err := e.cfg.Store.Alerts(ctx, false)
	if err != nil {
		return hailong.Alert{}, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return hailong.Alert{}, errNotFound("alert", id)
}

// Acknowledge records that by took the alert on. Only an open alert can
// be acknowledged.
func (e *Engine) Acknowledge(ctx context.Context, id, by string) (hailong.Alert, error) {
	return e.change(ctx, id, func(a *hailong.Alert, now time.Time) error {
		if a.State != hailong.AlertOpen {
			return hailong.Errorf(hailong.ECONFLICT, "The alert was acknowledged already.")
		}
		a.State, a.AcknowledgedBy, a.AcknowledgedAt = hailong.AlertAcknowledged, by, &now
		return nil
	}, false)
}

// maxComment bounds a comment's length, in characters.
const maxComment = 2000

// Comment adds by's comment to an alert not closed.
func (e *Engine) Comment(ctx context.Context, id, by, text string) (hailong.Alert, error) {
	text = strings.TrimSpace(text)
	if text == "" || len([]rune(text)) > maxComment {
		return hailong.Alert{}, &hailong.Error{Code: hailong.EINVALID, Message: "The comment is not valid.",
			Fields: []hailong.FieldError{{Field: "text", Message: "Write a comment of 1 to 2000 characters."}}}
	}
	return e.change(ctx, id, func(a *hailong.Alert, now time.Time) error {
		a.Comments = append(a.Comments, hailong.AlertComment{By: by, At: now, Text: text})
		return nil
	}, false)
}

// Close closes an alert: its rule may fire again for its unit.
func (e *Engine) Close(ctx context.Context, id, by string) (hailong.Alert, error) {
	return e.change(ctx, id, func(a *hailong.Alert, now time.Time) error {
		a.State, a.ClosedBy, a.ClosedAt = hailong.AlertClosed, by, &now
		return nil
	}, true)
}

// change applies fn to an alert not closed, stores it, and then keeps it
// in memory (or drops it from there when closing).
func (e *Engine) change(ctx context.Context, id string, fn func(a *hailong.Alert, now time.Time) error, closing bool) (hailong.Alert, error) {
	e.mu.Lock()
	var k key
	var cur *hailong.Alert
	for kk, a := range e.open {
		if a.ID == id {
			k, cur = kk, a
		}
	}
	e.mu.Unlock()
	if cur == nil {
		if _, err := e.Alert(ctx, id); err != nil {
			return hailong.Alert{}, err
		}
		return hailong.Alert{}, hailong.Errorf(hailong.ECONFLICT, "The alert is closed.")
	}
	// One change at a time, and never while an evaluation decides.
	e.eval.Lock()
	defer e.eval.Unlock()
	e.mu.Lock()
	cur, ok := e.open[k] // closed or changed while waiting?
	var a hailong.Alert
	if ok {
		a = clone(cur)
	}
	e.mu.Unlock()
	if !ok {
		return hailong.Alert{}, hailong.Errorf(hailong.ECONFLICT, "The alert is closed.")
	}
	if err := fn(&a, e.cfg.Now()); err != nil {
		return a, err
	}
	if err := e.cfg.Store.SaveAlert(ctx, a); err != nil {
		return a, err
	}
	e.mu.Lock()
	if closing {
		delete(e.open, k)
	} else {
		e.open[k] = &a
	}
	e.mu.Unlock()
	if closing {
		e.publish(ctx, hailong.EventAlertClosed, a)
	}
	return clone(&a), nil
}
