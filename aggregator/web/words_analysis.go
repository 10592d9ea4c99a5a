package web

import (
	"net/url"

	"hailong/aggregator/report"
)

func init() {
	addWords(map[string]string{
		"an_title": "Phân tích đơn vị", "an_trend": "Diễn biến theo tháng",
		"an_trend_desc":          "Tỷ lệ hài lòng theo tháng (đường liền, dải là khoảng tin cậy 95%) và tỷ lệ theo Quyết định 766 (đường nét đứt); tháng chưa đủ số lượt đánh giá để trống. Số liệu ở bảng bên dưới.",
		"an_trend_span":          "Từ %s đến %s",
		"an_sat":                 "Tỷ lệ hài lòng",
		"an_766":                 "Tỷ lệ QĐ 766",
		"an_band":                "Khoảng tin cậy 95%",
		"an_sipas":               "Hồ sơ SIPAS: từng nội dung",
		"an_sipas_desc":          "Tỷ lệ hài lòng của từng nội dung khảo sát SIPAS theo nhóm tiêu chí, với khoảng tin cậy 95%. Số liệu ở bảng bên dưới.",
		"an_worst":               "Thấp nhất",
		"an_breakdowns":          "Phân tích theo thủ tục, lĩnh vực, công chức, quầy, kênh và phiếu",
		"an_table_data":          "Bảng số liệu",
		"an_none":                "Không có dòng nào trong kỳ này.",
		"an_period":              "Kỳ",
		"an_period_hint":         "2026-Q3, 2026-11 hoặc 2026",
		"an_show":                "Xem",
		"an_official":            "Công chức %s",
		"an_official_at":         "tại",
		"an_of_unit":             "Đơn vị",
		"an_current":             "Trong kỳ",
		"an_score":               "Điểm Thông tư 01",
		"an_class":               "Xếp loại",
		"an_official_trend":      "Điểm Thông tư 01 theo quý",
		"an_official_trend_desc": "Điểm Thông tư 01 của công chức theo quý, thang 0–10 (từ 5 điểm: hoàn thành 100% nhiệm vụ; từ 3,5: 70% đến dưới 100%); quý chưa có dữ liệu để trống. Số liệu ở bảng bên dưới.",
		"an_pull":                "Chỉ số kéo điểm xuống nhiều nhất",
		"an_back":                "Về trang đơn vị",
		"an_no_ratings":          "Công chức này chưa có lượt đánh giá nào tại đơn vị trong hai năm qua.",
	}, map[string]string{
		"an_title": "Unit analysis", "an_trend": "Monthly trend",
		"an_trend_desc":          "Satisfaction rate by month (solid line, the band is the 95% interval) and the Decision 766 ratio (dashed line); months with too few ratings are left blank. The figures are in the table below.",
		"an_trend_span":          "From %s to %s",
		"an_sat":                 "Satisfaction rate",
		"an_766":                 "Decision 766 ratio",
		"an_band":                "95% interval",
		"an_sipas":               "SIPAS profile: statement by statement",
		"an_sipas_desc":          "Satisfaction with each SIPAS statement by element, with its 95% interval. The figures are in the table below.",
		"an_worst":               "Lowest",
		"an_breakdowns":          "By procedure, field, official, counter, channel and questionnaire",
		"an_table_data":          "Table of figures",
		"an_none":                "No rows in this period.",
		"an_period":              "Period",
		"an_period_hint":         "2026-Q3, 2026-11 or 2026",
		"an_show":                "Show",
		"an_official":            "Official %s",
		"an_official_at":         "at",
		"an_of_unit":             "Unit",
		"an_current":             "In the period",
		"an_score":               "Circular 01 score",
		"an_class":               "Classification",
		"an_official_trend":      "Circular 01 score by quarter",
		"an_official_trend_desc": "The official's Circular 01 score by quarter, on 0–10 (5 or more: every task completed; 3.5 or more: 70% to under 100%); quarters without data are left blank. The figures are in the table below.",
		"an_pull":                "Indices that pull the score down most",
		"an_back":                "Back to the unit page",
		"an_no_ratings":          "This official has no ratings at the unit in the last two years.",
	})
	funcs["an_cell"] = analysisCell
	funcs["an_table"] = func(lang string, q url.Values, download bool, t report.Table) analysisTable {
		return analysisTable{Table: t, Lang: lang, Query: q, Download: download, LinkCol: linkColumn(t), T: words[lang]}
	}
}

// analysisTable is what the analysis_table template shows: a table with
// its page's language and query, for downloads that keep the view.
type analysisTable struct {
	report.Table
	Lang     string
	T        map[string]string
	Query    url.Values
	Download bool
	// LinkCol is the column whose cell carries the row's link: the first
	// of words (a rank comes before the name).
	LinkCol int
}

func linkColumn(t report.Table) int {
	for i, c := range t.Columns {
		if c.Kind == report.KindText {
			return i
		}
	}
	return 0
}

// analysisCell writes a table cell in the page's conventions.
func analysisCell(lang string, k report.Kind, c report.Cell) string {
	if c.Value == nil {
		return c.Text
	}
	switch k {
	case report.KindRate:
		return formatRate(lang, c.Value)
	case report.KindScore:
		return formatNumber(lang, c.Value, 1)
	case report.KindZ:
		return formatNumber(lang, c.Value, 2)
	case report.KindCount:
		return formatNumber(lang, c.Value, 0)
	}
	return formatNumber(lang, c.Value, 2)
}
