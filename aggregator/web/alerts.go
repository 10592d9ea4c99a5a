package web

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/alerts"
)

// Alerts is the alert engine (aggregator/alerts): its alerts' lifecycle
// and its rules.
type Alerts interface {
	Alerts(ctx context.Context, f alerts.Filter) ([]hailong.Alert, error)
	Alert(ctx context.Context, id string) (hailong.Alert, error)
	Acknowledge(ctx context.Context, id, by string) (hailong.Alert, error)
	Comment(ctx context.Context, id, by, text string) (hailong.Alert, error)
	Close(ctx context.Context, id, by string) (hailong.Alert, error)
	Rules() []hailong.AlertRule
	Rule(id string) (hailong.AlertRule, error)
	SaveRule(ctx context.Context, r hailong.AlertRule) (hailong.AlertRule, error)
	DeleteRule(ctx context.Context, id string) error
}

// Audit actions of alerts and their rules.
const (
	actionAlertAcknowledge = "alert.acknowledge"
	actionAlertComment     = "alert.comment"
	actionAlertClose       = "alert.close"
	actionAlertRuleAdd     = "alert_rule.add"
	actionAlertRuleUpdate  = "alert_rule.update"
	actionAlertRuleDelete  = "alert_rule.delete"
)

// alertEngine returns the alert engine, or 503 when the server has none.
func (s *Server) alertEngine() (Alerts, error) {
	if s.Alerts == nil {
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "Alerts are not available on this server.")
	}
	return s.Alerts, nil
}

// alertQuery is a list of alerts as asked for: a unit's subtree (the
// principal's scope by default), a state, a kind and when they opened.
type alertQuery struct {
	Unit, State, Kind, From, To string
}

func alertQueryOf(c *fiber.Ctx) alertQuery {
	return alertQuery{Unit: c.Query("unit"), State: c.Query("state"), Kind: c.Query("kind"), From: c.Query("from"), To: c.Query("to")}
}

// filter checks the query and makes it an engine filter limited to the
// principal's scope; problems are by field, in lang.
func (s *Server) alertFilter(c *fiber.Ctx, q alertQuery, lang string) (alerts.Filter, map[string]string, error) {
	problems := map[string]string{}
	today := hailong.DateOf(s.Now())
	unit, err := s.inScope(c, q.Unit, today)
	if hailong.ErrorCode(err) == hailong.ENOTFOUND {
		problems["unit"] = alertWord(lang, "bad_unit")
	} else if err != nil {
		return alerts.Filter{}, nil, err
	}
	f := alerts.Filter{State: hailong.AlertState(q.State), Kind: hailong.AlertKind(q.Kind)}
	if q.State != "" && !slices.Contains([]hailong.AlertState{hailong.AlertOpen, hailong.AlertAcknowledged, hailong.AlertClosed}, f.State) {
		problems["state"] = alertWord(lang, "bad_state")
	}
	if q.Kind != "" && !slices.Contains(alerts.Kinds(), f.Kind) {
		problems["kind"] = alertWord(lang, "bad_kind")
	}
	for _, d := range []struct {
		field, value string
		into         *time.Time
		next         bool
	}{{"from", q.From, &f.From, false}, {"to", q.To, &f.To, true}} {
		if d.value == "" {
			continue
		}
		day, err := hailong.ReadDate(d.value)
		if err != nil {
			problems[d.field] = alertWord(lang, "bad_date")
			continue
		}
		if d.next { // to is inclusive: up to the start of the next day
			day++
		}
		*d.into = day.Start()
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		problems["to"] = alertWord(lang, "to_before_from")
	}
	if len(problems) > 0 {
		return f, problems, nil
	}
	subtree := map[string]bool{}
	codes, _ := s.Units().Subtree(unit, today)
	for _, code := range codes {
		subtree[code] = true
	}
	inScope := s.scopeFilter(c, today)
	f.Allowed = func(u string) bool { return subtree[u] && inScope(u) }
	return f, nil, nil
}

// problemsErr makes field problems an EINVALID error.
func problemsErr(problems map[string]string) error {
	var fields []hailong.FieldError
	for k, v := range problems {
		fields = append(fields, hailong.FieldError{Field: k, Message: v})
	}
	slices.SortFunc(fields, func(a, b hailong.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return hailong.Invalid("The query is not valid.", fields...)
}

// alertInScope returns the alert with id if its unit lies in the
// principal's scope today: 403 otherwise, without naming the unit, which
// is not the caller's to know.
func (s *Server) alertInScope(c *fiber.Ctx, eng Alerts, id string) (hailong.Alert, error) {
	a, err := eng.Alert(c.UserContext(), id)
	if err != nil {
		return a, err
	}
	if !s.unitInScope(principalOf(c), a.Unit, hailong.DateOf(s.Now())) {
		return a, hailong.Errorf(hailong.EFORBIDDEN, "The alert is outside your scope.")
	}
	return a, nil
}

// alertAct applies one step of an alert's lifecycle for the principal,
// within its scope, and records it in the audit log.
func (s *Server) alertAct(c *fiber.Ctx, id, action, text string) (hailong.Alert, error) {
	eng, err := s.alertEngine()
	if err != nil {
		return hailong.Alert{}, err
	}
	if _, err := s.alertInScope(c, eng, id); err != nil {
		return hailong.Alert{}, err
	}
	by := principalOf(c).Username
	var a hailong.Alert
	detail := ""
	switch action {
	case actionAlertAcknowledge:
		a, err = eng.Acknowledge(c.UserContext(), id, by)
	case actionAlertComment:
		a, err = eng.Comment(c.UserContext(), id, by, text)
		detail = text
	case actionAlertClose:
		a, err = eng.Close(c.UserContext(), id, by)
	}
	s.audit(c, action, "alert "+id, detail, err)
	return a, err
}

// ruleUnitOK reports whether the principal may make rules over unit: a
// unit in force today within its scope, or every unit ("") for a
// principal whose scope is everything the aggregator serves.
func (s *Server) ruleUnitOK(c *fiber.Ctx) func(unit string) bool {
	p := principalOf(c)
	today := hailong.DateOf(s.Now())
	return func(unit string) bool {
		if unit == "" {
			return s.wholeInstallation(p)
		}
		_, ok := s.Units().At(unit, today)
		return ok && s.unitInScope(p, unit, today)
	}
}

// ruleVisible reports whether a rule concerns the principal's scope: over
// every unit, over a unit within the scope, or over a unit above it.
func (s *Server) ruleVisible(c *fiber.Ctx) func(r hailong.AlertRule) bool {
	p := principalOf(c)
	today := hailong.DateOf(s.Now())
	above := s.Units().Chain(p.Scope, today)
	return func(r hailong.AlertRule) bool {
		return r.Unit == "" || slices.Contains(above, r.Unit) || s.unitInScope(p, r.Unit, today)
	}
}

// ruleInScope returns the rule with id if the principal may change it.
func (s *Server) ruleInScope(c *fiber.Ctx, eng Alerts, id string) (hailong.AlertRule, error) {
	r, err := eng.Rule(id)
	if err != nil {
		return r, err
	}
	if !s.ruleUnitOK(c)(r.Unit) {
		return r, hailong.Errorf(hailong.EFORBIDDEN, "The rule's unit is outside your scope.")
	}
	return r, nil
}

// ruleJSON is an alert rule in the API: its window in hours.
type ruleJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Unit        string    `json:"unit"`
	Kind        string    `json:"kind"`
	Measure     string    `json:"measure,omitempty"`
	Question    string    `json:"question,omitempty"`
	Answer      string    `json:"answer,omitempty"`
	Threshold   float64   `json:"threshold"`
	WindowHours float64   `json:"window_hours"`
	MinRatings  int64     `json:"min_ratings"`
	Enabled     bool      `json:"enabled"`
	Default     bool      `json:"default"`
	CreatedBy   string    `json:"created_by,omitempty"`
	Created     time.Time `json:"created"`
}

func ruleToJSON(r hailong.AlertRule) ruleJSON {
	return ruleJSON{ID: r.ID, Name: r.Name, Unit: r.Unit, Kind: string(r.Kind), Measure: r.Measure, Question: r.Question, Answer: r.Answer,
		Threshold: r.Threshold, WindowHours: r.Window.Hours(), MinRatings: r.MinRatings, Enabled: r.Enabled, Default: r.Default,
		CreatedBy: r.CreatedBy, Created: r.Created.UTC()}
}

// ruleInput is a rule as a program sends it: on a change (PATCH), only
// the fields given change.
type ruleInput struct {
	Name        *string  `json:"name"`
	Unit        *string  `json:"unit"`
	Kind        *string  `json:"kind"`
	Measure     *string  `json:"measure"`
	Question    *string  `json:"question"`
	Answer      *string  `json:"answer"`
	Threshold   *float64 `json:"threshold"`
	WindowHours *float64 `json:"window_hours"`
	MinRatings  *int64   `json:"min_ratings"`
	Enabled     *bool    `json:"enabled"`
}

// apply sets the fields given on r.
func (in *ruleInput) apply(r *hailong.AlertRule) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Name, in.Name)
	set(&r.Unit, in.Unit)
	if in.Kind != nil {
		r.Kind = hailong.AlertKind(*in.Kind)
	}
	set(&r.Measure, in.Measure)
	set(&r.Question, in.Question)
	set(&r.Answer, in.Answer)
	if in.Threshold != nil {
		r.Threshold = *in.Threshold
	}
	if in.WindowHours != nil {
		r.Window = time.Duration(*in.WindowHours * float64(time.Hour))
	}
	if in.MinRatings != nil {
		r.MinRatings = *in.MinRatings
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
}

// saveRule checks a rule against the principal's scope, stores it and
// records it in the audit log; problems are in lang.
func (s *Server) saveRule(c *fiber.Ctx, eng Alerts, r hailong.AlertRule, lang string) (hailong.AlertRule, error) {
	action := actionAlertRuleUpdate
	var was *hailong.AlertRule
	if r.ID == "" {
		action, r.CreatedBy = actionAlertRuleAdd, principalOf(c).Username
	} else if stored, err := eng.Rule(r.ID); err == nil {
		was = &stored
	}
	err := alerts.Check(&r, was, s.ruleUnitOK(c), s.Catalog).Err(lang)
	if err == nil {
		r, err = eng.SaveRule(c.UserContext(), r)
	}
	s.audit(c, action, "alert rule "+r.ID, ruleDetail(r), err)
	return r, err
}

// ruleDetail says a rule for the audit log.
func ruleDetail(r hailong.AlertRule) string {
	state := "enabled"
	if !r.Enabled {
		state = "disabled"
	}
	return strings.Join([]string{r.Name, string(r.Kind), "unit=" + r.Unit, state}, "; ")
}
