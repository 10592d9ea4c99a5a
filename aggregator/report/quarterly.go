package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/measure"
)

// QuarterlyOptions says how a quarterly report is made.
type QuarterlyOptions struct {
	Lang string
	// Allowed keeps the child units the reader may see; nil allows all.
	Allowed func(unit string) bool
	// Lowest is how many of the lowest-scoring procedures are listed (and
	// those tied with the last); zero lists ten.
	Lowest int
}

// Quarterly is the quarterly report (báo cáo quý) of a unit: the figures
// the Sở Nội vụ reports to the provincial People's Committee each quarter.
// PDF, XLSX and the reports page are all made from it, through Tables.
type Quarterly struct {
	// Measures holds the headline measures with the ranking of the child
	// units (ByUnit).
	Measures Measures `json:"measures"`
	// Previous and YearEarlier compare the headline rates with the
	// previous quarter and the same quarter a year earlier.
	Previous    Measures     `json:"previous"`
	YearEarlier Measures     `json:"year_earlier"`
	Changes     []RateChange `json:"changes"`
	// Agencies classifies each child unit by its Circular 01 agency score.
	Agencies []AgencyRow `json:"agencies"`
	// Officials classifies each official rated in the quarter by the
	// Circular 01 official's score, highest first.
	Officials []OfficialRow `json:"officials"`
	// Trend is the twelve months that end with the quarter.
	Trend []MonthRow `json:"trend"`
	// Lowest are the procedures with enough ratings and the lowest
	// satisfaction, lowest first, ranked as Worst ranks them.
	Lowest []BreakdownRow `json:"lowest_procedures"`
}

// RateChange is one headline rate against the previous quarter and the
// same quarter a year earlier.
type RateChange struct {
	Measure     string     `json:"measure"` // "satisfaction" or "decision766"
	Now         Proportion `json:"now"`
	Previous    Change     `json:"previous"`
	YearEarlier Change     `json:"year_earlier"`
}

// AgencyRow is a child unit's Circular 01 agency score.
type AgencyRow struct {
	Unit  string `json:"unit"`
	Name  string `json:"name"`
	Score Score  `json:"score"`
}

// OfficialRow is an official's Circular 01 score and satisfaction.
type OfficialRow struct {
	Official     string     `json:"official"`
	Satisfaction Proportion `json:"satisfaction"`
	Score        Score      `json:"score"`
}

// Quarterly makes the quarterly report of the resolved query q, whose
// period must be a calendar quarter. Officials and procedures are grouped
// in one pass each (rollup GroupBy).
func (r *Reporter) Quarterly(q Query, o QuarterlyOptions) (Quarterly, error) {
	if q.Period.Kind != Quarter {
		return Quarterly{}, hailong.Invalid("The quarterly report is of a calendar quarter.",
			hailong.FieldError{Field: "quarter", Message: "the period is not a calendar quarter"})
	}
	if o.Lowest == 0 {
		o.Lowest = 10
	}
	var out Quarterly
	// One pass answers the headline, the ranking and the agencies.
	group := make([]int, len(q.Units))
	b := Breakdowns{Units: true, Allowed: o.Allowed}
	children, err := r.childGroups(q, b, group)
	if err != nil {
		return out, err
	}
	res, groups, _ := r.Rollup().Breakdown(q.Units, group, q.From, q.To, q.Filter)
	var groups766 []rollup.Outcomes
	res.Outcomes, groups766, _ = r.Outcomes.Breakdown(q.Units, group, q.From, q.To, q.Filter)
	out.Measures = r.measuresOf(q, res, o.Lang)
	out.Measures.ByUnit = r.byUnit(children, groups, groups766)
	for g, u := range children {
		var gr rollup.Result
		if g < len(groups) {
			gr = groups[g]
		}
		if g < len(groups766) {
			gr.Outcomes = groups766[g]
		}
		out.Agencies = append(out.Agencies, AgencyRow{Unit: u.Code, Name: u.Name, Score: r.circular01(gr).Agency})
	}
	slices.SortStableFunc(out.Agencies, func(a, b AgencyRow) int { return compareScores(a.Score, b.Score, a.Unit, b.Unit) })

	earlier, err := r.Earlier(q, o.Lang)
	if err != nil {
		return out, err
	}
	out.Previous, out.YearEarlier = earlier.Previous, earlier.YearEarlier
	for _, x := range []struct {
		name            string
		now, prev, year Proportion
	}{
		{"satisfaction", out.Measures.Satisfaction, out.Previous.Satisfaction, out.YearEarlier.Satisfaction},
		{"decision766", out.Measures.Decision766.Proportion, out.Previous.Decision766.Proportion, out.YearEarlier.Decision766.Proportion},
	} {
		out.Changes = append(out.Changes, RateChange{Measure: x.name, Now: x.now,
			Previous: Compare(x.now, x.prev, q.Period.Previous()), YearEarlier: Compare(x.now, x.year, q.Period.YearEarlier())})
	}

	trend := q
	trend.Period = TrendOf(q.Period)
	tm, err := r.Measures(trend, Breakdowns{Months: true}, o.Lang)
	if err != nil {
		return out, err
	}
	out.Trend = tm.ByMonth

	out.Officials = r.officials(q)
	procedures, err := r.Breakdown(q, "procedure", o.Lang)
	if err != nil {
		return out, err
	}
	out.Lowest = Worst(procedures.Rows, o.Lowest)
	return out, nil
}

// officials measures each official rated, or reported by the one-stop
// software, in the query: satisfaction and the Circular 01 official's
// score, highest score first.
func (r *Reporter) officials(q Query) []OfficialRow {
	groups := r.Rollup().GroupBy(q.Units, q.From, q.To, q.Filter, rollup.ByOfficial)
	outs := map[string]rollup.Outcomes{}
	if g, ok := r.Outcomes.(OutcomeGrouper); ok {
		outs = g.Groups(q.Units, q.From, q.To, q.Filter, []rollup.Dimension{rollup.ByOfficial})[0]
	} else {
		for key := range groups {
			f := q.Filter
			f.Official = key
			outs[key] = r.Outcomes.Query(q.Units, q.From, q.To, f)
		}
	}
	for key := range outs {
		if _, ok := groups[key]; !ok {
			groups[key] = rollup.Result{}
		}
	}
	rows := []OfficialRow{}
	for key, res := range groups {
		res.Outcomes = outs[key]
		rows = append(rows, OfficialRow{Official: key, Satisfaction: r.proportion(res.Total.N, res.Total.Satisfied), Score: r.circular01(res).Official})
	}
	slices.SortFunc(rows, func(a, b OfficialRow) int { return compareScores(a.Score, b.Score, a.Official, b.Official) })
	return rows
}

// TrendOf is the twelve calendar months that end with the quarter p: the
// quarterly report's monthly trend.
func TrendOf(p Period) Period {
	y, m := p.To.YearMonth()
	return Period{From: hailong.DateFromYMD(y-1, m+1, 1), To: p.To, Kind: Custom}
}

// compareScores orders scores highest first, those not classified (too
// few ratings, or an index missing) after the classified, then by key.
func compareScores(a, b Score, ka, kb string) int {
	va, vb := -1.0, -1.0
	if a.Value != nil && a.Classification != "" {
		va = *a.Value
	}
	if b.Value != nil && b.Classification != "" {
		vb = *b.Value
	}
	return cmp.Or(cmp.Compare(vb, va), strings.Compare(ka, kb))
}

// quarterlyWords are the words of the quarterly report's tables.
var quarterlyWords = map[string]map[string]string{
	"vi": {
		"title": "Báo cáo quý về sự hài lòng của người dân, tổ chức", "quarter": "Quý %d/%d",
		"headline": "Các chỉ số chính", "scores": "Các điểm số", "measure": "Chỉ số", "value": "Giá trị", "n": "Số lượt", "ci_lo": "Khoảng tin cậy 95% (thấp)",
		"ci_hi": "Khoảng tin cậy 95% (cao)", "target": "Chỉ tiêu", "gap": "Chênh lệch so với chỉ tiêu",
		"satisfaction": "Mức độ hài lòng", "happy": "Chỉ số Happy Index (0–100)", "sipas": "Chỉ số SIPAS (kiểu SIPAS)",
		"official_score": "Điểm cán bộ theo Thông tư 01 (tối đa 10)", "agency_score": "Điểm cơ quan theo Thông tư 01 (tối đa 18)",
		"decision766": "Tỷ lệ hài lòng theo Quyết định 766",
		"changes":     "So sánh với quý trước và cùng kỳ năm trước", "this_quarter": "Quý này", "previous": "Quý trước",
		"delta_prev": "Thay đổi so với quý trước", "z_prev": "z (quý trước)", "sig_prev": "Khác biệt có ý nghĩa (quý trước)",
		"year_earlier": "Cùng kỳ năm trước", "delta_year": "Thay đổi so với cùng kỳ", "z_year": "z (cùng kỳ)", "sig_year": "Khác biệt có ý nghĩa (cùng kỳ)",
		"changes_note": "Kiểm định z hai tỷ lệ (gộp): khác biệt có ý nghĩa khi |z| > 1,96 (mức 5%, hai phía). Chỉ so sánh khi cả hai kỳ đủ số lượt đánh giá.",
		"yes":          "Có", "no": "Không",
		"ranking": "Xếp hạng các đơn vị trực thuộc theo mức độ hài lòng", "rank": "Hạng", "unit": "Đơn vị", "kind": "Loại",
		"ranking_note": "Đơn vị có tỷ lệ bằng nhau cùng hạng; đơn vị chưa đủ số lượt đánh giá không được xếp hạng.",
		"agencies":     "Xếp loại cơ quan theo Thông tư 01/2018", "score": "Điểm", "class": "Xếp loại",
		"agencies_note": "Điểm cơ quan = tổng 9 chỉ số (tối đa 18): từ 15 xuất sắc, 12 đến dưới 15 tốt, 9 đến dưới 12 khá, 6 đến dưới 9 trung bình, dưới 6 yếu.",
		"officials":     "Xếp loại cán bộ theo Thông tư 01/2018", "official": "Cán bộ",
		"official_classes": "Số cán bộ theo xếp loại (Thông tư 01/2018)", "share": "Tỷ trọng", "n_officials": "Số cán bộ",
		"unclassified":   "Chưa xếp loại (thiếu dữ liệu hoặc chưa đủ số lượt)",
		"officials_note": "Điểm cán bộ = chỉ số 1+2+3+4+7 (tối đa 10): từ 5 hoàn thành 100% nhiệm vụ; 3,5 đến dưới 5 từ 70% đến dưới 100%; dưới 3,5 dưới 70%.",
		"d766":           "Tỷ lệ hài lòng theo Quyết định 766/QĐ-TTg", "dossiers": "Số hồ sơ", "not_ok": "Hồ sơ không hài lòng, bị phản ánh hoặc trễ hạn",
		"overdue": "Trễ hạn", "complained": "Bị phản ánh, kiến nghị", "ratio": "Tỷ lệ",
		"d766_note": "Tỷ lệ = (số hồ sơ − hồ sơ bị đánh giá không hài lòng, bị phản ánh, kiến nghị hoặc trễ hạn) ÷ số hồ sơ.",
		"trend":     "Diễn biến theo tháng (12 tháng)", "month": "Tháng",
		"lowest": "Các thủ tục có mức độ hài lòng thấp nhất", "procedure": "Mã thủ tục", "procedure_name": "Tên thủ tục",
		"lowest_note": "Chỉ tính các thủ tục đủ số lượt đánh giá.",
		"not_enough":  "Chưa đủ số lượt đánh giá", "no_data": "Chưa có dữ liệu",
		"not_enough_score": "Chưa đủ số lượt đánh giá hoặc số hồ sơ",
		"excellent":        "Xuất sắc", "good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu",
		"province": "Tỉnh, thành phố", "district": "Huyện (cũ)", "commune": "Xã, phường", "centre": "Trung tâm, bộ phận một cửa",
	},
	"en": {
		"title": "Quarterly report on citizens' satisfaction", "quarter": "Q%d %d",
		"headline": "Headline measures", "scores": "Scores", "measure": "Measure", "value": "Value", "n": "Ratings", "ci_lo": "95% interval (low)",
		"ci_hi": "95% interval (high)", "target": "Target", "gap": "Gap to target",
		"satisfaction": "Satisfaction rate", "happy": "Happy Index (0–100)", "sipas": "SIPAS-style index",
		"official_score": "Circular 01 official's score (max 10)", "agency_score": "Circular 01 agency's score (max 18)",
		"decision766": "Decision 766 satisfaction ratio",
		"changes":     "Against the previous quarter and the same quarter a year earlier", "this_quarter": "This quarter", "previous": "Previous quarter",
		"delta_prev": "Change on previous quarter", "z_prev": "z (previous quarter)", "sig_prev": "Beyond chance (previous quarter)",
		"year_earlier": "Same quarter a year earlier", "delta_year": "Change on a year earlier", "z_year": "z (a year earlier)", "sig_year": "Beyond chance (a year earlier)",
		"changes_note": "Pooled two-proportion z-test: a change is beyond chance when |z| > 1.96 (5% level, two-sided). Compared only when both periods have enough ratings.",
		"yes":          "Yes", "no": "No",
		"ranking": "Ranking of the child units by satisfaction", "rank": "Rank", "unit": "Unit", "kind": "Kind",
		"ranking_note": "Units with equal rates share a rank; units without enough ratings are not ranked.",
		"agencies":     "Classification of agencies (Circular 01/2018)", "score": "Score", "class": "Classification",
		"agencies_note": "Agency's score = all nine indices (max 18): 15 or more excellent, 12 to under 15 good, 9 to under 12 fair, 6 to under 9 average, under 6 weak.",
		"officials":     "Classification of officials (Circular 01/2018)", "official": "Official",
		"official_classes": "Officials by classification (Circular 01/2018)", "share": "Share", "n_officials": "Officials",
		"unclassified":   "Not classified (data missing or too few ratings)",
		"officials_note": "Official's score = indices 1+2+3+4+7 (max 10): 5 or more completed 100% of tasks; 3.5 to under 5, 70% to under 100%; under 3.5, under 70%.",
		"d766":           "Decision 766/QĐ-TTg satisfaction ratio", "dossiers": "Dossiers", "not_ok": "Not satisfied, complained about or overdue",
		"overdue": "Overdue", "complained": "Complained about", "ratio": "Ratio",
		"d766_note": "Ratio = (dossiers − dossiers rated not satisfied, complained about or overdue) ÷ dossiers.",
		"trend":     "Monthly trend (12 months)", "month": "Month",
		"lowest": "Procedures with the lowest satisfaction", "procedure": "Procedure code", "procedure_name": "Procedure",
		"lowest_note": "Only procedures with enough ratings.",
		"not_enough":  "Not enough ratings", "no_data": "No data yet",
		"not_enough_score": "Not enough ratings or dossiers",
		"excellent":        "Excellent", "good": "Good", "fair": "Fair", "average": "Average", "weak": "Weak",
		"province": "Province", "district": "District (former)", "commune": "Commune", "centre": "Centre, one-stop desk",
	},
}

// QuarterlyWord returns a word of the quarterly report in lang ("vi" or
// "en"; anything else is Vietnamese).
func QuarterlyWord(lang, key string) string {
	w, ok := quarterlyWords[lang]
	if !ok {
		w = quarterlyWords["vi"]
	}
	if v, ok := w[key]; ok {
		return v
	}
	return key
}

// QuarterName names a quarter as people write it: "Quý 3/2026", "Q3 2026".
func QuarterName(lang string, p Period) string {
	y, m := p.From.YearMonth()
	return fmt.Sprintf(QuarterlyWord(lang, "quarter"), (int(m)-1)/3+1, y)
}

// Meta describes the report's files.
func (q Quarterly) Meta(lang string, filters map[string]string) Meta {
	m := q.Measures
	return Meta{Title: QuarterlyWord(lang, "title") + " — " + QuarterName(lang, Period{From: m.From, To: m.To, Kind: Quarter}),
		Unit: m.Unit, UnitName: m.UnitName, Period: Period{From: m.From, To: m.To, Kind: Quarter}, AsOf: m.AsOf,
		Filters: filters, Lang: lang}
}

// QuarterlyTables are the quarterly report's tables, in the order the
// report shows them.
func (r *Reporter) QuarterlyTables(q Quarterly, lang string) []Table {
	w := func(k string) string { return QuarterlyWord(lang, k) }
	words := wordsIn(lang)
	trend := r.TrendTable(q.Trend, lang)
	trend.Title = w("trend")
	return []Table{q.headlineTable(w, words), q.scoresTable(w, lang), q.changesTable(w, words), q.rankingTable(w, words),
		q.agenciesTable(w), q.officialClassesTable(w, lang), q.officialsTable(w, words, lang), q.decision766Table(w, words), trend,
		r.WorstTable("procedure", q.Lowest, lang, nil)}
}

// shown is a figure, or why it is not shown.
func shown(v *float64, enough bool, w func(string) string) Cell {
	switch {
	case v == nil:
		return textCell(w("no_data"))
	case !enough:
		return textCell(w("not_enough"))
	}
	return Cell{Value: v}
}

func (q Quarterly) headlineTable(w func(string) string, words map[string]string) Table {
	m := q.Measures
	t := Table{Name: "headline", Title: w("headline"), Columns: append([]Column{{w("measure"), KindText}, {w("n"), KindCount}},
		append(rateColumns(words), Column{w("target"), KindRate}, Column{w("gap"), KindRateChange})...)}
	target := func(measure string) []Cell {
		for _, g := range m.Targets {
			if g.Measure == measure {
				return []Cell{{Value: num(g.Target.Target)}, {Value: g.Gap}}
			}
		}
		return []Cell{{}, {}}
	}
	row := func(name string, p Proportion) Row {
		cells := append([]Cell{textCell(w(name)), countCell(p.N)}, rateCells(p, words)...)
		return Row{Cells: append(cells, target(name)...)}
	}
	t.Rows = []Row{row("satisfaction", m.Satisfaction), row("decision766", m.Decision766.Proportion),
		{Cells: []Cell{textCell(w("sipas")), countCell(m.SIPAS.N), shown(m.SIPAS.Overall, m.SIPAS.EnoughRatings, w)}}}
	return t
}

func (q Quarterly) scoresTable(w func(string) string, lang string) Table {
	m := q.Measures
	c := m.Circular01
	return Table{Name: "scores", Title: w("scores"), Columns: []Column{{w("measure"), KindText}, {w("value"), KindScore}, {w("class"), KindText}},
		Rows: []Row{
			{Cells: []Cell{textCell(w("happy")), shown(m.HappyIndex.Value, m.HappyIndex.EnoughRatings, w), {}}},
			{Cells: []Cell{textCell(w("official_score")), shown(c.Official.Value, c.Official.EnoughRatings, w), textCell(ClassName(c.Official.Classification, lang))}},
			{Cells: []Cell{textCell(w("agency_score")), shown(c.Agency.Value, c.Agency.EnoughRatings, w), textCell(w(c.Agency.Classification))}},
		}}
}

// delta is an earlier period's rate, the change, its z and the verdict.
func delta(c Change, w func(string) string, words map[string]string) []Cell {
	out := []Cell{rateCells(c.Then, words)[0], {Value: c.Delta}, {Value: c.Z}, {}}
	if c.Delta != nil {
		out[3] = textCell(w("no"))
		if c.Significant {
			out[3] = textCell(w("yes"))
		}
	}
	return out
}

func (q Quarterly) changesTable(w func(string) string, words map[string]string) Table {
	t := Table{Name: "changes", Title: w("changes"), Note: w("changes_note"), Columns: []Column{
		{w("measure"), KindText}, {w("this_quarter"), KindRate},
		{w("previous"), KindRate}, {w("delta_prev"), KindRateChange}, {w("z_prev"), KindZ}, {w("sig_prev"), KindText},
		{w("year_earlier"), KindRate}, {w("delta_year"), KindRateChange}, {w("z_year"), KindZ}, {w("sig_year"), KindText}}}
	for _, c := range q.Changes {
		cells := append([]Cell{textCell(w(c.Measure)), rateCells(c.Now, words)[0]}, delta(c.Previous, w, words)...)
		t.Rows = append(t.Rows, Row{Cells: append(cells, delta(c.YearEarlier, w, words)...)})
	}
	return t
}

func (q Quarterly) rankingTable(w func(string) string, words map[string]string) Table {
	t := Table{Name: "ranking", Title: w("ranking"), Note: w("ranking_note"), Columns: append([]Column{
		{w("rank"), KindCount}, {w("unit"), KindText}, {w("kind"), KindText}, {w("n"), KindCount}},
		append(rateColumns(words), Column{w("decision766"), KindRate})...)}
	for _, u := range q.Measures.ByUnit {
		rank := Cell{}
		if u.Rank > 0 {
			rank = countCell(int64(u.Rank))
		}
		cells := append([]Cell{rank, textCell(u.Name), textCell(w(u.Kind)), countCell(u.Satisfaction.N)}, rateCells(u.Satisfaction, words)...)
		t.Rows = append(t.Rows, Row{Cells: append(cells, rateCells(u.Decision766, words)[0])})
	}
	return t
}

// scoreCells are a Circular 01 score and its classification in words.
func scoreCells(s Score, w func(string) string, class func(string) string) []Cell {
	score := shown(s.Value, s.EnoughRatings, w)
	if s.Value != nil && !s.EnoughRatings {
		// A score's indices count ratings and, for the time taken,
		// dossiers: either may be what is short.
		score = textCell(w("not_enough_score"))
	}
	return []Cell{score, textCell(class(s.Classification))}
}

func (q Quarterly) agenciesTable(w func(string) string) Table {
	t := Table{Name: "agencies", Title: w("agencies"), Note: w("agencies_note"), Columns: []Column{
		{w("unit"), KindText}, {w("score"), KindScore}, {w("class"), KindText}}}
	for _, a := range q.Agencies {
		t.Rows = append(t.Rows, Row{Cells: append([]Cell{textCell(a.Name)}, scoreCells(a.Score, w, w)...)})
	}
	return t
}

// officialClassesTable counts the officials in each classification, the
// summary before the list.
func (q Quarterly) officialClassesTable(w func(string) string, lang string) Table {
	t := Table{Name: "official_classes", Title: w("official_classes"), Columns: []Column{
		{w("class"), KindText}, {w("n_officials"), KindCount}, {w("share"), KindRate}}}
	counts := map[string]int64{}
	for _, o := range q.Officials {
		counts[o.Score.Classification]++
	}
	for _, c := range []string{"100%", "70-100%", "<70%", ""} {
		label := ClassName(c, lang)
		if c == "" {
			label = w("unclassified")
		}
		share := Cell{}
		if len(q.Officials) > 0 {
			share = Cell{Value: num(measure.Round4(float64(counts[c]) / float64(len(q.Officials))))}
		}
		t.Rows = append(t.Rows, Row{Cells: []Cell{textCell(label), countCell(counts[c]), share}})
	}
	return t
}

func (q Quarterly) officialsTable(w func(string) string, words map[string]string, lang string) Table {
	t := Table{Name: "officials", Title: w("officials"), Note: w("officials_note"), Columns: []Column{
		{w("official"), KindText}, {w("n"), KindCount}, {w("satisfaction"), KindRate}, {w("score"), KindScore}, {w("class"), KindText}}}
	class := func(c string) string { return ClassName(c, lang) }
	for _, o := range q.Officials {
		cells := []Cell{textCell(o.Official), countCell(o.Satisfaction.N), rateCells(o.Satisfaction, words)[0]}
		t.Rows = append(t.Rows, Row{Cells: append(cells, scoreCells(o.Score, w, class)...)})
	}
	return t
}

func (q Quarterly) decision766Table(w func(string) string, words map[string]string) Table {
	d := q.Measures.Decision766
	t := Table{Name: "decision766", Title: w("d766"), Note: w("d766_note"), Columns: append([]Column{
		{w("dossiers"), KindCount}, {w("not_ok"), KindCount}, {w("overdue"), KindCount}, {w("complained"), KindCount}},
		rateColumns(words)...)}
	cells := []Cell{countCell(d.Dossiers), countCell(d.NotOK), countCell(d.Overdue), countCell(d.Complained)}
	t.Rows = []Row{{Cells: append(cells, rateCells(d.Proportion, words)...)}}
	return t
}
