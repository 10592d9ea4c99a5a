package export

import (
	"math"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"hailong"
	"hailong/aggregator/report"
)

// Number writes v with digits decimals as people of lang write it: 1.234,5
// in Vietnamese, 1,234.5 in English, a negative figure with the minus sign
// (U+2212, −1,96), not a hyphen. The pages, the PDF and the descriptions
// of files all write figures through it.
func Number(lang string, v float64, digits int) string {
	pr := message.NewPrinter(language.English)
	if lang == "vi" {
		pr = message.NewPrinter(language.Vietnamese)
	}
	s := pr.Sprint(number.Decimal(v, number.MinFractionDigits(digits), number.MaxFractionDigits(digits)))
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return minus + rest
	}
	return s
}

// minus is the minus sign figures are written with.
const minus = "\u2212"

// Points writes a change of a share 0–1 in percentage points with one
// decimal and its sign: +2,3 điểm % or −2,3 điểm % in Vietnamese, +2.3 pp
// or −2.3 pp in English. A change of rates is not a percentage of them:
// 80 % to 78 % is 2 points down, not 2 % down.
func Points(lang string, v float64) string {
	s := Number(lang, math.Round(v*1e8)/1e6, 1) // without the binary noise of ×100
	if !strings.HasPrefix(s, minus) && strings.ContainsAny(s, "123456789") {
		s = "+" + s
	}
	return s + "\u00a0" + strings.ReplaceAll(pointsUnit(lang), " ", "\u00a0")
}

// pointsUnit is how people of lang write percentage points.
func pointsUnit(lang string) string {
	if lang == "vi" {
		return "điểm %"
	}
	return "pp"
}

// Percent writes a share 0–1 as a percentage with one decimal: 83,6 % in
// Vietnamese (with a no-break space), 83.6% in English.
func Percent(lang string, v float64) string {
	return PercentTo(lang, v, 1)
}

// PercentTo is Percent with digits decimals.
func PercentTo(lang string, v float64, digits int) string {
	if lang == "vi" {
		return Number(lang, v*100, digits) + "\u00a0%"
	}
	return Number(lang, v*100, digits) + "%"
}

// FormatCell writes a cell as people of lang read it: 1.234 and 83,6 % in
// Vietnamese, 1,234 and 83.6% in English; a change of rates in percentage
// points (−2,3 điểm %, −2.3 pp); a Circular 01 score to the one decimal
// the circular scores with; a cell without a figure is its text.
func FormatCell(lang string, k report.Kind, c report.Cell) string {
	if c.Value == nil {
		return c.Text
	}
	v := *c.Value
	switch k {
	case report.KindCount:
		return Number(lang, v, 0)
	case report.KindRate:
		return Percent(lang, v)
	case report.KindRateChange:
		return Points(lang, v)
	case report.KindScore:
		return Number(lang, v, 1)
	}
	return Number(lang, v, 2)
}

// Duration writes a span as people of lang read it, in its two largest
// units at most: "2 ngày 3 giờ", "15 phút", "40 giây" in Vietnamese, "2 d
// 3 h", "15 min", "40 s" in English. It is rounded to the second; a span
// under a second, or negative, is "0 giây".
func Duration(lang string, d time.Duration) string {
	units := durationUnits[lang]
	if units == nil {
		units = durationUnits["en"]
	}
	d = d.Round(time.Second)
	n := [...]int64{int64(d / (24 * time.Hour)), int64(d/time.Hour) % 24, int64(d/time.Minute) % 60, int64(d/time.Second) % 60}
	for i := range n {
		if n[i] <= 0 {
			continue
		}
		s := Number(lang, float64(n[i]), 0) + " " + units[i]
		if i+1 < len(n) && n[i+1] > 0 {
			s += " " + Number(lang, float64(n[i+1]), 0) + " " + units[i+1]
		}
		return s
	}
	return "0 " + units[len(units)-1]
}

// durationUnits are the units Duration writes, largest first.
var durationUnits = map[string][]string{
	"vi": {"ngày", "giờ", "phút", "giây"},
	"en": {"d", "h", "min", "s"},
}

// Date writes a date as 30/11/2026 in Vietnamese and 30 Nov 2026 in
// English; the zero date is empty.
func Date(lang string, d hailong.Date) string {
	if d == 0 {
		return ""
	}
	s := DateTime(lang, d.Start())
	return s[:len(s)-len(" 00:00")]
}

// DateTime writes a moment in Vietnam time as 30/11/2026 15:04 in
// Vietnamese and 30 Nov 2026 15:04 in English.
func DateTime(lang string, t time.Time) string {
	t = t.In(hailong.Location)
	if lang == "vi" {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}
