package report

import (
	"fmt"
	"slices"
	"strconv"

	"hailong/measure"
)

// tableWords are the words of the analysis tables, by language.
var tableWords = map[string]map[string]string{
	"vi": {
		"channel_kiosk": "Tại trung tâm", "channel_qr": "Qua mã QR",
		"by_procedure": "Theo thủ tục", "by_field": "Theo lĩnh vực", "by_official": "Theo công chức",
		"by_counter": "Theo quầy", "by_channel": "Theo kênh", "by_questionnaire": "Theo phiếu khảo sát",
		"dim_procedure": "Thủ tục", "dim_field": "Lĩnh vực", "dim_official": "Công chức", "dim_counter": "Quầy",
		"dim_channel": "Kênh", "dim_questionnaire": "Phiếu",
		"code": "Mã", "n": "Số lượt", "rate": "Tỷ lệ hài lòng", "lo": "Cận dưới 95%", "hi": "Cận trên 95%",
		"happy": "Chỉ số Happy Index (0–100)", "d766": "Tỷ lệ QĐ 766", "dossiers": "Số hồ sơ", "rank": "Hạng",
		"month": "Tháng", "trend": "Diễn biến theo tháng", "element": "Nhóm tiêu chí", "statement": "Nội dung",
		"sipas":           "Mức độ hài lòng theo từng nội dung (kiểu SIPAS)",
		"worst_procedure": "Thủ tục có tỷ lệ hài lòng thấp nhất", "worst_official": "Công chức có tỷ lệ hài lòng thấp nhất",
		"period": "Kỳ", "from": "Từ ngày", "to": "Đến ngày", "score": "Điểm (TT 01)", "class": "Xếp loại",
		"official_periods": "Điểm Thông tư 01 theo quý", "pull_down": "Chỉ số kéo điểm xuống", "index": "Chỉ số",
		"index_score": "Điểm chỉ số (0–2)", "lost": "Điểm bị mất", "source": "Nguồn",
		"not_enough": "Chưa đủ số lượt đánh giá", "no_data": "Chưa có dữ liệu",
		"note_rate":      "Tỷ lệ hài lòng = số lượt chọn hai mức cao nhất ÷ số lượt; khoảng tin cậy 95%% Wilson. Dưới %d lượt không công bố tỷ lệ.",
		"note_none":      " Lượt đánh giá không ghi %s không thuộc dòng nào.",
		"note_worst":     "Chỉ xếp các dòng đủ %d lượt; các dòng bằng tỷ lệ cùng hạng, và dòng bằng tỷ lệ với dòng cuối đều được giữ.",
		"note_official":  "Điểm của công chức = chỉ số 1+2+3+4+7 (tối đa 10): từ 5 điểm hoàn thành 100%% nhiệm vụ, từ 3,5 điểm 70%% đến dưới 100%%, dưới 3,5 điểm dưới 70%%; chỉ xếp loại khi mọi chỉ số đủ %d lượt.",
		"source_ratings": "Đánh giá của người dân", "source_outcomes": "Phần mềm một cửa",
		"class_100%": "Hoàn thành 100% nhiệm vụ", "class_70-100%": "Hoàn thành 70% đến dưới 100%", "class_<70%": "Hoàn thành dưới 70%",
	},
	"en": {
		"channel_kiosk": "At the centre", "channel_qr": "By QR code",
		"by_procedure": "By procedure", "by_field": "By field", "by_official": "By official",
		"by_counter": "By counter", "by_channel": "By channel", "by_questionnaire": "By questionnaire",
		"dim_procedure": "Procedure", "dim_field": "Field", "dim_official": "Official", "dim_counter": "Counter",
		"dim_channel": "Channel", "dim_questionnaire": "Questionnaire",
		"code": "Code", "n": "Ratings", "rate": "Satisfaction rate", "lo": "95% lower", "hi": "95% upper",
		"happy": "Happy Index (0–100)", "d766": "Decision 766 ratio", "dossiers": "Dossiers", "rank": "Rank",
		"month": "Month", "trend": "Monthly trend", "element": "Element", "statement": "Statement",
		"sipas":           "Satisfaction statement by statement (SIPAS-style)",
		"worst_procedure": "Procedures with the lowest satisfaction", "worst_official": "Officials with the lowest satisfaction",
		"period": "Period", "from": "From", "to": "To", "score": "Score (Circular 01)", "class": "Classification",
		"official_periods": "Circular 01 score by quarter", "pull_down": "Indices that pull the score down", "index": "Index",
		"index_score": "Index score (0–2)", "lost": "Points lost", "source": "Source",
		"not_enough": "Not enough ratings", "no_data": "No data yet",
		"note_rate":      "Satisfaction rate = ratings in the top two levels ÷ ratings; 95%% Wilson interval. Below %d ratings no rate is published.",
		"note_none":      " Ratings with no %s recorded are in no row.",
		"note_worst":     "Only rows with %d ratings or more are ranked; equal rates share a rank, and rows tied with the last are all kept.",
		"note_official":  "An official's score = indices 1+2+3+4+7 (at most 10): 5 or more completed 100%% of tasks, 3.5 or more 70%% to under 100%%, under 3.5 under 70%%; classified only when every index has %d ratings.",
		"source_ratings": "Citizens' ratings", "source_outcomes": "One-stop software",
		"class_100%": "100% of tasks completed", "class_70-100%": "70% to under 100% completed", "class_<70%": "Under 70% completed",
	},
}

func wordsIn(lang string) map[string]string {
	if w, ok := tableWords[lang]; ok {
		return w
	}
	return tableWords["vi"]
}

func num(v float64) *float64 { return &v }

// textCell is a cell of words.
func textCell(s string) Cell { return Cell{Text: s} }

// countCell is a whole number.
func countCell(n int64) Cell { return Cell{Value: num(float64(n))} }

// rateCells are a proportion's rate and interval, or why they are not
// shown.
func rateCells(p Proportion, w map[string]string) []Cell {
	if p.Rate == nil {
		return []Cell{{Text: w["no_data"]}, {}, {}}
	}
	if !p.EnoughRatings {
		return []Cell{{Text: w["not_enough"]}, {}, {}}
	}
	return []Cell{{Value: p.Rate}, {Value: &p.CI95[0]}, {Value: &p.CI95[1]}}
}

// rateColumns are the columns of rateCells.
func rateColumns(w map[string]string) []Column {
	return []Column{{w["rate"], KindRate}, {w["lo"], KindRate}, {w["hi"], KindRate}}
}

// BreakdownTable is a breakdown as a table; link gives each row's page, or
// "" for none.
func (r *Reporter) BreakdownTable(b Breakdown, lang string, link func(key string) string) Table {
	return r.rowsTable("by_"+b.Dimension, wordsIn(lang)["by_"+b.Dimension], b.Dimension, b.Rows, false, lang, link)
}

// WorstTable is a list of the worst rows (from Worst) of a breakdown by
// dim as a table.
func (r *Reporter) WorstTable(dim string, rows []BreakdownRow, lang string, link func(key string) string) Table {
	t := r.rowsTable("worst_"+dim, wordsIn(lang)["worst_"+dim], dim, rows, true, lang, link)
	t.Note += " " + fmt.Sprintf(wordsIn(lang)["note_worst"], r.MinSample)
	return t
}

func (r *Reporter) rowsTable(name, title, dim string, rows []BreakdownRow, ranked bool, lang string, link func(string) string) Table {
	w := wordsIn(lang)
	t := Table{Name: name, Title: title, Note: fmt.Sprintf(w["note_rate"], r.MinSample)}
	if dim != "channel" && dim != "questionnaire" {
		t.Note += fmt.Sprintf(w["note_none"], w["dim_"+dim])
	}
	if ranked {
		t.Columns = append(t.Columns, Column{w["rank"], KindCount})
	}
	// The code is its own column where it differs from the name
	// (procedures, questionnaires); officials and counters have only codes.
	coded := slices.ContainsFunc(rows, func(r BreakdownRow) bool { return r.Name != r.Key })
	t.Columns = append(t.Columns, Column{w["dim_"+dim], KindText})
	if coded {
		t.Columns = append(t.Columns, Column{w["code"], KindText})
	}
	t.Columns = append(t.Columns, Column{w["n"], KindCount})
	t.Columns = append(t.Columns, rateColumns(w)...)
	t.Columns = append(t.Columns, Column{w["happy"], KindScore})
	with766 := len(rows) > 0 && rows[0].Decision766 != nil
	if with766 {
		t.Columns = append(t.Columns, Column{w["dossiers"], KindCount}, Column{w["d766"], KindRate})
	}
	for _, row := range rows {
		var cells []Cell
		if ranked {
			cells = append(cells, countCell(int64(row.Rank)))
		}
		cells = append(cells, textCell(row.Name))
		if coded {
			cells = append(cells, textCell(row.Key))
		}
		cells = append(cells, countCell(row.Satisfaction.N))
		cells = append(cells, rateCells(row.Satisfaction, w)...)
		switch {
		case row.HappyIndex.Value == nil:
			cells = append(cells, Cell{Text: w["no_data"]})
		case !row.HappyIndex.EnoughRatings:
			cells = append(cells, Cell{Text: w["not_enough"]})
		default:
			cells = append(cells, Cell{Value: row.HappyIndex.Value})
		}
		if with766 {
			d := row.Decision766
			cells = append(cells, countCell(d.N), rateCells(*d, w)[0])
		}
		out := Row{Cells: cells}
		if link != nil {
			out.Link = link(row.Key)
		}
		t.Rows = append(t.Rows, out)
	}
	return t
}

// TrendTable is a monthly trend as a table: the chart's accessible
// equivalent, and its download.
func (r *Reporter) TrendTable(months []MonthRow, lang string) Table {
	w := wordsIn(lang)
	t := Table{Name: "trend", Title: w["trend"], Note: fmt.Sprintf(w["note_rate"], r.MinSample)}
	t.Columns = append([]Column{{w["month"], KindText}, {w["n"], KindCount}}, rateColumns(w)...)
	t.Columns = append(t.Columns, Column{w["dossiers"], KindCount}, Column{w["d766"], KindRate})
	for _, m := range months {
		cells := append([]Cell{textCell(monthLabel(m.Month, lang)), countCell(m.Satisfaction.N)}, rateCells(m.Satisfaction, w)...)
		cells = append(cells, countCell(m.Decision766.N), rateCells(m.Decision766, w)[0])
		t.Rows = append(t.Rows, Row{Cells: cells})
	}
	return t
}

// monthLabel writes YYYY-MM as 11/2026 in Vietnamese; English keeps it.
func monthLabel(month, lang string) string {
	if lang != "vi" || len(month) != 7 {
		return month
	}
	m, _ := strconv.Atoi(month[5:])
	return fmt.Sprintf("%d/%s", m, month[:4])
}

// SIPASTable is the SIPAS profile: each statement's satisfaction, by
// element.
func (r *Reporter) SIPASTable(s SIPAS, lang string) Table {
	w := wordsIn(lang)
	t := Table{Name: "sipas_profile", Title: w["sipas"], Note: fmt.Sprintf(w["note_rate"], r.MinSample)}
	t.Columns = append([]Column{{w["element"], KindText}, {w["statement"], KindText}, {w["n"], KindCount}}, rateColumns(w)...)
	titles := map[string]string{}
	for _, e := range s.Elements {
		titles[e.ID] = e.Title
	}
	for _, it := range s.Items {
		cells := append([]Cell{textCell(titles[it.Element]), textCell(it.Text), countCell(it.N)}, rateCells(it.Proportion, w)...)
		t.Rows = append(t.Rows, Row{Cells: cells})
	}
	return t
}

// ClassName is an official's Circular 01 classification in words.
func ClassName(class, lang string) string {
	if w, ok := wordsIn(lang)["class_"+class]; ok {
		return w
	}
	return class
}

// OfficialTables are an official's score period by period and the indices
// that pull the current one down.
func (r *Reporter) OfficialTables(o Official, lang string, label func(Period) string) []Table {
	w := wordsIn(lang)
	periods := Table{Name: "official_periods", Title: w["official_periods"], Note: fmt.Sprintf(w["note_official"], r.MinSample),
		Columns: []Column{{w["period"], KindText}, {w["n"], KindCount}, {w["score"], KindScore}, {w["class"], KindText}}}
	periods.Columns = append(periods.Columns, rateColumns(w)...)
	for _, p := range o.Periods {
		cells := []Cell{textCell(label(p.Period)), countCell(p.Satisfaction.N)}
		switch {
		case p.Score.Value == nil:
			cells = append(cells, Cell{Text: w["no_data"]}, Cell{})
		case !p.Score.EnoughRatings:
			cells = append(cells, Cell{Value: p.Score.Value}, Cell{Text: w["not_enough"]})
		default:
			cells = append(cells, Cell{Value: p.Score.Value}, textCell(ClassName(p.Score.Classification, lang)))
		}
		periods.Rows = append(periods.Rows, Row{Cells: append(cells, rateCells(p.Satisfaction, w)...)})
	}
	pull := Table{Name: "pull_down", Title: w["pull_down"], Note: fmt.Sprintf(w["note_official"], r.MinSample),
		Columns: []Column{{w["index"], KindText}, {w["source"], KindText}, {w["n"], KindCount}, {w["index_score"], KindScore}, {w["lost"], KindScore}}}
	for _, ix := range o.PullDown {
		lost := measure.Round1(2 - *ix.Score)
		cells := []Cell{textCell(strconv.Itoa(ix.Index)), textCell(w["source_"+ix.Source]), countCell(ix.N), {Value: ix.Score}, {Value: num(lost)}}
		if !ix.EnoughRatings {
			cells[4] = Cell{Text: w["not_enough"]}
		}
		pull.Rows = append(pull.Rows, Row{Cells: cells})
	}
	return []Table{periods, pull}
}
