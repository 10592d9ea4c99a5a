package report

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"hailong"
)

// MaxPeriodDays bounds a period, so one request cannot ask for centuries.
const MaxPeriodDays = 366 * 20

// Period is a span of days, both ends included. Kind says whether it is a
// calendar month, quarter or year, which decides what the previous period
// is.
type Period struct {
	From, To hailong.Date
	Kind     PeriodKind
}

// PeriodKind is the shape of a period.
type PeriodKind string

// The shapes of a period.
const (
	Custom  PeriodKind = "custom"
	Month   PeriodKind = "month"
	Quarter PeriodKind = "quarter"
	Year    PeriodKind = "year"
)

// QuarterOf returns quarter q (1–4) of year y.
func QuarterOf(y, q int) Period {
	from := hailong.DateFromYMD(y, time.Month(3*q-2), 1)
	return Period{From: from, To: hailong.DateFromYMD(y, time.Month(3*q+1), 1) - 1, Kind: Quarter}
}

// MonthOf returns month m of year y.
func MonthOf(y int, m time.Month) Period {
	return Period{From: hailong.DateFromYMD(y, m, 1), To: hailong.DateFromYMD(y, m+1, 1) - 1, Kind: Month}
}

// YearOf returns year y.
func YearOf(y int) Period {
	return Period{From: hailong.DateFromYMD(y, 1, 1), To: hailong.DateFromYMD(y+1, 1, 1) - 1, Kind: Year}
}

// QuarterContaining returns the calendar quarter that holds d.
func QuarterContaining(d hailong.Date) Period {
	y, m := d.YearMonth()
	return QuarterOf(y, (int(m)-1)/3+1)
}

// LastClosedQuarter returns the latest quarter that ended before d.
func LastClosedQuarter(d hailong.Date) Period {
	return QuarterContaining(QuarterContaining(d).From - 1)
}

// Days is the number of days of the period.
func (p Period) Days() int { return int(p.To-p.From) + 1 }

// Previous returns the period just before p: the previous calendar month,
// quarter or year, or for a custom period the same number of days ending
// the day before it starts.
func (p Period) Previous() Period {
	y, m := p.From.YearMonth()
	switch p.Kind {
	case Month:
		return MonthOf(y, m-1) // month 0 is December of the year before
	case Quarter:
		return QuarterContaining(p.From - 1)
	case Year:
		return YearOf(y - 1)
	}
	return Period{From: p.From - hailong.Date(p.Days()), To: p.From - 1, Kind: Custom}
}

// YearEarlier returns the same period a year before. A custom period
// moves by a calendar year, 29 February to 28 February.
func (p Period) YearEarlier() Period {
	y, m := p.From.YearMonth()
	switch p.Kind {
	case Month:
		return MonthOf(y-1, m)
	case Quarter:
		return QuarterOf(y-1, (int(m)-1)/3+1)
	case Year:
		return YearOf(y - 1)
	}
	return Period{From: yearBefore(p.From), To: yearBefore(p.To), Kind: Custom}
}

func yearBefore(d hailong.Date) hailong.Date {
	t := d.Start().In(hailong.Location)
	y, m, day := t.Date()
	if m == time.February && day == 29 {
		day = 28
	}
	return hailong.DateFromYMD(y-1, m, day)
}

// String names the period as people write it: 2026-Q3, 2026-11, 2026, or
// from..to.
func (p Period) String() string {
	y, m := p.From.YearMonth()
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", y, int(m))
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", y, (int(m)-1)/3+1)
	case Year:
		return strconv.Itoa(y)
	}
	return p.From.String() + ".." + p.To.String()
}

// A Problem is one thing wrong with a query's field, which a page says in
// its own language and the API in English.
type Problem struct {
	Field string
	// Code names the problem; Args fill its message.
	Code string
	Args []any
}

// problemTexts are the messages of each problem code, by language.
var problemTexts = map[string]map[string]string{
	"en": {
		"required":     "is required, as YYYY-MM-DD",
		"date":         "%q is not a date: write it as YYYY-MM-DD",
		"period":       "%q is not a period: write 2026-Q3, 2026-11 or 2026",
		"year":         "%q is not a year from 2015 to 2100",
		"quarter":      "%q is not a quarter: 1, 2, 3 or 4",
		"reversed":     "must not be before the start of the period (%s)",
		"too_long":     "the period may span at most %d days",
		"both":         "give the period in one form only: period, from and to, or year and quarter",
		"unknown":      "%q is not a known value",
		"not_in":       "%q is not %s",
		"no_unit":      "unit %q is not in force on %s",
		"no_field":     "no procedure of the catalogue is in field %q",
		"bad_value":    "%s",
		"need_quarter": "is required with year",
		"channel":      "%q is not a channel: kiosk or qr",
		"procedure":    "%q is not a procedure code (mã TTHC) like 1.004122",
		"ref":          "%q must be 1 to 64 letters, digits, '.', '_' or '-'",
		"cursor":       "%q is not a position in this list: open the list again from its first page",
		"limit":        "%q is not a whole number from 1 to %d",
	},
	"vi": {
		"required":     "cần nhập, theo dạng ngày/tháng/năm (dd/mm/yyyy)",
		"date":         "“%s” không phải một ngày: hãy viết theo dạng ngày/tháng/năm, ví dụ 30/11/2026",
		"period":       "“%s” không phải một kỳ: hãy viết 2026-Q3 (quý), 2026-11 (tháng) hoặc 2026 (năm)",
		"year":         "“%s” không phải một năm từ 2015 đến 2100",
		"quarter":      "“%s” không phải một quý: 1, 2, 3 hoặc 4",
		"reversed":     "không được trước ngày bắt đầu của kỳ (%s)",
		"too_long":     "một kỳ dài tối đa %d ngày",
		"both":         "chỉ chọn kỳ theo một cách: kỳ, khoảng ngày, hoặc năm và quý",
		"unknown":      "“%s” không có trong danh mục",
		"not_in":       "“%s” không phải %s",
		"no_unit":      "đơn vị “%s” không tồn tại vào ngày %s",
		"no_field":     "không có thủ tục nào của danh mục thuộc lĩnh vực “%s”",
		"bad_value":    "%s",
		"need_quarter": "cần chọn cùng với năm",
		"channel":      "“%s” không phải một kênh: kiosk (tại trung tâm) hoặc qr (qua mã QR)",
		"procedure":    "“%s” không phải mã thủ tục hành chính (mã TTHC) dạng 1.004122",
		"ref":          "“%s” phải gồm 1 đến 64 chữ cái, chữ số, dấu '.', '_' hoặc '-'",
		"cursor":       "“%s” không phải một vị trí trong danh sách này: hãy mở lại danh sách từ trang đầu",
		"limit":        "“%s” không phải số nguyên từ 1 đến %d",
	},
}

// Message says the problem in lang ("vi" or "en"; anything else is
// English).
func (p Problem) Message(lang string) string {
	texts, ok := problemTexts[lang]
	if !ok {
		texts = problemTexts["en"]
	}
	f, ok := texts[p.Code]
	if !ok {
		f = problemTexts["en"][p.Code]
	}
	args := slices.Clone(p.Args) // the problem may be said again in another language
	for i, a := range args {
		switch a := a.(type) {
		case hailong.Date:
			if lang == "vi" {
				args[i] = a.Start().In(hailong.Location).Format("02/01/2006")
			}
		case string: // what the caller sent, quoted back: a bidirectional control would turn the message around
			args[i] = hailong.Visible(a)
		}
	}
	return fmt.Sprintf(f, args...)
}

// Problems is a list of problems of a query.
type Problems []Problem

// Add appends a problem.
func (ps *Problems) Add(field, code string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Code: code, Args: args})
}

// Err returns nil for no problem, else an EINVALID error whose field
// messages are in lang.
func (ps Problems) Err(lang string) error {
	if len(ps) == 0 {
		return nil
	}
	fields := make([]hailong.FieldError, len(ps))
	for i, p := range ps {
		fields[i] = hailong.FieldError{Field: p.Field, Message: p.Message(lang)}
	}
	msg := "The query is not valid."
	if lang == "vi" {
		msg = "Yêu cầu chưa hợp lệ."
	}
	return hailong.Invalid(msg, fields...)
}

// For returns the message of the first problem of field in lang, or "".
func (ps Problems) For(field, lang string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.Message(lang)
		}
	}
	return ""
}

var periodName = regexp.MustCompile(`^(\d{4})(?:-(?:Q([1-4])|(\d{2})))?$`)

// ParsePeriod reads the period of a query — one parser for every handler.
// A period is asked as period=2026-Q3 (a quarter), 2026-11 (a month) or
// 2026 (a year); or as from and to, each a date 2026-11-30 or 30/11/2026
// (hailong.ReadDate: what a Vietnamese page's form sends); or as year=Y
// with quarter=Q (the quarterly report's form). When none is given, def is
// used, or, when def is zero, from and to are reported missing. get reads
// a query parameter.
func ParsePeriod(get func(key string) string, def Period) (Period, Problems) {
	var ps Problems
	name, from, to := get("period"), get("from"), get("to")
	year, quarter := get("year"), get("quarter")
	forms := 0 // a query names one period, in one form: two would leave one ignored
	for _, given := range []bool{name != "", from != "" || to != "", year != "" || quarter != ""} {
		if given {
			forms++
		}
	}
	switch {
	case forms > 1:
		ps.Add("period", "both")
		return def, ps
	case name != "":
		m := periodName.FindStringSubmatch(name)
		if m == nil {
			ps.Add("period", "period", name)
			return def, ps
		}
		y, _ := strconv.Atoi(m[1])
		var p Period
		switch {
		case m[2] != "":
			q, _ := strconv.Atoi(m[2])
			p = QuarterOf(y, q)
		case m[3] != "":
			mo, _ := strconv.Atoi(m[3])
			if mo < 1 || mo > 12 {
				ps.Add("period", "period", name)
				return def, ps
			}
			p = MonthOf(y, time.Month(mo))
		default:
			p = YearOf(y)
		}
		if y < 2015 || y > 2100 {
			ps.Add("period", "year", m[1])
		}
		return p, ps
	case year != "" || quarter != "":
		y, err := strconv.Atoi(year)
		if err != nil || y < 2015 || y > 2100 {
			ps.Add("year", "year", year)
		}
		q, err := strconv.Atoi(quarter)
		switch {
		case quarter == "":
			ps.Add("quarter", "need_quarter")
		case err != nil || q < 1 || q > 4:
			ps.Add("quarter", "quarter", quarter)
		}
		if len(ps) > 0 {
			return def, ps
		}
		return QuarterOf(y, q), ps
	case from == "" && to == "" && def.From != 0:
		return def, ps
	}
	p := Period{Kind: Custom}
	date := func(field, v string) hailong.Date {
		if v == "" {
			ps.Add(field, "required")
			return 0
		}
		d, err := hailong.ReadDate(v)
		if err != nil {
			ps.Add(field, "date", v)
		}
		return d
	}
	p.From, p.To = date("from", from), date("to", to)
	for _, x := range []struct {
		field string
		d     hailong.Date
	}{{"from", p.From}, {"to", p.To}} {
		if y, _ := x.d.YearMonth(); x.d != 0 && (y < 2015 || y > 2100) {
			ps.Add(x.field, "year", strconv.Itoa(y))
		}
	}
	if len(ps) > 0 {
		return def, ps
	}
	if p.From > p.To {
		ps.Add("to", "reversed", p.From)
	} else if p.To-p.From > MaxPeriodDays {
		ps.Add("to", "too_long", MaxPeriodDays)
	}
	return p.calendar(), ps
}

// calendar names a custom period that is exactly a calendar month,
// quarter or year as such, so its previous period is the calendar one.
func (p Period) calendar() Period {
	y, m := p.From.YearMonth()
	for _, c := range []Period{MonthOf(y, m), QuarterContaining(p.From), YearOf(y)} {
		if c.From == p.From && c.To == p.To {
			return c
		}
	}
	return p
}
