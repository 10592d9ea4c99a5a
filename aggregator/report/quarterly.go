package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"hailong"
	"hailong/aggregator/rollup"
)

// QuarterlyOptions says how a quarterly report is made.
type QuarterlyOptions struct {
	Lang string
	// Allowed keeps the child units the reader may see; nil allows all.
	Allowed func(unit string) bool
	// ProcedureName names a procedure by its code; nil leaves names out.
	ProcedureName func(code string) string
	// Lowest is how many of the lowest-scoring procedures are listed; zero
	// lists ten.
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
	// satisfaction, lowest first.
	Lowest []ProcedureRow `json:"lowest_procedures"`
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

// ProcedureRow is a procedure's satisfaction.
type ProcedureRow struct {
	Procedure    string     `json:"procedure"`
	Name         string     `json:"name,omitempty"`
	Satisfaction Proportion `json:"satisfaction"`
}

// Quarterly makes the quarterly report of the resolved query q, whose
// period must be a calendar quarter. Officials are measured one query
// each, over the officials the rollup saw rated in the quarter.
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

	roll := r.Rollup()
	out.Officials = []OfficialRow{}
	for _, off := range roll.Officials(q.Units, q.From, q.To) {
		f := q.Filter
		f.Official = off
		rr := roll.Query(q.Units, q.From, q.To, f)
		rr.Outcomes = r.Outcomes.Query(q.Units, q.From, q.To, f)
		out.Officials = append(out.Officials, OfficialRow{Official: off,
			Satisfaction: r.proportion(rr.Total.N, rr.Total.Satisfied), Score: r.circular01(rr).Official})
	}
	slices.SortStableFunc(out.Officials, func(a, b OfficialRow) int { return compareScores(a.Score, b.Score, a.Official, b.Official) })

	out.Lowest = []ProcedureRow{}
	for _, p := range roll.Procedures(q.Units, q.From, q.To) {
		f := q.Filter
		f.Procedure = p
		t := roll.Query(q.Units, q.From, q.To, f).Total
		row := ProcedureRow{Procedure: p, Satisfaction: r.proportion(t.N, t.Satisfied)}
		if !row.Satisfaction.Shown() {
			continue
		}
		if o.ProcedureName != nil {
			row.Name = o.ProcedureName(p)
		}
		out.Lowest = append(out.Lowest, row)
	}
	slices.SortStableFunc(out.Lowest, func(a, b ProcedureRow) int {
		return cmp.Or(cmp.Compare(*a.Satisfaction.Rate, *b.Satisfaction.Rate), strings.Compare(a.Procedure, b.Procedure))
	})
	out.Lowest = out.Lowest[:min(len(out.Lowest), o.Lowest)]
	return out, nil
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
		"officials_note": "Điểm cán bộ = chỉ số 1+2+3+4+7 (tối đa 10): từ 5 hoàn thành 100% nhiệm vụ; 3,5 đến dưới 5 từ 70% đến dưới 100%; dưới 3,5 dưới 70%.",
		"d766":           "Tỷ lệ hài lòng theo Quyết định 766/QĐ-TTg", "dossiers": "Số hồ sơ", "not_ok": "Hồ sơ không hài lòng, bị phản ánh hoặc trễ hạn",
		"overdue": "Trễ hạn", "complained": "Bị phản ánh, kiến nghị", "ratio": "Tỷ lệ",
		"d766_note": "Tỷ lệ = (số hồ sơ − hồ sơ bị đánh giá không hài lòng, bị phản ánh, kiến nghị hoặc trễ hạn) ÷ số hồ sơ.",
		"trend":     "Diễn biến theo tháng (12 tháng)", "month": "Tháng",
		"lowest": "Các thủ tục có mức độ hài lòng thấp nhất", "procedure": "Mã thủ tục", "procedure_name": "Tên thủ tục",
		"lowest_note": "Chỉ tính các thủ tục đủ số lượt đánh giá.",
		"not_enough":  "Chưa đủ số lượt đánh giá", "no_data": "Chưa có dữ liệu",
		"excellent": "Xuất sắc", "good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu",
		"100%": "Hoàn thành 100% nhiệm vụ", "70-100%": "Hoàn thành từ 70% đến dưới 100%", "<70%": "Hoàn thành dưới 70%",
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
		"officials_note": "Official's score = indices 1+2+3+4+7 (max 10): 5 or more completed 100% of tasks; 3.5 to under 5, 70% to under 100%; under 3.5, under 70%.",
		"d766":           "Decision 766/QĐ-TTg satisfaction ratio", "dossiers": "Dossiers", "not_ok": "Not satisfied, complained about or overdue",
		"overdue": "Overdue", "complained": "Complained about", "ratio": "Ratio",
		"d766_note": "Ratio = (dossiers − dossiers rated not satisfied, complained about or overdue) ÷ dossiers.",
		"trend":     "Monthly trend (12 months)", "month": "Month",
		"lowest": "Procedures with the lowest satisfaction", "procedure": "Procedure code", "procedure_name": "Procedure",
		"lowest_note": "Only procedures with enough ratings.",
		"not_enough":  "Not enough ratings", "no_data": "No data yet",
		"excellent": "Excellent", "good": "Good", "fair": "Fair", "average": "Average", "weak": "Weak",
		"100%": "Completed 100% of tasks", "70-100%": "Completed 70% to under 100%", "<70%": "Completed under 70%",
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

// Tables are the report's tables, in the order the report shows them.
func (q Quarterly) Tables(lang string) []Table {
	w := func(k string) string { return QuarterlyWord(lang, k) }
	return []Table{q.headlineTable(w), q.scoresTable(w), q.changesTable(w), q.rankingTable(w), q.agenciesTable(w),
		q.officialsTable(w), q.decision766Table(w), q.trendTable(w), q.lowestTable(w)}
}

// Cells of the tables.
func num(v float64) Cell { return Cell{Value: &v} }
func count(n int64) Cell { return num(float64(n)) }
func text(s string) Cell { return Cell{Text: s} }

// rate is a proportion's rate, or why it is not shown.
func rate(p Proportion, w func(string) string) Cell {
	switch {
	case p.Rate == nil:
		return text(w("no_data"))
	case !p.EnoughRatings:
		return text(w("not_enough"))
	}
	return Cell{Value: p.Rate}
}

// interval is a proportion's 95% interval as two cells.
func interval(p Proportion) []Cell {
	if !p.Shown() || p.CI95 == nil {
		return []Cell{{}, {}}
	}
	return []Cell{num(p.CI95[0]), num(p.CI95[1])}
}

func optional(v *float64, enough bool, w func(string) string) Cell {
	switch {
	case v == nil:
		return text(w("no_data"))
	case !enough:
		return text(w("not_enough"))
	}
	return Cell{Value: v}
}

func cells(cs ...[]Cell) []Cell {
	var out []Cell
	for _, c := range cs {
		out = append(out, c...)
	}
	return out
}

func (q Quarterly) headlineTable(w func(string) string) Table {
	m := q.Measures
	t := Table{Name: "headline", Title: w("headline"), Columns: []Column{{w("measure"), KindText}, {w("value"), KindRate},
		{w("n"), KindCount}, {w("ci_lo"), KindRate}, {w("ci_hi"), KindRate}, {w("target"), KindRate}, {w("gap"), KindRate}}}
	target := func(measure string) []Cell {
		for _, g := range m.Targets {
			if g.Measure == measure {
				gap := Cell{}
				if g.Gap != nil {
					gap = Cell{Value: g.Gap}
				}
				return []Cell{num(g.Target.Target), gap}
			}
		}
		return []Cell{{}, {}}
	}
	t.Rows = []Row{
		{Cells: cells([]Cell{text(w("satisfaction")), rate(m.Satisfaction, w), count(m.Satisfaction.N)}, interval(m.Satisfaction), target("satisfaction"))},
		{Cells: cells([]Cell{text(w("decision766")), rate(m.Decision766.Proportion, w), count(m.Decision766.N)}, interval(m.Decision766.Proportion), target("decision766"))},
		{Cells: []Cell{text(w("sipas")), optional(m.SIPAS.Overall, m.SIPAS.EnoughRatings, w), count(m.SIPAS.N)}},
	}
	return t
}

func (q Quarterly) scoresTable(w func(string) string) Table {
	m := q.Measures
	c := m.Circular01
	return Table{Name: "scores", Title: w("scores"), Columns: []Column{{w("measure"), KindText}, {w("value"), KindScore}, {w("class"), KindText}},
		Rows: []Row{
			{Cells: []Cell{text(w("happy")), optional(m.HappyIndex.Value, m.HappyIndex.EnoughRatings, w), {}}},
			{Cells: []Cell{text(w("official_score")), optional(c.Official.Value, c.Official.EnoughRatings, w), text(w(c.Official.Classification))}},
			{Cells: []Cell{text(w("agency_score")), optional(c.Agency.Value, c.Agency.EnoughRatings, w), text(w(c.Agency.Classification))}},
		}}
}

// delta is a change's difference, z and verdict as cells.
func delta(c Change, w func(string) string) []Cell {
	if c.Delta == nil {
		return []Cell{rate(c.Then, w), {}, {}, {}}
	}
	out := []Cell{rate(c.Then, w), {Value: c.Delta}, {}, text(w("no"))}
	if c.Z != nil {
		out[2] = Cell{Value: c.Z}
	}
	if c.Significant {
		out[3] = text(w("yes"))
	}
	return out
}

func (q Quarterly) changesTable(w func(string) string) Table {
	t := Table{Name: "changes", Title: w("changes"), Note: w("changes_note"), Columns: []Column{
		{w("measure"), KindText}, {w("this_quarter"), KindRate},
		{w("previous"), KindRate}, {w("delta_prev"), KindRate}, {w("z_prev"), KindZ}, {w("sig_prev"), KindText},
		{w("year_earlier"), KindRate}, {w("delta_year"), KindRate}, {w("z_year"), KindZ}, {w("sig_year"), KindText}}}
	for _, c := range q.Changes {
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{text(w(c.Measure)), rate(c.Now, w)}, delta(c.Previous, w), delta(c.YearEarlier, w))})
	}
	return t
}

func (q Quarterly) rankingTable(w func(string) string) Table {
	t := Table{Name: "ranking", Title: w("ranking"), Note: w("ranking_note"), Columns: []Column{
		{w("rank"), KindCount}, {w("unit"), KindText}, {w("kind"), KindText}, {w("n"), KindCount},
		{w("satisfaction"), KindRate}, {w("ci_lo"), KindRate}, {w("ci_hi"), KindRate}, {w("decision766"), KindRate}}}
	for _, u := range q.Measures.ByUnit {
		rank := Cell{}
		if u.Rank > 0 {
			rank = count(int64(u.Rank))
		}
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{rank, text(u.Name), text(w(u.Kind)), count(u.Satisfaction.N), rate(u.Satisfaction, w)},
			interval(u.Satisfaction), []Cell{rate(u.Decision766, w)})})
	}
	return t
}

// scoreCells are a Circular 01 score and its classification.
func scoreCells(s Score, w func(string) string) []Cell {
	v := optional(s.Value, s.EnoughRatings, w)
	if s.Value == nil && len(s.Missing) > 0 {
		v = text(w("no_data"))
	}
	return []Cell{v, text(w(s.Classification))}
}

func (q Quarterly) agenciesTable(w func(string) string) Table {
	t := Table{Name: "agencies", Title: w("agencies"), Note: w("agencies_note"), Columns: []Column{
		{w("unit"), KindText}, {w("score"), KindScore}, {w("class"), KindText}}}
	for _, a := range q.Agencies {
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{text(a.Name)}, scoreCells(a.Score, w))})
	}
	return t
}

func (q Quarterly) officialsTable(w func(string) string) Table {
	t := Table{Name: "officials", Title: w("officials"), Note: w("officials_note"), Columns: []Column{
		{w("official"), KindText}, {w("n"), KindCount}, {w("satisfaction"), KindRate}, {w("score"), KindScore}, {w("class"), KindText}}}
	for _, o := range q.Officials {
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{text(o.Official), count(o.Satisfaction.N), rate(o.Satisfaction, w)}, scoreCells(o.Score, w))})
	}
	return t
}

func (q Quarterly) decision766Table(w func(string) string) Table {
	d := q.Measures.Decision766
	return Table{Name: "decision766", Title: w("d766"), Note: w("d766_note"), Columns: []Column{
		{w("dossiers"), KindCount}, {w("not_ok"), KindCount}, {w("overdue"), KindCount}, {w("complained"), KindCount},
		{w("ratio"), KindRate}, {w("ci_lo"), KindRate}, {w("ci_hi"), KindRate}},
		Rows: []Row{{Cells: cells([]Cell{count(d.Dossiers), count(d.NotOK), count(d.Overdue), count(d.Complained), rate(d.Proportion, w)}, interval(d.Proportion))}}}
}

func (q Quarterly) trendTable(w func(string) string) Table {
	t := Table{Name: "trend", Title: w("trend"), Columns: []Column{
		{w("month"), KindText}, {w("n"), KindCount}, {w("satisfaction"), KindRate}, {w("ci_lo"), KindRate}, {w("ci_hi"), KindRate},
		{w("dossiers"), KindCount}, {w("decision766"), KindRate}}}
	for _, m := range q.Trend {
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{text(m.Month), count(m.Satisfaction.N), rate(m.Satisfaction, w)}, interval(m.Satisfaction),
			[]Cell{count(m.Decision766.N), rate(m.Decision766, w)})})
	}
	return t
}

func (q Quarterly) lowestTable(w func(string) string) Table {
	t := Table{Name: "procedures", Title: w("lowest"), Note: w("lowest_note"), Columns: []Column{
		{w("procedure"), KindText}, {w("procedure_name"), KindText}, {w("n"), KindCount}, {w("satisfaction"), KindRate},
		{w("ci_lo"), KindRate}, {w("ci_hi"), KindRate}}}
	for _, p := range q.Lowest {
		t.Rows = append(t.Rows, Row{Cells: cells([]Cell{text(p.Procedure), text(p.Name), count(p.Satisfaction.N), rate(p.Satisfaction, w)}, interval(p.Satisfaction))})
	}
	return t
}
