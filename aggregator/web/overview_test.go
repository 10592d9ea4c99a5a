package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/measure"
)

// seed is n ratings of questionnaire q at unit on day, the first happy of
// them satisfied.
type seed struct {
	unit     string
	day      hailong.Date
	q        string
	n, happy int
}

// seedRatings adds ratings made as a kiosk makes them: every question
// answered, the top answer when satisfied, else the lowest; statements
// vary with the rating so that SIPAS elements differ.
func seedRatings(t testing.TB, r *rollup.Rollup, seeds ...seed) {
	t.Helper()
	cat, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		q, ok := cat.Latest(s.q)
		if !ok {
			t.Fatalf("no questionnaire %s", s.q)
		}
		for i := 0; i < s.n; i++ {
			rt := hailong.Rating{Unit: s.unit, Channel: hailong.Channel([]string{"kiosk", "qr"}[i%2]), At: s.day.Start().Add(10 * time.Hour)}
			rt.Questionnaire, rt.Version, rt.Answers = q.ID, q.Version, hailong.Answers{}
			for k, qu := range q.Questions {
				if len(qu.Options) == 0 {
					continue
				}
				good := i < s.happy
				if qu.ID != q.Headline && (i+k)%5 == 0 {
					good = !good
				}
				v := qu.Options[0].Value
				if good {
					v = qu.Options[len(qu.Options)-1].Value
				}
				rt.Answers[qu.ID] = hailong.Answer{Value: v}
			}
			f, ok := rollup.FactOf(&rt, q)
			if !ok {
				t.Fatalf("no fact of %+v", rt)
			}
			r.Add(f)
		}
	}
}

// outcomeBook is a book of n dossiers returned at unit on day, every
// seventh overdue.
func outcomeBook(t testing.TB, unit string, day hailong.Date, n int) *outcomes.Book {
	t.Helper()
	b, err := outcomes.Load(context.Background(), outcomes.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var os []hailong.Outcome
	for i := 0; i < n; i++ {
		ret, due := day, day
		if i%7 == 0 {
			due = day - 3
		}
		os = append(os, hailong.Outcome{Dossier: fmt.Sprintf("H15.50.05.13-260210-%04d", i), Unit: unit, Received: day - 10, Due: due, Returned: &ret,
			Indices: map[string]int{"2": 2, "5": 1 + i%2, "6": 2, "8": 2, "9": 1}})
	}
	res, err := b.Report(context.Background(), os, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != outcomes.Created {
			t.Fatalf("outcome %+v", r)
		}
	}
	return b
}

// overviewServer serves the demo units with ratings in Q1 2026 (today is
// 15 March 2026), the quarter before and a year before: Kinh Bắc enough
// and better than before, Từ Sơn too few, Bắc Giang and Lạng Giang tied.
func overviewServer(t *testing.T) string {
	t.Helper()
	r := rollup.New()
	q1, q4, lastYear := hailong.DateFromYMD(2026, 2, 10), hailong.DateFromYMD(2025, 11, 10), hailong.DateFromYMD(2025, 2, 10)
	seedRatings(t, r,
		seed{"TT-09190", q1, "counter-quick", 60, 54}, seed{"TT-09190", q1, "sipas", 40, 32},
		seed{"TT-09250", q1, "counter-quick", 5, 5},
		seed{"TT-07210", q1, "counter-quick", 40, 30}, seed{"TT-07450", q1, "counter-quick", 80, 60},
		seed{"TT-09190", q4, "counter-quick", 60, 30}, seed{"TT-09190", q4, "sipas", 40, 20},
		seed{"MC-256", lastYear, "counter-quick", 50, 40},
	)
	book := outcomeBook(t, "TT-09190", q1, 45)
	_, base, _ := demoServerWith(t, r, func(s *web.Server) {
		s.Outcomes = book
		s.Targets = []measure.Target{{Measure: "satisfaction", Target: 0.9, By: 2026, Source: "Kế hoạch CCHC 2026"}, {Measure: "decision766", Target: 0.8, By: 2026, Source: "QĐ 766"}}
	})
	return base
}

// page fetches a page as a browser asks for it.
func page(t *testing.T, base, path, auth string) answer {
	t.Helper()
	return do(t, nil, "GET", base+path, auth, nil, "Accept", "text/html")
}

var (
	tableRows = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	rowHead   = regexp.MustCompile(`<th scope="row">(?:<a href="([^"]*)">)?([^<]*)`)
	rowCell   = regexp.MustCompile(`<td[^>]*?(?: data-value="([^"]*)")?>([^<]*)</td>`)
)

// row is a table row of a page: its heading, link, and each cell's value
// (data-value) and text.
type row struct {
	head, link    string
	values, texts []string
}

// tableOf reads the rows of the table named name on a page.
func tableOf(t *testing.T, body, name string) []row {
	t.Helper()
	i := strings.Index(body, `data-table="`+name+`"`)
	if i < 0 {
		t.Fatalf("no table %s on the page", name)
	}
	body = body[i:]
	body = body[:strings.Index(body, "</table>")]
	var out []row
	for _, m := range tableRows.FindAllStringSubmatch(body, -1) {
		h := rowHead.FindStringSubmatch(m[1])
		if h == nil {
			continue // the head
		}
		r := row{head: html.UnescapeString(h[2]), link: html.UnescapeString(h[1])}
		for _, c := range rowCell.FindAllStringSubmatch(m[1], -1) {
			r.values, r.texts = append(r.values, c[1]), append(r.texts, html.UnescapeString(c[2]))
		}
		out = append(out, r)
	}
	return out
}

// rowOf finds the row headed head.
func rowOf(t *testing.T, rows []row, head string) row {
	t.Helper()
	for _, r := range rows {
		if r.head == head {
			return r
		}
	}
	t.Fatalf("no row %q in %+v", head, rows)
	return row{}
}

// errorBeside returns the message shown beside the field, or "".
func errorBeside(body, field string) string {
	m := regexp.MustCompile(`<span class="ov-err" id="ov-` + field + `-err">([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestOverviewPeriodsAndFilters(t *testing.T) {
	base := overviewServer(t)
	tests := []struct {
		name, path string
		status     int
		contains   []string
	}{
		{"the current quarter by default", "/", 200, []string{"Kỳ Quý 1/2026", `<option value="2026-Q1" selected>`, "Kỳ trước: Quý 4/2025", "Cùng kỳ năm trước: Quý 1/2025", "Tỉnh Bắc Ninh", "kiểm định z hai tỷ lệ gộp"}},
		{"a quarter", "/?period=2025-Q4", 200, []string{"Kỳ Quý 4/2025", "Kỳ trước: Quý 3/2025", "Cùng kỳ năm trước: Quý 4/2024"}},
		{"a month", "/?period=2026-02", 200, []string{"Kỳ Tháng 2/2026", `<option value="2026-02" selected>`, "Kỳ trước: Tháng 1/2026", "Cùng kỳ năm trước: Tháng 2/2025"}},
		{"a year", "/?period=2025&lang=en", 200, []string{"Period 2025", "Previous period: 2024", "pooled two-proportion z-test, 5% level, two-sided"}},
		{"custom dates", "/?from=2026-01-05&to=2026-02-03", 200, []string{"Kỳ 05/01/2026 – 03/02/2026", `value="05/01/2026"`, "Kỳ trước: 06/12/2025 – 04/01/2026"}},
		{"custom dates as typed on a Vietnamese page", "/?from=5/1/2026&to=03/02/2026", 200, []string{"Kỳ 05/01/2026 – 03/02/2026", `value="05/01/2026"`, `value="03/02/2026"`, `placeholder="dd/mm/yyyy"`}},
		{"custom dates on the English page", "/?from=05/01/2026&to=2026-02-03&lang=en", 200, []string{`value="2026-01-05"`, `value="2026-02-03"`, `placeholder="yyyy-mm-dd"`}},
		{"custom dates that are a month", "/?from=2026-02-01&to=2026-02-28", 200, []string{"Kỳ Tháng 2/2026", "Kỳ trước: Tháng 1/2026"}},
		{"year and quarter", "/?year=2025&quarter=4", 200, []string{"Kỳ Quý 4/2025"}},
		{"an older structure", "/?period=2025-Q1&as_of=2025-03-31", 200, []string{"Tỉnh Bắc Giang", "theo địa giới ngày 31/03/2025"}},
		{"every filter kept", "/?channel=kiosk&questionnaire=counter-quick&official=CB-01&counter=Q1", 200, []string{
			`<option value="kiosk" selected>`, `<option value="counter-quick" selected>`, `value="CB-01"`, `value="Q1"`,
			"channel=kiosk&amp;counter=Q1&amp;format=csv&amp;official=CB-01&amp;questionnaire=counter-quick&amp;table=headline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := page(t, base, tt.path, analystProvince)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(a.body, c) {
					t.Errorf("page lacks %q", c)
				}
			}
		})
	}
}

func TestOverviewBadInputIsSaidBesideTheField(t *testing.T) {
	base := overviewServer(t)
	tests := []struct {
		name, query, field, vi, en string
	}{
		{"not a date", "from=2026-02-31&to=2026-03-01", "from", "không phải một ngày", "is not a date"},
		{"not a date, written the Vietnamese way", "from=31/02/2026&to=01/03/2026", "from", "hãy viết theo dạng ngày/tháng/năm, ví dụ 30/11/2026", "is not a date"},
		{"the month first", "from=01/03/2026&to=03/31/2026", "to", "“03/31/2026” không phải một ngày", "is not a date"},
		{"reversed period", "from=2026-03-10&to=2026-03-01", "to", "không được trước ngày bắt đầu", "must not be before the start"},
		{"too long", "from=2015-01-01&to=2036-03-01", "to", "một kỳ dài tối đa", "may span at most"},
		{"only one end", "from=2026-03-01", "to", "cần nhập", "is required"},
		{"not a period", "period=2026-Q5", "period", "không phải một kỳ", "is not a period"},
		{"period and dates", "period=2026-Q1&from=2026-01-01&to=2026-01-31", "period", "theo một cách", "in one form only"},
		{"bad structure date", "as_of=yesterday", "as_of", "không phải một ngày", "is not a date"},
		{"unknown channel", "channel=fax", "channel", "fax", "fax"},
		{"unknown questionnaire", "questionnaire=nope", "questionnaire", "không có trong danh mục", "is not a known value"},
		{"bad procedure code", "procedure=a%20b", "procedure", "", ""},
		{"unknown field", "field=Hộ%20tịch", "field", "không có thủ tục nào", "no procedure of the catalogue"},
		{"bad official", "official=%3Cx%3E", "official", "", ""},
		{"bad counter", "counter=%3Cx%3E", "counter", "", ""},
	}
	for _, tt := range tests {
		for _, lang := range []string{"vi", "en"} {
			t.Run(tt.name+" "+lang, func(t *testing.T) {
				for _, path := range []string{"/", "/units/09190"} {
					a := page(t, base, path+"?lang="+lang+"&"+tt.query, analystProvince)
					if a.status != 400 {
						t.Fatalf("%s: status %d, want 400", path, a.status)
					}
					msg := errorBeside(a.body, tt.field)
					want := map[string]string{"vi": tt.vi, "en": tt.en}[lang]
					if msg == "" || !strings.Contains(msg, want) {
						t.Errorf("%s: beside %s: %q, want %q", path, tt.field, msg, want)
					}
					if !strings.Contains(a.body, `id="ov-`+tt.field+`" `) || !strings.Contains(a.body, `aria-describedby="ov-`+tt.field+`-err"`) {
						t.Errorf("%s: the field %s is not marked", path, tt.field)
					}
					if strings.Contains(a.body, "data-table=") {
						t.Errorf("%s: figures shown on a bad query", path)
					}
					if !strings.Contains(a.body, `<html lang="`+lang+`">`) || !strings.Contains(a.body, `class="sections"`) {
						t.Errorf("%s: not the page's frame in %s", path, lang)
					}
				}
			})
		}
	}
}

func TestUnitPagesKeepToTheScope(t *testing.T) {
	base := overviewServer(t)
	tests := []struct {
		name, path, auth string
		status           int
		contains, lacks  []string
	}{
		{"a commune analyst's overview is the commune", "/", analystCommune, 200, []string{"Phường Kinh Bắc"}, []string{"Tỉnh Bắc Ninh", "Từ Sơn"}},
		{"a commune analyst's units are the commune", "/units", analystCommune, 200, []string{"<h1>Phường Kinh Bắc</h1>", "Trung tâm Phục vụ hành chính công phường Kinh Bắc"}, []string{"Tỉnh Bắc Ninh", "Từ Sơn", "Bắc Giang"}},
		{"a sibling commune", "/units/09250", analystCommune, 403, []string{"nằm ngoài phạm vi", `<html lang="vi">`}, []string{"data-table="}},
		{"a sibling commune in English", "/units/09250?lang=en", analystCommune, 403, []string{"outside your scope", `<html lang="en">`}, []string{"data-table="}},
		{"the province from a commune", "/?unit=24", analystCommune, 403, []string{"nằm ngoài phạm vi"}, []string{"data-table="}},
		{"its own centre", "/units/TT-09190", analystCommune, 200, []string{"Trung tâm Phục vụ hành chính công phường Kinh Bắc"}, []string{"Tỉnh Bắc Ninh"}},
		{"an unknown unit", "/units/99", analystProvince, 404, []string{"Không tìm thấy đơn vị “99”"}, []string{"data-table="}},
		{"an unknown unit in English", "/units/99?lang=en", analystProvince, 404, []string{"There is no unit “99”"}, nil},
		{"an unknown unit on the overview", "/?unit=99", analystProvince, 404, []string{"Không tìm thấy đơn vị"}, nil},
		{"a unit not yet in force", "/units/09190?as_of=2025-01-01", analystProvince, 404, []string{"Không tìm thấy đơn vị “09190” vào ngày 01/01/2025"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := page(t, base, tt.path, tt.auth)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(a.body, c) {
					t.Errorf("page lacks %q", c)
				}
			}
			for _, c := range tt.lacks {
				if strings.Contains(a.body, c) {
					t.Errorf("page shows %q", c)
				}
			}
		})
	}
	t.Run("the breadcrumb runs from the scope root", func(t *testing.T) {
		crumbs := regexp.MustCompile(`(?s)<nav class="ov-crumbs".*?</nav>`)
		for _, c := range []struct{ auth, want string }{
			{analystProvince, "Tỉnh Bắc Ninh › Phường Kinh Bắc › Trung tâm Phục vụ hành chính công phường Kinh Bắc"},
			{analystCommune, "Phường Kinh Bắc › Trung tâm Phục vụ hành chính công phường Kinh Bắc"},
		} {
			a := page(t, base, "/units/TT-09190?period=2026-02", c.auth)
			nav := crumbs.FindString(a.body)
			names := regexp.MustCompile(`<a href="([^"]*)"[^>]*>([^<]*)</a>`).FindAllStringSubmatch(nav, -1)
			var got []string
			for _, n := range names {
				got = append(got, n[2])
				if !strings.Contains(n[1], "period=2026-02") {
					t.Errorf("crumb %s loses the filters: %s", n[2], n[1])
				}
			}
			if strings.Join(got, " › ") != c.want {
				t.Errorf("breadcrumb %q, want %q", strings.Join(got, " › "), c.want)
			}
			if !strings.Contains(nav, `aria-current="page">Trung tâm`) {
				t.Errorf("the current unit is not marked: %s", nav)
			}
		}
	})
}

func TestUnitRanking(t *testing.T) {
	base := overviewServer(t)
	heads := func(rows []row) string {
		var s []string
		for _, r := range rows {
			s = append(s, r.texts[0]+" "+r.head)
		}
		return strings.Join(s, "; ")
	}
	tests := []struct{ name, sort, want string }{
		// Kinh Bắc 86% of 100, Bắc Giang 75% of 40 and Lạng Giang 75% of 80
		// (tied), Từ Sơn 5
		// ratings: unranked, after.
		{"by rank", "", "1 Phường Kinh Bắc; 2 Phường Bắc Giang; 2 Xã Lạng Giang; – Phường Từ Sơn; – Trung tâm Phục vụ hành chính công tỉnh"},
		{"by rate", "rate", "1 Phường Kinh Bắc; 2 Phường Bắc Giang; 2 Xã Lạng Giang; – Phường Từ Sơn; – Trung tâm Phục vụ hành chính công tỉnh"},
		{"by name", "name", "2 Phường Bắc Giang; 1 Phường Kinh Bắc; 2 Xã Lạng Giang; – Phường Từ Sơn; – Trung tâm Phục vụ hành chính công tỉnh"},
		{"by n", "n", "1 Phường Kinh Bắc; 2 Xã Lạng Giang; 2 Phường Bắc Giang; – Phường Từ Sơn; – Trung tâm Phục vụ hành chính công tỉnh"},
		{"an unknown sort is by rank", "zzz", "1 Phường Kinh Bắc; 2 Phường Bắc Giang; 2 Xã Lạng Giang; – Phường Từ Sơn; – Trung tâm Phục vụ hành chính công tỉnh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := page(t, base, "/units?channel=&sort="+tt.sort, analystProvince)
			if a.status != 200 {
				t.Fatalf("status %d", a.status)
			}
			rows := tableOf(t, a.body, "ranking")
			if got := heads(rows); got != tt.want {
				t.Errorf("ranking %q, want %q", got, tt.want)
			}
			tuSon := rowOf(t, rows, "Phường Từ Sơn")
			if tuSon.texts[3] != "Chưa đủ số lượt đánh giá" || tuSon.values[2] != "5" {
				t.Errorf("Từ Sơn: %+v", tuSon)
			}
			kb := rowOf(t, rows, "Phường Kinh Bắc")
			if !strings.HasPrefix(kb.link, "/units/09190?") || !strings.Contains(kb.link, "channel=") && tt.sort != "" {
				t.Errorf("Kinh Bắc links to %q", kb.link)
			}
			if strings.Contains(kb.link, "sort=") {
				t.Errorf("the unit's link keeps this ranking's sort: %q", kb.link)
			}
		})
	}
	t.Run("a centre has no ranking", func(t *testing.T) {
		a := page(t, base, "/units/TT-09190", analystProvince)
		if strings.Contains(a.body, `data-table="ranking"`) || !strings.Contains(a.body, "Quầy và cán bộ") {
			t.Errorf("a centre's page: %s", a.body)
		}
	})
	t.Run("a commune analyst ranks only their subtree", func(t *testing.T) {
		a := page(t, base, "/units", analystCommune)
		rows := tableOf(t, a.body, "ranking")
		if len(rows) != 1 || rows[0].head != "Trung tâm Phục vụ hành chính công phường Kinh Bắc" {
			t.Errorf("ranking %+v", rows)
		}
	})
	t.Run("the ranking downloads as sorted, with the filters", func(t *testing.T) {
		a := page(t, base, "/units?sort=name", analystProvince)
		m := regexp.MustCompile(`href="(/units\?[^"]*format=csv[^"]*table=ranking[^"]*)"`).FindStringSubmatch(a.body)
		if m == nil {
			t.Fatal("no CSV link for the ranking")
		}
		csv := do(t, nil, "GET", base+html.UnescapeString(m[1]), analystProvince, nil)
		if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("download %d %s", csv.status, csv.header.Get("Content-Type"))
		}
		i, j := strings.Index(csv.body, "Phường Bắc Giang"), strings.Index(csv.body, "Phường Kinh Bắc")
		if i < 0 || j < 0 || i > j {
			t.Errorf("the file is not sorted by name: %s", csv.body)
		}
		// How to sort is the page's to say, not the file's.
		if !strings.Contains(a.body, "Bấm tiêu đề cột để sắp xếp.") || strings.Contains(csv.body, "Bấm tiêu đề cột") || !strings.Contains(csv.body, "không xếp hạng.") {
			t.Errorf("the sort hint: on the page %v, in the file %v", strings.Contains(a.body, "Bấm tiêu đề cột để sắp xếp."), strings.Contains(csv.body, "Bấm tiêu đề cột"))
		}
	})
}

// TestOverviewFiguresEqualTheAPI: every figure the overview shows is the
// figure /api/v1/measures answers for the same query.
func TestOverviewFiguresEqualTheAPI(t *testing.T) {
	base := overviewServer(t)
	for _, query := range []string{"unit=24&period=2026-Q1", "unit=09190&period=2026-Q1&channel=kiosk", "unit=TT-09190&from=2026-02-01&to=2026-02-20", "unit=09190&period=2025-Q4&questionnaire=sipas"} {
		t.Run(query, func(t *testing.T) {
			api := do(t, nil, "GET", base+"/api/v1/measures?"+query, analystProvince, nil)
			if api.status != 200 {
				t.Fatalf("API %d: %s", api.status, api.body)
			}
			var m report.Measures
			if err := json.Unmarshal([]byte(api.body), &m); err != nil {
				t.Fatal(err)
			}
			a := page(t, base, "/?"+query, analystProvince)
			if a.status != 200 {
				t.Fatalf("page %d", a.status)
			}
			checked := 0
			same := func(what, got string, want *float64, shown bool) {
				t.Helper()
				checked++
				switch {
				case want == nil || !shown:
					if got != "" {
						t.Errorf("%s: the page shows %s, the API none", what, got)
					}
				case got == "":
					t.Errorf("%s: the page shows none, the API %v", what, *want)
				default:
					if v, _ := strconv.ParseFloat(got, 64); v != *want {
						t.Errorf("%s: page %s, API %v", what, got, *want)
					}
				}
			}
			n := func(v int64) *float64 { f := float64(v); return &f }
			ci := func(p report.Proportion, i int) *float64 {
				if p.CI95 == nil {
					return nil
				}
				return &p.CI95[i]
			}
			prop := func(what string, r row, p report.Proportion) {
				same(what+" n", r.values[0], n(p.N), true)
				same(what, r.values[1], p.Rate, p.EnoughRatings)
				same(what+" ci low", r.values[2], ci(p, 0), p.EnoughRatings)
				same(what+" ci high", r.values[3], ci(p, 1), p.EnoughRatings)
			}
			head := tableOf(t, a.body, "headline")
			prop("satisfaction", rowOf(t, head, "Tỷ lệ hài lòng"), m.Satisfaction)
			prop("decision766", rowOf(t, head, "Tỷ lệ theo Quyết định 766"), m.Decision766.Proportion)
			// The Happy Index is a score out of 100, in a table of its own.
			happy := rowOf(t, tableOf(t, a.body, "happy_index"), "Chỉ số Happy Index (0–100)")
			same("happy n", happy.values[0], n(m.HappyIndex.N), true)
			same("happy", happy.values[1], m.HappyIndex.Value, m.HappyIndex.EnoughRatings)
			sipas := rowOf(t, head, "Chỉ số SIPAS (kiểu SIPAS) chung")
			same("sipas n", sipas.values[0], n(m.SIPAS.N), true)
			same("sipas", sipas.values[1], m.SIPAS.Overall, m.SIPAS.EnoughRatings)
			elements := tableOf(t, a.body, "sipas")
			for _, e := range m.SIPAS.Elements {
				same("element "+e.ID, rowOf(t, elements, e.Title).values[1], e.Index, e.EnoughRatings)
			}
			c01 := tableOf(t, a.body, "circular01")
			for _, ix := range m.Circular01.Indices {
				r := rowOf(t, c01, fmt.Sprintf("Chỉ số %d", ix.Index))
				same(fmt.Sprint("index n ", ix.Index), r.values[0], n(ix.N), true)
				same(fmt.Sprint("index ", ix.Index), r.values[1], ix.Score, ix.EnoughRatings)
			}
			official := rowOf(t, c01, "Tổng điểm cán bộ (chỉ số 1, 2, 3, 4, 7)")
			same("official score", official.values[1], m.Circular01.Official.Value, m.Circular01.Official.EnoughRatings)
			// A total of indices counted on different ratings: no count of its own.
			if official.texts[0] != "–" {
				t.Errorf("the official's total counted %q ratings, want none given", official.texts[0])
			}
			// The class in words, as the officials' page and the quarterly
			// report say it, never the API's code ("100%").
			if got, want := official.texts[len(official.texts)-1], report.ClassName(m.Circular01.Official.Classification, "vi"); got != want {
				t.Errorf("official class %q, want %q (the API's %q)", got, want, m.Circular01.Official.Classification)
			}
			agency := rowOf(t, c01, "Tổng điểm cơ quan (chỉ số 1–9)")
			same("agency score", agency.values[1], m.Circular01.Agency.Value, m.Circular01.Agency.EnoughRatings)
			targets := tableOf(t, a.body, "targets")
			if len(targets) != len(m.Targets) {
				t.Fatalf("%d targets, API %d", len(targets), len(m.Targets))
			}
			for i, g := range m.Targets {
				same("target "+g.Measure, targets[i].values[1], &g.Target.Target, true)
				same("target value "+g.Measure, targets[i].values[2], g.Value, true)
				same("target gap "+g.Measure, targets[i].values[3], g.Gap, true)
				// A gap is a difference of two rates: percentage points,
				// as the changes between periods.
				if g.Gap != nil {
					if got, want := targets[i].texts[3], export.FormatCell("vi", report.KindRateChange, report.Cell{Value: g.Gap}); got != want || !strings.HasSuffix(got, "điểm\u00a0%") {
						t.Errorf("target gap %s written %q, want %q", g.Measure, got, want)
					}
				}
			}
			if checked < 30 {
				t.Errorf("only %d figures checked", checked)
			}
		})
	}
}

// TestOverviewComparesWithEarlierPeriods: the change from the previous
// quarter is tested, and said beyond chance when it is.
func TestOverviewComparesWithEarlierPeriods(t *testing.T) {
	base := overviewServer(t)
	a := page(t, base, "/?unit=09190", analystProvince)
	api := func(q string) report.Proportion {
		var m report.Measures
		json.Unmarshal([]byte(do(t, nil, "GET", base+"/api/v1/measures?unit=09190&"+q, analystProvince, nil).body), &m)
		return m.Satisfaction
	}
	now, prev, year := api("period=2026-Q1"), api("period=2025-Q4"), api("period=2025-Q1")
	want := report.Compare(now, prev, report.QuarterOf(2025, 4))
	sat := rowOf(t, tableOf(t, a.body, "headline"), "Tỷ lệ hài lòng")
	// Cells: n, value, ci low, ci high, then (previous) value, change, z,
	// verdict, then the same a year earlier.
	if sat.values[4] != strconv.FormatFloat(*prev.Rate, 'f', -1, 64) || sat.values[5] != strconv.FormatFloat(*want.Delta, 'f', -1, 64) ||
		sat.values[6] != strconv.FormatFloat(*want.Z, 'f', -1, 64) || sat.texts[7] != "Có" || !want.Significant {
		t.Errorf("against the previous quarter: %+v, want %+v", sat, want)
	}
	// The change is written in percentage points with a real minus sign,
	// in either language.
	if got, want := sat.texts[5], export.FormatCell("vi", report.KindRateChange, report.Cell{Value: want.Delta}); got != want || !strings.Contains(got, "điểm") {
		t.Errorf("the change is written %q, want %q", got, want)
	}
	en := rowOf(t, tableOf(t, page(t, base, "/?unit=09190&lang=en", analystProvince).body, "headline"), "Satisfaction rate")
	if got, want := en.texts[5], export.FormatCell("en", report.KindRateChange, report.Cell{Value: want.Delta}); got != want || !strings.HasSuffix(got, "pp") {
		t.Errorf("in English the change is written %q, want %q", got, want)
	}
	wantYear := report.Compare(now, year, report.QuarterOf(2025, 1))
	if sat.values[8] != strconv.FormatFloat(*year.Rate, 'f', -1, 64) || sat.values[10] != strconv.FormatFloat(*wantYear.Z, 'f', -1, 64) ||
		(sat.texts[11] == "Có") != wantYear.Significant {
		t.Errorf("against the year before: %+v, want %+v", sat, wantYear)
	}
	// Cells: n, value, then (previous) value, change, z, verdict: a score
	// has no interval.
	happy := rowOf(t, tableOf(t, a.body, "happy_index"), "Chỉ số Happy Index (0–100)")
	if happy.texts[5] != "Không kiểm định" || happy.values[3] == "" {
		t.Errorf("a mean index is not tested, but its change is given: %+v", happy)
	}
	few := page(t, base, "/?unit=09250", analystProvince)
	tuSon := rowOf(t, tableOf(t, few.body, "headline"), "Tỷ lệ hài lòng")
	if tuSon.texts[1] != "Chưa đủ số lượt đánh giá" || tuSon.values[0] != "5" || tuSon.texts[7] != "–" {
		t.Errorf("too few ratings: %+v", tuSon)
	}
}

func TestOverviewDownloads(t *testing.T) {
	base := overviewServer(t)
	for _, c := range []struct{ query, ctype string }{
		{"format=csv", "text/csv; charset=utf-8"},
		{"format=csv&table=circular01", "text/csv; charset=utf-8"},
		{"format=xlsx&table=headline", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	} {
		a := do(t, nil, "GET", base+"/?period=2026-Q1&channel=kiosk&"+c.query, analystProvince, nil)
		if a.status != 200 || a.header.Get("Content-Type") != c.ctype || !strings.Contains(a.header.Get("Content-Disposition"), "2026-Q1") {
			t.Errorf("%s: %d %v", c.query, a.status, a.header)
		}
		if strings.HasPrefix(c.ctype, "text/csv") && (!strings.Contains(a.body, "channel") || !strings.Contains(a.body, "kiosk")) {
			t.Errorf("%s: the file does not say its filters: %s", c.query, a.body)
		}
	}
	if a := do(t, nil, "GET", base+"/?format=csv&table=nothing", analystProvince, nil); a.status != 400 {
		t.Errorf("an unknown table: %d", a.status)
	}
}
