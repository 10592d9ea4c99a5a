package alerts

import (
	"fmt"
	"slices"
	"strings"
)

// MeasureName names a measure an index_below rule watches, in lang ("vi",
// or English), as the pages, the reports and the alert emails name it:
// the Happy Index with its scale, a Circular 01 index by its number. ""
// for a measure that is none of Measures.
func MeasureName(lang, m string) string {
	vi := lang == "vi"
	switch {
	case m == MeasureSatisfaction && vi:
		return "Tỷ lệ hài lòng"
	case m == MeasureSatisfaction:
		return "Satisfaction rate"
	case m == MeasureHappyIndex && vi:
		return "Chỉ số Happy Index (0–100)"
	case m == MeasureHappyIndex:
		return "Happy Index (0–100)"
	case !strings.HasPrefix(m, MeasureCircular01) || !slices.Contains(Measures(), m):
		return ""
	case vi:
		return fmt.Sprintf("Thông tư 01, chỉ số %s", strings.TrimPrefix(m, MeasureCircular01))
	}
	return fmt.Sprintf("Circular 01, index %s", strings.TrimPrefix(m, MeasureCircular01))
}
