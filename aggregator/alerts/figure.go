package alerts

import (
	"time"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// Figure writes a value an alert measured, or its threshold, as its kind
// reads, alike on the alerts page and in the alert emails: a share as a
// percentage (83,6 %); the Happy Index as the score out of 100 the reports
// write (87,5, never 87,5 %); a Circular 01 index on its 0–2 scale with
// two decimals; a count whole; the hours of silence or of a kiosk's queue
// as a span (5 giờ, 1 ngày 2 giờ).
func Figure(lang string, a hailong.Alert, v float64) string {
	switch a.Kind {
	case hailong.AlertNegativeShare:
		return export.Percent(lang, v)
	case hailong.AlertIndexBelow:
		switch {
		case a.Measure == MeasureSatisfaction:
			return export.Percent(lang, v)
		case a.Measure == MeasureHappyIndex:
			return export.FormatCell(lang, report.KindScore, report.Cell{Value: &v})
		case a.Measure == "" && v >= -1 && v <= 1: // an alert from before measures were recorded: the satisfaction rate
			return export.Percent(lang, v)
		}
		return export.Number(lang, v, 2)
	case hailong.AlertAnswerCount:
		return export.Number(lang, v, 0)
	case hailong.AlertSilence, hailong.AlertQueueAge:
		return export.Duration(lang, time.Duration(v*float64(time.Hour)))
	}
	return export.Number(lang, v, 2)
}
