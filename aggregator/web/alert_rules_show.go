package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/alerts"
)

// alertRulesPage lists the alert rules of the reader's scope with a form
// for each rule it may change, and one to add a rule.
type alertRulesPage struct {
	F Frame
	// Units are the units a rule may be over; EveryUnit offers every unit
	// (province-wide readers).
	Units     []unitOption
	EveryUnit bool
	Kinds     []choice
	Measures  []choice
	Rules     []ruleForm
	New       ruleForm
	Notice    string
}

// ruleForm is one rule as its form shows it, with the problems of what
// was sent, by field.
type ruleForm struct {
	// Title is the rule's name as the page's language shows it
	// (alerts.RuleName); Name the stored one, which the form edits.
	Title                                                                string
	ID, Name, Unit, UnitName, Kind, KindLabel, Measure, Question, Answer string
	Threshold, WindowHours, MinRatings                                   string
	Enabled, Default, Editable                                           bool
	Problem                                                              map[string]string
}

// ruleFormOf shows a stored rule in lang's numbers.
func ruleFormOf(r hailong.AlertRule, lang string) ruleForm {
	num := func(v float64) string {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if lang == "vi" {
			s = strings.ReplaceAll(s, ".", ",")
		}
		return s
	}
	f := ruleForm{Title: alerts.RuleName(lang, r.ID, r.Name), ID: r.ID, Name: r.Name, Unit: r.Unit, Kind: string(r.Kind), Measure: r.Measure, Question: r.Question, Answer: r.Answer,
		WindowHours: num(r.Window.Hours()), Enabled: r.Enabled, Default: r.Default}
	if alerts.OverRatings(r.Kind) {
		f.Threshold, f.MinRatings = num(r.Threshold), strconv.FormatInt(r.MinRatings, 10)
	}
	return f
}

// alertRulesShow renders /alerts/rules.
func (s *Server) alertRulesShow(c *fiber.Ctx) error {
	return s.alertRulesRender(c, fiber.StatusOK, nil, "")
}

// alertRulesRender renders the rules page; sent is a form sent back with
// its problems (its ID empty for a new rule).
func (s *Server) alertRulesRender(c *fiber.Ctx, status int, sent *ruleForm, notice string) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	f := s.frame(c, "alerts", "al_rules_title")
	lang, w := f.Lang, areaWords(f.Lang, "al")
	f.T = w
	if c.Method() == fiber.MethodPost {
		f.OtherLang = "/alerts/rules?lang=" + map[string]string{"vi": "en", "en": "vi"}[lang]
	}
	p := alertRulesPage{F: f, Units: s.unitsFor(c, ""), EveryUnit: s.wholeInstallation(f.User), Notice: notice,
		New: ruleForm{Kind: string(hailong.AlertNegativeShare), Enabled: true, Editable: true}}
	for _, k := range alerts.Kinds() {
		p.Kinds = append(p.Kinds, choice{Value: string(k), Label: w["k_"+string(k)]})
	}
	for _, m := range alerts.Measures() {
		p.Measures = append(p.Measures, choice{Value: m, Label: alerts.MeasureName(lang, m)})
	}
	visible, editable := s.ruleVisible(c), s.ruleUnitOK(c)
	today := hailong.DateOf(s.Now())
	for _, r := range eng.Rules() {
		if !visible(r) {
			continue
		}
		rf := ruleFormOf(r, lang)
		if sent != nil && sent.ID == r.ID {
			rf = *sent
		}
		rf.Editable, rf.KindLabel = editable(r.Unit), w["k_"+string(r.Kind)]
		if u, ok := s.Units().At(r.Unit, today); ok {
			rf.UnitName = u.Name
		}
		p.Rules = append(p.Rules, rf)
	}
	if sent != nil && sent.ID == "" {
		p.New = *sent
	}
	return s.render(c, status, "alert_rules.html", p)
}
