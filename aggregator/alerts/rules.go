package alerts

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"hailong"
	"hailong/aggregator/export"
)

// The measures an index_below rule can watch.
const (
	MeasureSatisfaction = "satisfaction" // share satisfied, 0–1
	MeasureHappyIndex   = "happy_index"  // 0–100
	// MeasureCircular01 is followed by the index's number: circular01_7 is
	// index 7 (officials' attitude), scored 0–2.
	MeasureCircular01 = "circular01_"
)

// Measures lists the measures an index_below rule can watch: the
// satisfaction rate, the Happy Index and the Circular 01 indices the
// citizens answer (1, 3, 4, 7).
func Measures() []string {
	return []string{MeasureSatisfaction, MeasureHappyIndex, MeasureCircular01 + "1", MeasureCircular01 + "3", MeasureCircular01 + "4", MeasureCircular01 + "7"}
}

// Kinds lists every kind of rule, in a stable order.
func Kinds() []hailong.AlertKind {
	return []hailong.AlertKind{hailong.AlertNegativeShare, hailong.AlertIndexBelow, hailong.AlertAnswerCount, hailong.AlertSilence, hailong.AlertQueueAge}
}

// OverRatings reports whether rules of kind k count ratings (and so have a
// minimum number of them); silence and queue age watch the clock.
func OverRatings(k hailong.AlertKind) bool {
	return k == hailong.AlertNegativeShare || k == hailong.AlertIndexBelow || k == hailong.AlertAnswerCount
}

// HarassmentQuestion and HarassmentAnswer are Circular 01 index 7's answer
// "Gây phiền hà, sách nhiễu" (scored 0) on the counter questionnaire
// (assets/questionnaires/counter-quick.v1.json): an accusation of
// harassment, which a default rule reports at its first occurrence.
const (
	HarassmentQuestion = "attitude"
	HarassmentAnswer   = "0"
)

// DefaultRules are the rules a fresh installation starts with, over every
// unit (Unit ""): made once at the first start, then edited, disabled or
// deleted like any other, and never made again.
func DefaultRules(now time.Time) []hailong.AlertRule {
	day := 24 * time.Hour
	rules := []hailong.AlertRule{
		{ID: "default-negative-share", Name: "Tỷ lệ không hài lòng từ 30 % trong 7 ngày", Kind: hailong.AlertNegativeShare,
			Threshold: 0.3, Window: 7 * day, MinRatings: 30},
		{ID: "default-satisfaction", Name: "Tỷ lệ hài lòng dưới 80 % trong 30 ngày", Kind: hailong.AlertIndexBelow,
			Measure: MeasureSatisfaction, Threshold: 0.8, Window: 30 * day, MinRatings: 30},
		{ID: "default-harassment", Name: "Phản ánh công chức gây phiền hà, sách nhiễu", Kind: hailong.AlertAnswerCount,
			Question: HarassmentQuestion, Answer: HarassmentAnswer, Threshold: 1, Window: 7 * day, MinRatings: 1},
		{ID: "default-silence", Name: "Không có đánh giá trong 4 giờ làm việc", Kind: hailong.AlertSilence,
			Window: 4 * time.Hour},
		{ID: "default-queue-age", Name: "Ki-ốt giữ đánh giá chưa gửi quá 24 giờ", Kind: hailong.AlertQueueAge,
			Window: day},
	}
	for i := range rules {
		rules[i].Enabled, rules[i].Default, rules[i].Created = true, true, now
	}
	return rules
}

// defaultNamesEN are the default rules' names in English, by ID.
var defaultNamesEN = map[string]string{
	"default-negative-share": "Negative ratings at 30% or more over 7 days",
	"default-satisfaction":   "Satisfaction below 80% over 30 days",
	"default-harassment":     "Officials reported for causing trouble or harassment",
	"default-silence":        "No ratings in 4 opening hours",
	"default-queue-age":      "A kiosk holding unsent ratings for over 24 hours",
}

// RuleName is the name of rule id, called name, as a page or an email in
// lang shows it: a default rule whose name nobody changed is named in
// English on an English page (its name is stored in Vietnamese); any
// other name is the one its author gave.
func RuleName(lang, id, name string) string {
	if lang == "vi" {
		return name
	}
	en, ok := defaultNamesEN[id]
	if !ok {
		return name
	}
	for _, d := range DefaultRules(time.Time{}) {
		if d.ID == id && d.Name == name {
			return en
		}
	}
	return name
}

// maxWindow bounds a rule's window: a year is the longest look back that
// still says something about now.
const maxWindow = 366 * 24 * time.Hour

// Problem is one thing wrong with a rule, for the field it concerns.
type Problem struct {
	Field, Code string
	Args        []any
}

var problemTexts = map[string]map[string]string{
	"vi": {
		"name":      "Hãy đặt tên cho quy tắc (tối đa 200 ký tự).",
		"kind":      "Loại quy tắc không hợp lệ.",
		"unit":      "Đơn vị %q không có hoặc nằm ngoài phạm vi của bạn.",
		"measure":   "Hãy chọn một chỉ số: %s.",
		"question":  "Câu hỏi %q không phải câu hỏi theo Thông tư 01 của bảng hỏi nào.",
		"answer":    "Câu trả lời phải là 0, 1 hoặc 2 (điểm theo Thông tư 01).",
		"threshold": "Ngưỡng phải là một số trong khoảng %s.",
		"always":    "Tỷ lệ đánh giá không hài lòng từ 0 trở lên thì đơn vị nào cũng có: quy tắc sẽ báo ở mọi đơn vị. Ngưỡng phải lớn hơn 0 và không quá 1.",
		"window":    "Khoảng thời gian phải từ 1 giờ đến 366 ngày.",
		"days":      "Quy tắc theo lượt đánh giá tính theo ngày trọn vẹn: khoảng thời gian phải là bội số của 24 giờ (24 giờ là hôm nay, 168 giờ là hôm nay và 6 ngày trước).",
		"min":       "Số lượt đánh giá tối thiểu phải từ 1 đến 1.000.000.",
		"unknown":   "Không có quy tắc %q.",
	},
	"en": {
		"name":      "Give the rule a name (at most 200 characters).",
		"kind":      "Not a kind of rule.",
		"unit":      "Unit %q does not exist or is outside your scope.",
		"measure":   "Choose a measure: %s.",
		"question":  "Question %q is not a Circular 01 question of any questionnaire.",
		"answer":    "The answer must be 0, 1 or 2 (the Circular 01 score).",
		"threshold": "The threshold must be a number within %s.",
		"always":    "Every unit has a share of negative ratings of 0 or more: the rule would fire for every unit. The threshold must be above 0 and at most 1.",
		"window":    "The window must be from 1 hour to 366 days.",
		"days":      "A rule over ratings counts whole days: the window must be a multiple of 24 hours (24 hours is today, 168 hours today and the 6 days before).",
		"min":       "The minimum number of ratings must be from 1 to 1,000,000.",
		"unknown":   "There is no rule %q.",
	},
}

// Message says the problem in lang ("vi", else English). Its values are
// written in lang too: a range's numbers as people of lang write them, the
// measures by their names.
func (p Problem) Message(lang string) string {
	texts, ok := problemTexts[lang]
	if !ok {
		texts = problemTexts["en"]
	}
	args := p.Args
	switch p.Code {
	case "threshold": // lo, hi, as Check gives them
		if len(args) == 2 {
			lo, okLo := args[0].(float64)
			hi, okHi := args[1].(float64)
			if okLo && okHi {
				args = []any{export.Number(lang, lo, 0) + "–" + export.Number(lang, hi, 0)}
			}
		}
	case "measure": // the measures there are, by name
		var names []string
		for _, m := range Measures() {
			names = append(names, MeasureName(lang, m)+" ("+m+")")
		}
		args = []any{strings.Join(names, "; ")}
	}
	return fmt.Sprintf(texts[p.Code], args...)
}

// Problems are the problems of a rule.
type Problems []Problem

// Err returns nil for no problem, else an EINVALID error whose field
// messages are in lang.
func (ps Problems) Err(lang string) error {
	if len(ps) == 0 {
		return nil
	}
	e := &hailong.Error{Code: hailong.EINVALID, Message: "The alert rule is not valid."}
	if lang == "vi" {
		e.Message = "Quy tắc cảnh báo không hợp lệ."
	}
	for _, p := range ps {
		e.Fields = append(e.Fields, hailong.FieldError{Field: p.Field, Message: p.Message(lang)})
	}
	return e
}

// thresholdRange is the range of a rule's threshold, by kind and measure.
func thresholdRange(r *hailong.AlertRule) (lo, hi float64) {
	switch {
	case r.Kind == hailong.AlertNegativeShare || (r.Kind == hailong.AlertIndexBelow && r.Measure == MeasureSatisfaction):
		return 0, 1
	case r.Kind == hailong.AlertIndexBelow && r.Measure == MeasureHappyIndex:
		return 0, 100
	case r.Kind == hailong.AlertIndexBelow:
		return 0, 2
	case r.Kind == hailong.AlertAnswerCount:
		return 1, 1e6
	}
	return 0, 0
}

// Check checks a rule's fields, given whether its unit may be used (""
// is every unit) and the catalogue its questions come from. It clears
// the fields its kind does not use. was is the rule as stored, for a
// change of one (nil for a new rule): a window of whole days is asked of
// a rule over ratings only when its window or kind changes, so that a
// rule saved before that was asked (36 hours was taken, and counts as
// two days) can still be disabled, renamed or given a threshold.
func Check(r *hailong.AlertRule, was *hailong.AlertRule, unitOK func(string) bool, catalog *hailong.Catalog) Problems {
	var ps Problems
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len([]rune(r.Name)) > 200 {
		ps = append(ps, Problem{Field: "name", Code: "name"})
	}
	if !slices.Contains(Kinds(), r.Kind) {
		return append(ps, Problem{Field: "kind", Code: "kind"})
	}
	if !unitOK(r.Unit) {
		ps = append(ps, Problem{Field: "unit", Code: "unit", Args: []any{r.Unit}})
	}
	measureOK := true
	if r.Kind != hailong.AlertIndexBelow {
		r.Measure = ""
	} else if !slices.Contains(Measures(), r.Measure) {
		ps, measureOK = append(ps, Problem{Field: "measure", Code: "measure"}), false
	}
	if r.Kind != hailong.AlertAnswerCount {
		r.Question, r.Answer = "", ""
	} else {
		if !circular01Question(catalog, r.Question) {
			ps = append(ps, Problem{Field: "question", Code: "question", Args: []any{r.Question}})
		}
		if v, err := strconv.Atoi(r.Answer); err != nil || v < 0 || v > 2 {
			ps = append(ps, Problem{Field: "answer", Code: "answer"})
		}
	}
	if OverRatings(r.Kind) {
		// A threshold's range is its measure's: none is told for a measure
		// that is not one.
		lo, hi := thresholdRange(r)
		switch {
		case !measureOK:
		case math.IsNaN(r.Threshold) || r.Threshold < lo || r.Threshold > hi:
			ps = append(ps, Problem{Field: "threshold", Code: "threshold", Args: []any{lo, hi}})
		case r.Kind == hailong.AlertNegativeShare && r.Threshold == 0 && (was == nil || was.Kind != r.Kind || was.Threshold != r.Threshold):
			// It fires at a share at or above its threshold: at 0, always.
			// One stored so before this was refused can still be disabled
			// or renamed.
			ps = append(ps, Problem{Field: "threshold", Code: "always"})
		}
		if r.MinRatings < 1 || r.MinRatings > 1e6 {
			ps = append(ps, Problem{Field: "min_ratings", Code: "min"})
		}
	} else {
		r.Threshold, r.MinRatings = 0, 0
	}
	switch {
	case r.Window < time.Hour || r.Window > maxWindow:
		ps = append(ps, Problem{Field: "window", Code: "window"})
	case OverRatings(r.Kind) && r.Window%(24*time.Hour) != 0 && (was == nil || was.Window != r.Window || was.Kind != r.Kind):
		ps = append(ps, Problem{Field: "window", Code: "days"}) // a rollup's smallest period is a day
	}
	return ps
}

// circular01Question reports whether q is a Circular 01 question of a
// questionnaire of the catalogue.
func circular01Question(catalog *hailong.Catalog, q string) bool {
	if catalog == nil {
		return false
	}
	for _, qn := range catalog.All() {
		if qu, ok := qn.Question(q); ok && qu.Circular01Index != 0 {
			return true
		}
	}
	return false
}
