package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// alertRulesSave takes the forms of /alerts/rules: a new rule (no id), a
// change of one (action save), or enable, disable or delete. Bad input
// comes back in its form, each message beside its field in the page's
// language.
func (s *Server) alertRulesSave(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	lang := pageLang(c)
	id, action := c.FormValue("id"), c.FormValue("action")
	var r hailong.AlertRule
	if id != "" {
		if r, err = s.ruleInScope(c, eng, id); err != nil {
			return err
		}
	} else {
		r.Enabled = true
	}
	notice := ""
	switch action {
	case "delete":
		if id == "" {
			return hailong.Errorf(hailong.ENOTFOUND, "There is no such rule.")
		}
		err = eng.DeleteRule(c.UserContext(), id)
		s.audit(c, actionAlertRuleDelete, "alert rule "+id, ruleDetail(r), err)
		if err != nil {
			return err
		}
		notice = alertWord(lang, "deleted")
	case "enable", "disable":
		if id == "" {
			return hailong.Errorf(hailong.ENOTFOUND, "There is no such rule.")
		}
		r.Enabled = action == "enable"
		if _, err = s.saveRule(c, eng, r, lang); err != nil {
			return err
		}
		notice = alertWord(lang, "saved")
	default:
		form := ruleForm{ID: id, Name: c.FormValue("name"), Unit: c.FormValue("unit"), Kind: c.FormValue("kind"), Measure: c.FormValue("measure"),
			Question: c.FormValue("question"), Answer: c.FormValue("answer"), Threshold: c.FormValue("threshold"),
			WindowHours: c.FormValue("window_hours"), MinRatings: c.FormValue("min_ratings"), Enabled: r.Enabled, Default: r.Default,
			Editable: true, Problem: map[string]string{}}
		r.Name, r.Unit, r.Kind, r.Measure, r.Question, r.Answer = form.Name, form.Unit, hailong.AlertKind(form.Kind), form.Measure, form.Question, form.Answer
		// A number that does not read is out of its field's range, which
		// the check refuses with the message of that field.
		r.Threshold = formNumber(form.Threshold)
		r.Window = time.Duration(formNumber(form.WindowHours) * float64(time.Hour))
		r.MinRatings, _ = strconv.ParseInt(strings.TrimSpace(form.MinRatings), 10, 64)
		if _, err = s.saveRule(c, eng, r, lang); err != nil {
			if hailong.ErrorCode(err) != hailong.EINVALID {
				return err
			}
			for _, fe := range hailong.ErrorFields(err) {
				form.Problem[fe.Field] = fe.Message
			}
			return s.alertRulesRender(c, fiber.StatusBadRequest, &form, "")
		}
		notice = alertWord(lang, "saved")
	}
	return s.alertRulesRender(c, fiber.StatusOK, nil, notice)
}

// formNumber reads a number written with a decimal point or comma; 0 when
// empty and -1 when it does not read, both out of every field's range.
func formNumber(v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil {
		return -1
	}
	return f
}
