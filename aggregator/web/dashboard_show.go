package web

import (
	"fmt"
	"html/template"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
)

var funcs = template.FuncMap{
	"pct": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", *f*100)
	},
	"ci": func(ci *[2]float64) string {
		if ci == nil {
			return ""
		}
		return fmt.Sprintf("%.1f–%.1f%%", ci[0]*100, ci[1]*100)
	},
	"width": func(f *float64) string {
		if f == nil {
			return "0"
		}
		return fmt.Sprintf("%.0f", *f*100)
	},
	// Pages allow no inline style (CSP), so depth is a class.
	"indent": func(depth int) string { return fmt.Sprintf("d%d", min(depth, 8)) },
}

type dashboardRow struct {
	treeRow
	S    report.Satisfaction
	Link string
}

var dashboardTexts = map[string]map[string]string{
	"vi": {
		"title": "Mức độ hài lòng theo đơn vị", "from": "Từ ngày", "to": "Đến ngày", "as_of": "Theo địa giới ngày",
		"channel": "Kênh", "all": "Tất cả", "kiosk": "Tại trung tâm", "qr": "Qua mã QR", "show": "Xem",
		"unit": "Đơn vị", "n": "Số lượt", "satisfied": "Hài lòng", "rate": "Tỷ lệ hài lòng", "ci": "Khoảng tin cậy 95%",
		"few": "Chưa đủ số lượt đánh giá", "note": "Tỷ lệ hài lòng = số lượt chọn hai mức cao nhất ÷ số lượt đánh giá. Dưới %d lượt, tỷ lệ không được hiển thị.",
		"other": "English",
	},
	"en": {
		"title": "Satisfaction by unit", "from": "From", "to": "To", "as_of": "Boundaries as of",
		"channel": "Channel", "all": "All", "kiosk": "At the centre", "qr": "By QR code", "show": "Show",
		"unit": "Unit", "n": "Ratings", "satisfied": "Satisfied", "rate": "Satisfaction rate", "ci": "95% interval",
		"few": "Not enough ratings", "note": "Satisfaction rate = ratings in the top two levels ÷ ratings. Below %d ratings no rate is shown.",
		"other": "Tiếng Việt",
	},
}

// dashboardShow renders the satisfaction rate of every unit in force for a
// chosen period, as a tree.
func (s *Server) dashboardShow(c *fiber.Ctx) error {
	lang := c.Query("lang", "vi")
	if _, ok := dashboardTexts[lang]; !ok {
		lang = "vi"
	}
	today := hailong.DateOf(s.Now())
	y, m := today.YearMonth()
	qStart := hailong.DateFromYMD(y, time.Month((int(m)-1)/3*3+1), 1)
	var fields []hailong.FieldError
	date := func(name string, def hailong.Date) hailong.Date {
		v := c.Query(name)
		if v == "" {
			return def
		}
		d, err := hailong.ParseDate(v)
		if err != nil {
			fields = append(fields, hailong.FieldError{Field: name, Message: err.Error()})
		}
		return d
	}
	from, to, asOf := date("from", qStart), date("to", today), date("as_of", today)
	ch := hailong.Channel(c.Query("channel"))
	if ch != "" && !ch.Valid() {
		fields = append(fields, hailong.FieldError{Field: "channel", Message: "must be kiosk or qr"})
	}
	if from > to {
		fields = append(fields, hailong.FieldError{Field: "to", Message: "must not be before from"})
	} else if to-from > report.MaxPeriodDays {
		fields = append(fields, hailong.FieldError{Field: "to", Message: fmt.Sprintf("the period may span at most %d days", report.MaxPeriodDays)})
	}
	if len(fields) > 0 {
		return hailong.Invalid("The period is not valid.", fields...)
	}
	// Without a unit, the page shows every unit in scope: the scope's
	// subtree, and in an older structure its predecessors.
	root := c.Query("unit")
	if root != "" {
		if _, err := s.inScope(c, root, asOf); err != nil {
			return err
		}
	}
	var rows []dashboardRow
	for _, r := range s.walk(asOf, root, s.scopeFilter(c, asOf)) {
		units, err := s.Units().Subtree(r.Code, asOf)
		if err != nil {
			return err
		}
		q := report.Query{Unit: r.Code, Period: report.Period{From: from, To: to}, AsOf: asOf, Filter: rollup.Filter{Channel: ch}, Units: units}
		v := url.Values{"unit": {r.Code}, "from": {from.String()}, "to": {to.String()}, "as_of": {asOf.String()}}
		if ch != "" {
			v.Set("channel", string(ch))
		}
		rows = append(rows, dashboardRow{treeRow: r, S: s.reporter().Satisfaction(q), Link: "/api/v1/satisfaction?" + v.Encode()})
	}
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	ov := c.Request().URI().QueryArgs()
	otherArgs, _ := url.ParseQuery(string(ov.QueryString()))
	otherArgs.Set("lang", other)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return s.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "dashboard.html", map[string]any{
		"Lang": lang, "T": dashboardTexts[lang], "Rows": rows,
		"From": from, "To": to, "AsOf": asOf, "Channel": string(ch),
		"Note":      fmt.Sprintf(dashboardTexts[lang]["note"], s.MinSample),
		"OtherLang": "/?" + otherArgs.Encode(),
		"User":      principalOf(c), "A": accountTexts[lang], "P": peopleTexts[lang], "CSRF": c.Locals(csrfKey),
	})
}
