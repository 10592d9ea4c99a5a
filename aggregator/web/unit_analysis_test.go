package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/rollup/rolluptest"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/procedure"
)

// rollOutcomes is an outcome book over a rollup that takes no reports.
type rollOutcomes struct{ rolluptest.OutcomeBook }

func (rollOutcomes) Report(context.Context, []hailong.Outcome, func(string) bool) ([]outcomes.Result, error) {
	return nil, nil
}

// analysisServer serves the demo units with a year of random ratings and
// dossier outcomes at Kinh Bắc and Từ Sơn (2025-04 to 2026-03): both
// questionnaires, both channels, demo procedures, four officials (cb-0004
// with only a handful of ratings) and thirty counters, more than the page
// shows of a breakdown.
func analysisServer(t *testing.T) string {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoProcedures)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	procs, err := procedure.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	r, book := rollup.New(), rollup.New()
	r.SetFields(procs.Fields())
	book.SetFields(procs.Fields())
	var codes []string
	for _, p := range procs.All()[:6] {
		codes = append(codes, p.Code)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	start := hailong.DateFromYMD(2025, 4, 1)
	for i := 0; i < 6000; i++ {
		q := pick("counter-quick", "sipas")
		official := pick("cb-0001", "cb-0002", "cb-0003")
		if i%500 == 0 {
			official = "cb-0004"
		}
		fact := rollup.Fact{Unit: pick("TT-09190", "TT-09250"), Date: start + hailong.Date(rng.IntN(365)), Satisfied: rng.IntN(10) < 8,
			Dims: rollup.Dims{Questionnaire: q, Channel: hailong.Channel(pick("kiosk", "qr")), Procedure: pick(codes...), Official: official, Counter: fmt.Sprintf("Q%d", 1+rng.IntN(30))}}
		if q == "sipas" {
			fact.Level = rng.IntN(5)
			for _, s := range []string{"access_signs", "off_polite", "proc_time", "res_ontime"} {
				fact.Items = append(fact.Items, rollup.Item{Q: s, N: 1, Satisfied: int64(rng.IntN(10) / 7)})
			}
		} else {
			fact.Level = rng.IntN(3)
			for _, s := range []string{"agencies", "attitude", "contacts", "result_time"} {
				fact.Items = append(fact.Items, rollup.Item{Q: s, N: 1, Sum: int64(1 + rng.IntN(2))})
			}
		}
		r.Add(fact)
		if rng.IntN(3) == 0 {
			book.AddTally(fact.Unit, fact.Date, rollup.Dims{Procedure: fact.Procedure, Official: fact.Official, Counter: fact.Counter},
				rollup.Tally{Out: &rollup.Outcomes{Dossiers: 1, Bad: int64(rng.IntN(10) / 8), Index1Sum: int64(1 + rng.IntN(2)), IndexSum: [5]int64{2}, IndexN: [5]int64{1}}})
		}
	}
	_, base, _ := demoServerWith(t, r, func(s *web.Server) {
		s.Outcomes = rollOutcomes{rolluptest.OutcomeBook{Rollup: book}}
		s.Procedures = func() *procedure.Catalogue { return procs }
	})
	return base
}

// get fetches a path as auth, as a browser (page) or a program.
func get(t *testing.T, base, path, auth string, page bool) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if page {
		req.Header.Set("Accept", "text/html")
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// pageCase is a page asked for as auth, the status it must answer with,
// what it must contain and what it must lack.
type pageCase struct {
	name, path, auth string
	status           int
	contains         []string
	lacks            []string
}

// checkPages asks for each page of tests, in a subtest of its own.
func checkPages(t *testing.T, base string, tests []pageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := get(t, base, tt.path, tt.auth, true)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.500s", status, tt.status, body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("page lacks %q", c)
				}
			}
			for _, c := range tt.lacks {
				if strings.Contains(body, c) {
					t.Errorf("page has %q", c)
				}
			}
		})
	}
}

func TestUnitAnalysisPage(t *testing.T) {
	base := analysisServer(t)
	checkPages(t, base, []pageCase{
		{"sections in Vietnamese", "/units/24?period=2026-Q1", analystProvince, 200,
			[]string{"Diễn biến theo tháng", `<svg viewBox="0 0 480 240" role="img"`, "an-band", "1/2026", "3/2026",
				"Hồ sơ SIPAS", "Thủ tục có tỷ lệ hài lòng thấp nhất", "Công chức có tỷ lệ hài lòng thấp nhất", "Theo lĩnh vực", "Hộ tịch",
				"Đăng ký khai sinh", "Theo quầy", "Qua mã QR", `href="/units/24/officials/cb-0001?period=2026-Q1"`,
				"/units/24?format=csv&amp;period=2026-Q1&amp;table=by_procedure", "\u00a0%", "Chưa đủ số lượt đánh giá"},
			[]string{"script"}},
		{"english", "/units/24?period=2026-Q1&lang=en", analystProvince, 200,
			[]string{"Monthly trend", "Procedures with the lowest satisfaction", "By QR code", "Jan 2026"}, nil},
		{"a month's trend is the twelve months to it", "/units/24?period=2026-02", analystProvince, 200, []string{"Từ 01/03/2025 đến 28/02/2026", "3/2025"}, nil},
		{"a commune analyst sees their commune", "/units/09190?period=2026-Q1", analystCommune, 200, []string{"Phường Kinh Bắc", "cb-0002"}, nil},
		{"another commune is out of scope", "/units/09190?period=2026-Q1", analystCommune09250, 403, nil, []string{"cb-0002"}},
		{"an unknown unit", "/units/99999", analystProvince, 404, nil, nil},
		{"a bad period comes back beside its field", "/units/24?period=2026-Q7", analystProvince, 400,
			[]string{`aria-invalid="true"`, "không phải một kỳ"}, []string{"Diễn biến theo tháng"}},
		{"a bad channel in Vietnamese", "/units/24?period=2026-Q1&channel=fax", analystProvince, 400,
			[]string{`aria-invalid="true"`, "“fax” không phải một kênh"}, []string{"%!", "EXTRA"}},
		{"a bad procedure, official and counter in Vietnamese", "/units/24?period=2026-Q1&procedure=abc&official=a%20b&counter=q%3C1", analystProvince, 400,
			[]string{"“abc” không phải mã thủ tục hành chính", "“a b” phải gồm 1 đến 64 chữ cái", "“q&lt;1” phải gồm"}, []string{"is not a procedure code", "must be 1 to 64"}},
		{"a bad procedure in English", "/units/24?period=2026-Q1&procedure=abc&lang=en", analystProvince, 400,
			[]string{`&#34;abc&#34; is not a procedure code (mã TTHC) like 1.004122`}, nil},
		{"a field the form has no control for is said above it", "/units/24?period=2026-Q1&include_flagged=yes", analystProvince, 400,
			[]string{"include_flagged: “yes” không phải true hoặc false"}, []string{"hãy sửa các ô được đánh dấu"}},
		{"a filter applies to every section", "/units/24?period=2026-Q1&channel=qr", analystProvince, 200, []string{"Qua mã QR", "<td>qr</td>"}, []string{"<td>kiosk</td>"}},
	})
}

func TestUnitAnalysisDownloads(t *testing.T) {
	base := analysisServer(t)
	// Each table of the page has a name of its own, which downloads it
	// alone.
	_, _, page := get(t, base, "/units/24?period=2026-Q1", analystProvince, true)
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`data-table="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Errorf("two tables named %s", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d tables: %v", len(seen), seen)
	}
	status, h, body := get(t, base, "/units/24?period=2026-Q1&format=csv&table=by_official", analystProvince, true)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("status %d, %s: %.200s", status, h.Get("Content-Type"), body)
	}
	for _, want := range []string{"Theo công chức", "cb-0001", "cb-0004"} {
		if !strings.Contains(body, want) {
			t.Errorf("CSV lacks %q: %s", want, body)
		}
	}
	// The page shows the 25 counters with most ratings; the download has
	// all thirty.
	if !strings.Contains(page, "25 dòng nhiều lượt đánh giá nhất trong 30") || strings.Count(page, `href="/units/24?counter=`) != 25 {
		t.Errorf("the page does not show 25 of the 30 counters")
	}
	_, _, body = get(t, base, "/units/24?period=2026-Q1&format=csv&table=by_counter", analystProvince, true)
	if n := len(regexp.MustCompile(`\nQ\d+,`).FindAllString(body, -1)); n != 30 {
		t.Errorf("the counters' download has %d rows, want 30: %s", n, body)
	}
	status, h, _ = get(t, base, "/units/24/officials/cb-0001?period=2026-Q1&format=xlsx", analystProvince, true)
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("official XLSX: status %d, %s", status, h.Get("Content-Type"))
	}
	if status, _, _ = get(t, base, "/units/24?format=csv&table=nothing", analystProvince, true); status != 400 {
		t.Errorf("an unknown table: status %d, want 400", status)
	}
}

func TestOfficialPage(t *testing.T) {
	base := analysisServer(t)
	checkPages(t, base, []pageCase{
		{"score, classification, trend and pull-down", "/units/24/officials/cb-0001?period=2026-Q1", analystProvince, 200,
			[]string{"Công chức cb-0001", "Điểm Thông tư 01 theo quý", "Quý 1/2026", "Quý 2/2024", "Chỉ số kéo điểm xuống",
				"100%", `<svg viewBox="0 0 480 240"`, "Về trang đơn vị"}, nil},
		{"english", "/units/24/officials/cb-0001?period=2026-Q1&lang=en", analystProvince, 200, []string{"Official cb-0001", "Q1 2026"}, nil},
		{"too few ratings: no classification", "/units/24/officials/cb-0004?period=2026-Q1", analystProvince, 200,
			[]string{"Chưa đủ số lượt đánh giá"}, []string{"<dd>100%</dd>", "<dd>70-100%</dd>"}},
		{"an official never rated here", "/units/24/officials/cb-9999?period=2026-Q1", analystProvince, 200,
			[]string{"chưa có lượt đánh giá nào"}, nil},
		{"counted only within the unit", "/units/09190/officials/cb-0001?period=2026-Q1", analystCommune, 200, []string{"Phường Kinh Bắc"}, nil},
		{"out of scope through another unit", "/units/09190/officials/cb-0001", analystCommune09250, 403, nil, []string{"Điểm Thông tư 01 theo quý"}},
		{"a bad official", "/units/24/officials/" + url.PathEscape("no such one!"), analystProvince, 404, nil, nil},
		{"a reversed period", "/units/24/officials/cb-0001?from=2026-03-01&to=2026-01-01", analystProvince, 400, []string{`aria-invalid="true"`}, nil},
	})
}

// TestBreakdownsEqualMeasures checks that every row of every breakdown the
// API gives — satisfaction, Happy Index, Decision 766 — equals
// /api/v1/measures with the row's value as the filter.
func TestBreakdownsEqualMeasures(t *testing.T) {
	base := analysisServer(t)
	for _, query := range []string{"unit=24&period=2026-Q1", "unit=09190&from=2025-05-10&to=2025-11-20", "unit=24&period=2025&channel=kiosk"} {
		for _, d := range report.Dimensions {
			t.Run(query+" by "+d.Name, func(t *testing.T) {
				var b report.Breakdown
				getJSON(t, base, "/api/v1/breakdowns?by="+d.Name+"&"+query, &b)
				if len(b.Rows) == 0 {
					t.Fatal("no rows")
				}
				for _, row := range b.Rows {
					var m report.Measures
					getJSON(t, base, "/api/v1/measures?"+query+"&"+url.Values{d.Name: {row.Key}}.Encode(), &m)
					if !reflect.DeepEqual(row.Satisfaction, m.Satisfaction) || !reflect.DeepEqual(row.HappyIndex, m.HappyIndex) {
						t.Errorf("%s: %+v %+v; measures %+v %+v", row.Key, row.Satisfaction, row.HappyIndex, m.Satisfaction, m.HappyIndex)
					}
					if row.Decision766 != nil && !reflect.DeepEqual(*row.Decision766, m.Decision766.Proportion) {
						t.Errorf("%s: Decision 766 %+v; measures %+v", row.Key, *row.Decision766, m.Decision766.Proportion)
					}
				}
			})
		}
	}
	if status, _, _ := get(t, base, "/api/v1/breakdowns?by=colour&unit=24&period=2026-Q1", analystProvince, false); status != 400 {
		t.Errorf("an unknown dimension: status %d, want 400", status)
	}
	if status, _, _ := get(t, base, "/api/v1/breakdowns?by=official&unit=09190&period=2026-Q1", analystCommune09250, false); status != 403 {
		t.Errorf("out of scope: status %d, want 403", status)
	}
}

func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	status, _, body := get(t, base, path, analystProvince, false)
	if status != 200 {
		t.Fatalf("%s: status %d: %s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatal(err)
	}
}

// TestUnitTrendEqualsMeasuresByMonth checks the unit page's trend, as
// its CSV download, against the measures by month of the trend's span:
// a quarter's trend is the quarter, measured with the headline figures;
// a month's is the twelve months to it, measured apart.
func TestUnitTrendEqualsMeasuresByMonth(t *testing.T) {
	base := analysisServer(t)
	for _, tt := range []struct{ name, period, span string }{
		{"a quarter", "period=2026-Q1", "period=2026-Q1"},
		{"a month", "period=2026-02", "from=2025-03-01&to=2026-02-28"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := get(t, base, "/units/24?lang=en&format=csv&table=trend&"+tt.period, analystProvince, true)
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			var m report.Measures
			getJSON(t, base, "/api/v1/measures?unit=24&breakdown=months&"+tt.span, &m)
			if len(m.ByMonth) < 3 {
				t.Fatalf("%d months measured", len(m.ByMonth))
			}
			for _, row := range m.ByMonth {
				want := fmt.Sprintf("\n%s,%d,", row.Month, row.Satisfaction.N)
				if !strings.Contains(body, want) {
					t.Errorf("the trend lacks %q: %s", want, body)
				}
			}
			if got := strings.Count(body, "\n20"); got != len(m.ByMonth) {
				t.Errorf("the trend has %d months, want %d: %s", got, len(m.ByMonth), body)
			}
		})
	}
}
