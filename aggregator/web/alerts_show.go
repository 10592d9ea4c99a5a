package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/alerts"
)

// alertsPage is the workspace's list of alerts.
type alertsPage struct {
	F      Frame
	Units  []unitOption
	Q      alertQuery
	States []choice
	Kinds  []choice
	// Problem holds the filter's problems by field.
	Problem map[string]string
	Alerts  []alertView
	CanAct  bool
	// Notice says why the last action was refused.
	Notice string
}

// alertView is one alert as the page shows it.
type alertView struct {
	hailong.Alert
	UnitName, KindLabel, StateLabel, ValueText, ThresholdText string
	// CommentProblem is the refusal of a comment just sent, beside its
	// field, with the text given back.
	CommentProblem, CommentText string
}

// alertsShow renders /alerts: the alerts of the reader's scope (or of
// unit's subtree), filtered by state, kind and when they opened, with
// forms to acknowledge, comment and close them for those who may.
func (s *Server) alertsShow(c *fiber.Ctx) error {
	return s.alertsRender(c, fiber.StatusOK, "", "", "", "")
}

// alertsRender renders the alerts page; failed names the alert whose
// comment was refused with problem (text is given back), notice says a
// refused action.
func (s *Server) alertsRender(c *fiber.Ctx, status int, failed, problem, text, notice string) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	f := s.frame(c, "alerts", "al_title")
	lang, w := f.Lang, areaWords(f.Lang, "al")
	f.T = w
	q := alertQueryOf(c)
	if c.Method() == fiber.MethodPost { // the filter the form came from
		q = alertQuery{Unit: c.FormValue("unit"), State: c.FormValue("state"), Kind: c.FormValue("kind"), From: c.FormValue("from"), To: c.FormValue("to")}
		f.OtherLang = "/alerts?lang=" + map[string]string{"vi": "en", "en": "vi"}[lang]
	}
	p := alertsPage{F: f, Q: q, Units: s.unitsFor(c, q.Unit), CanAct: f.User.Can(hailong.PermAlertsAck), Notice: notice}
	p.States = []choice{{"", w["any"], q.State == ""}}
	for _, st := range []hailong.AlertState{hailong.AlertOpen, hailong.AlertAcknowledged, hailong.AlertClosed} {
		p.States = append(p.States, choice{string(st), w["st_"+string(st)], q.State == string(st)})
	}
	p.Kinds = []choice{{"", w["any"], q.Kind == ""}}
	for _, k := range alerts.Kinds() {
		p.Kinds = append(p.Kinds, choice{string(k), w["k_"+string(k)], q.Kind == string(k)})
	}
	filter, problems, err := s.alertFilter(c, q, lang)
	if err != nil {
		return err
	}
	p.Problem = problems
	if len(problems) > 0 {
		return s.render(c, fiber.StatusBadRequest, "alerts.html", p)
	}
	list, err := eng.Alerts(c.UserContext(), filter)
	if err != nil {
		return err
	}
	today := hailong.DateOf(s.Now())
	for _, a := range list {
		a.RuleName = alerts.RuleName(lang, a.Rule, a.RuleName)
		v := alertView{Alert: a, KindLabel: w["k_"+string(a.Kind)], StateLabel: w["st_"+string(a.State)]}
		if m := alerts.MeasureName(lang, a.Measure); m != "" {
			v.KindLabel += ": " + m // which index, and so how its figures read
		}
		if u, ok := s.Units().At(a.Unit, today); ok {
			v.UnitName = u.Name
		}
		v.ValueText, v.ThresholdText = alerts.Figures(lang, a)
		if a.ID == failed {
			v.CommentProblem, v.CommentText = problem, text
		}
		p.Alerts = append(p.Alerts, v)
	}
	return s.render(c, status, "alerts.html", p)
}
