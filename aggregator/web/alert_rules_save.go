package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
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
		r.Threshold = formNumber(lang, form.Threshold)
		r.Window = time.Duration(formNumber(lang, form.WindowHours) * float64(time.Hour))
		r.MinRatings = -1
		if n := formNumber(lang, form.MinRatings); n == math.Trunc(n) && math.Abs(n) < 1e15 {
			r.MinRatings = int64(n)
		}
		if _, err = s.saveRule(c, eng, r, lang); err != nil {
			code := hailong.ErrorCode(err)
			if code != hailong.EINVALID && code != hailong.ECONFLICT {
				return err
			}
			for _, fe := range hailong.ErrorFields(err) {
				form.Problem[fe.Field] = fieldSaidIn(lang, fe)
			}
			return s.alertRulesRender(c, fiberapp.Status(code), &form, "")
		}
		notice = alertWord(lang, "saved")
	}
	return s.alertRulesRender(c, fiber.StatusOK, nil, notice)
}

// formNumber reads a number as the page's language writes it; 0 when
// empty and -1 when it does not read, both out of every field's range. A
// Vietnamese page writes thousands with points and decimals with a comma
// (1.234,5), an English one the other way (1,234.5): a separator followed
// by groups of three digits to the end or to the decimal mark is the
// thousands', so "1.000" on a Vietnamese page is a thousand, as the page
// itself writes it, not 1. Any other lone point or comma is the decimal
// mark, in either language ("0,5", "0.5").
func formNumber(lang, v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	group, decimal := ",", "."
	if lang == "vi" {
		group, decimal = ".", ","
	}
	if grouped[lang == "vi"].MatchString(v) {
		v = strings.Replace(strings.ReplaceAll(v, group, ""), decimal, ".", 1)
	} else {
		v = strings.ReplaceAll(v, ",", ".")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return -1
	}
	return f
}

// grouped matches a number written with thousands separators: by whether
// the page is Vietnamese.
var grouped = map[bool]*regexp.Regexp{
	true:  regexp.MustCompile(`^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$`),
	false: regexp.MustCompile(`^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$`),
}
