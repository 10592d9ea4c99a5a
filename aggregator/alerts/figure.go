package alerts

import (
	"math"
	"time"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// Figure writes a value an alert measured, or its threshold, as its kind
// reads, alike on the alerts page and in the alert emails: a share as a
// percentage (83,6 %); the Happy Index as the score out of 100 the reports
// write (87,5, never 87,5 %); a Circular 01 index on its 0–2 scale with
// two decimals; a count whole; silence in opening hours (5 giờ làm việc),
// since a silence rule counts only those; a kiosk queue's age as a span
// of time (1 ngày 2 giờ).
//
// An index alert stored before alerts recorded their measure is written
// with two decimals: its scale cannot be told from its figures (a
// satisfaction rate of 0,75 and a Circular 01 index of 0,75 look alike).
func Figure(lang string, a hailong.Alert, v float64) string {
	switch a.Kind {
	case hailong.AlertNegativeShare:
		return export.Percent(lang, v)
	case hailong.AlertIndexBelow:
		switch a.Measure {
		case MeasureSatisfaction:
			return export.Percent(lang, v)
		case MeasureHappyIndex:
			return export.FormatCell(lang, report.KindScore, report.Cell{Value: &v})
		}
		return export.Number(lang, v, 2)
	case hailong.AlertAnswerCount:
		return export.Number(lang, v, 0)
	case hailong.AlertSilence:
		return hours(lang, v, openingHours)
	case hailong.AlertQueueAge:
		if !(v >= 0 && v <= maxSpan) { // NaN too: no span to write
			return hours(lang, v, clockHours)
		}
		return export.Duration(lang, time.Duration(v*float64(time.Hour)))
	}
	return export.Number(lang, v, 2)
}

// Figures writes what an alert measured and its threshold, as Figure
// does, but never alike when they differ: a satisfaction rate of 99,95 %
// below a threshold of 100 % would read "100,0 % (ngưỡng 100,0 %)", a
// queue 24,5 hours old beside 24 hours "1 ngày (ngưỡng 1 ngày)"; they are
// written with as many more decimals as tell them apart (up to four).
func Figures(lang string, a hailong.Alert) (value, threshold string) {
	value, threshold = Figure(lang, a, a.Value), Figure(lang, a, a.Threshold)
	write, from := finer(lang, a)
	if write == nil || a.Value == a.Threshold {
		return value, threshold
	}
	apart := value != threshold
	if a.Kind == hailong.AlertSilence || a.Kind == hailong.AlertQueueAge {
		// Hours apart by a tenth at least: "4,0" beside "4" are not.
		apart = apart && write(a.Value, from) != write(a.Threshold, from)
	}
	if apart {
		return value, threshold
	}
	for d := from; d < from+4; d++ {
		if v, t := write(a.Value, d), write(a.Threshold, d); v != t {
			return v, t
		}
	}
	return value, threshold
}

// finer returns how Figures writes a's figures with more decimals, and
// the fewest it tries: nil for counts, which are whole.
func finer(lang string, a hailong.Alert) (write func(v float64, digits int) string, from int) {
	number := func(v float64, d int) string { return export.Number(lang, v, d) }
	withUnit := func(unit map[string]string) func(float64, int) string {
		return func(v float64, d int) string { return export.Number(lang, v, d) + " " + unitIn(lang, unit) }
	}
	switch {
	case a.Kind == hailong.AlertNegativeShare, a.Kind == hailong.AlertIndexBelow && a.Measure == MeasureSatisfaction:
		return func(v float64, d int) string { return export.PercentTo(lang, v, d) }, 2
	case a.Kind == hailong.AlertIndexBelow && a.Measure == MeasureHappyIndex:
		return number, 2
	case a.Kind == hailong.AlertIndexBelow:
		return number, 3
	case a.Kind == hailong.AlertSilence:
		return withUnit(openingHours), 1
	case a.Kind == hailong.AlertQueueAge:
		return withUnit(clockHours), 1
	}
	return nil, 0
}

// maxSpan is the most hours Figure writes as a span: beyond it (a century)
// a time.Duration would overflow, and a figure so large is better read as
// it is.
const maxSpan = 100 * 365 * 24

// The units hours writes in.
var (
	openingHours = map[string]string{"vi": "giờ làm việc", "en": "opening hours"}
	clockHours   = map[string]string{"vi": "giờ", "en": "h"}
)

// hours writes v hours with their unit: whole when they are, else with
// one decimal.
func hours(lang string, v float64, unit map[string]string) string {
	digits := 1
	if v == math.Trunc(v) {
		digits = 0
	}
	return export.Number(lang, v, digits) + " " + unitIn(lang, unit)
}

// unitIn is unit's word in lang, or in English.
func unitIn(lang string, unit map[string]string) string {
	if u, ok := unit[lang]; ok {
		return u
	}
	return unit["en"]
}
