package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
)

// period= together with year=/quarter= (or from/to with year/quarter):
// one silently wins instead of the "both" problem period+from/to gets.
func TestHostilePeriodAndYearQuarterBothGiven(t *testing.T) {
	_, base := demoServer(t, rollup.New())
	for _, q := range []string{
		"unit=24&period=2026-Q1&year=2025&quarter=3",
		"unit=24&from=2026-01-01&to=2026-01-31&year=2025&quarter=3",
	} {
		a := do(t, nil, "GET", base+"/api/v1/measures?"+q, analystProvince, nil)
		var m struct{ From, To string }
		_ = json.Unmarshal([]byte(a.body), &m)
		if a.status != 400 {
			t.Errorf("%s: status %d, want 400 (two periods asked); answered for %s..%s", q, a.status, m.From, m.To)
		}
	}
}

// A custom period is not bounded to 2015–2100 as period= and year= are.
func TestHostileCustomPeriodYearBounds(t *testing.T) {
	_, base := demoServer(t, rollup.New())
	for _, q := range []string{
		"unit=24&from=0001-01-01&to=0001-01-31",
		"unit=24&from=9999-12-01&to=9999-12-31",
	} {
		a := do(t, nil, "GET", base+"/api/v1/measures?"+q, analystProvince, nil)
		if a.status != 400 {
			t.Errorf("%s: status %d, want 400 (year outside 2015–2100): %.300s", q, a.status, a.body)
		}
		p := do(t, nil, "GET", base+"/?"+q, analystProvince, nil, "Accept", "text/html")
		if p.status != 400 {
			t.Errorf("page %s: status %d, want 400", q, p.status)
		}
	}
}

// The quarterly report asked for year=2026&quarter=3 but with a stray
// period= answers for another quarter.
func TestHostileQuarterlyStrayPeriod(t *testing.T) {
	_, base := demoServer(t, rollup.New())
	a := do(t, nil, "GET", base+"/api/v1/reports/quarterly?unit=24&year=2025&quarter=3&period=2026-Q1&format=json", analystProvince, nil)
	if a.status == 200 {
		t.Errorf("status 200 for year=2025&quarter=3&period=2026-Q1: %.300s", a.body)
	}
}

// The public page is cached by language only, with the first visitor's
// query string baked into its links (the language switch).
func TestHostilePublicCacheKeepsFirstVisitorsQuery(t *testing.T) {
	pub := &switchBoard{on: true}
	_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) {
		s.Publication, s.RateLimit = pub, 1000
		s.Comments = func() *comments.Index { return comments.New() }
	})
	first := do(t, nil, "GET", base+"/public?lang=vi&utm_source=evil&next=%2F%2Fevil.example", "", nil, "Accept", "text/html")
	if first.status != 200 {
		t.Fatalf("status %d", first.status)
	}
	second := do(t, nil, "GET", base+"/public", "", nil, "Accept", "text/html")
	if strings.Contains(second.body, "utm_source=evil") {
		t.Errorf("another visitor's /public carries the first visitor's query in its links")
	}
}

var _ = hailong.DateOf

// Probes of a commune's readers against their neighbour through the old
// structure and every new route. Each should be 403 (or 404).
func TestHostileScopeProbes(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, p := range []struct{ path, auth string }{
		{"/api/v1/measures?unit=27&period=2025-Q1&as_of=2025-01-01", analystCommune},
		{"/api/v1/measures?unit=261&period=2025-Q1&as_of=2025-01-01", analystCommune},
		{"/api/v1/breakdowns?unit=261&period=2025-Q1&as_of=2025-01-01&by=official", analystCommune},
		{"/api/v1/breakdowns?unit=09250&period=2026-Q1&by=official", analystCommune},
		{"/api/v1/exports/dvcqg?unit=09250&period=2026-Q1", analystCommune},
		{"/api/v1/reports/quarterly?unit=09250&year=2026&quarter=1&format=json", analystCommune},
		{"/api/v1/reports/quarterly?unit=MC-261&year=2025&quarter=1&as_of=2025-01-01&format=json", analystCommune},
		{"/api/v1/comments?unit=MC-261&period=2025-Q1&as_of=2025-01-01", managerCommune},
		{"/api/v1/comments?unit=TT-09250&period=2026-03", managerCommune},
		{"/units/09250?format=csv", analystCommune},
		{"/units/261?as_of=2025-01-01&period=2025-Q1&format=csv", analystCommune},
		{"/units/09250/officials/CB-1?format=csv", analystCommune},
		{"/comments?unit=09250&period=2026-03&format=csv", managerCommune},
		{"/?unit=09250&format=csv", analystCommune},
	} {
		a := do(t, nil, "GET", base+p.path, p.auth, nil)
		if a.status == 200 {
			t.Errorf("%s: 200 (%.200s)", p.path, a.body)
		}
	}
}

// Hostile inputs on pages: no 500, messages in the page's language.
func TestHostileHostilePageInputs(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, p := range []struct{ path, auth string }{
		{"/units/%3Cscript%3E", analystProvince},
		{"/units/09190/officials/%3Cx%3E", analystProvince},
		{"/units/09190/officials/" + strings.Repeat("a", 70), analystProvince},
		{"/?as_of=0001-01-01", analystProvince},
		{"/?as_of=9999-12-31", analystProvince},
		{"/?from=2026-01-01&to=2026-01-01&as_of=2025-01-01", analystCommune},
		{"/units/09190?sort=%3Cx%3E", analystProvince},
		{"/units/09190?sort=-rate", analystProvince},
		{"/comments?cursor=%3Cx%3E", managerProvince},
		{"/comments?cursor=2026-03-01T00:00:00Z_x", managerProvince},
		{"/comments?limit=-1", managerProvince},
		{"/comments?level=%3Cx%3E&format=csv", managerProvince},
		{"/kiosks?unit=%3Cx%3E", analystProvince},
		{"/kiosks?unit=09250", analystCommune},
		{"/reports?unit=%3Cx%3E&year=abc&quarter=9", analystProvince},
		{"/reports?unit=24&year=2026&quarter=1&format=pdf&period=2025", analystProvince},
		{"/reports?unit=09250&year=2026&quarter=1", analystCommune},
		{"/?format=%3Cx%3E", analystProvince},
		{"/?format=csv&table=%3Cx%3E", analystProvince},
		{"/?period=2026-Q1&year=2025", analystProvince},
		{"/?quarter=3", analystProvince},
		{"/units/09190?as_of=2025-01-01", analystProvince},
	} {
		a := do(t, nil, "GET", base+p.path, p.auth, nil, "Accept", "text/html")
		body := a.body
		if i := strings.Index(body, "<main"); i >= 0 {
			body = body[i:]
		}
		t.Logf("%s → %d %s %.300q", p.path, a.status, a.header.Get("Content-Type"), body)
		if a.status >= 500 || strings.Contains(a.body, "<script>") || strings.Contains(a.body, "<x>") {
			t.Errorf("%s: %d", p.path, a.status)
		}
	}
}

// Bad input on a Vietnamese page gets a bare English error page instead of
// the page with the message beside the field in Vietnamese.
func TestHostileEnglishErrorsOnVietnamesePages(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, p := range []struct{ path, auth, english string }{
		{"/units/09190/officials/%3Cx%3E?lang=vi", analystProvince, "There is no official"},
		{"/kiosks?unit=09250&lang=vi", analystCommune, "is outside your scope"},
		{"/reports?unit=09250&year=2026&quarter=1&lang=vi", analystCommune, "is outside your scope"},
		{"/?format=pdf&lang=vi", analystProvince, "is not csv or xlsx"},
		{"/units/09190?format=csv&table=nope&lang=vi", analystProvince, "is not a table of this page"},
		{"/comments?cursor=zzz&lang=vi", managerProvince, "is not a cursor"},
		{"/comments?limit=0&lang=vi", managerProvince, "is not a whole number"},
		{"/comments?procedure=x&lang=vi", managerProvince, "is not a procedure code"},
	} {
		a := do(t, nil, "GET", base+p.path, p.auth, nil, "Accept", "text/html")
		if strings.Contains(a.body, p.english) || !strings.Contains(a.body, `class="sections"`) {
			t.Errorf("%s: %d, English error outside the page's frame: %.200q", p.path, a.status, a.body[strings.Index(a.body, "<body>"):])
		}
	}
}

// The CSV guard (a leading apostrophe) is put into the table's text, so
// the XLSX, where a string cell is never a formula, shows the citizen's
// comment with an apostrophe that was never written.
func TestHostileXLSXCommentsGetAnApostrophe(t *testing.T) {
	base := commentsServer(t, someComments())
	a := do(t, nil, "GET", base+"/comments?period=2026-03&format=xlsx", managerProvince, nil)
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	f, err := excelize.OpenReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			for _, c := range r {
				if strings.HasPrefix(c, "'=cmd") {
					t.Errorf("sheet %s: the comment reads %q in the workbook", sh, c)
				}
			}
		}
	}
}

func TestHostileAPIOddInputs(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, p := range []string{
		"/api/v1/breakdowns?period=2026-Q1",
		"/api/v1/breakdowns?period=2026-Q1&by=%3Cx%3E",
		"/api/v1/breakdowns?period=2026-Q1&by=official&lang=xx",
		"/api/v1/exports/dvcqg?from=0001-01-01&to=0001-12-31",
		"/api/v1/reports/quarterly?year=2026&quarter=1&format=csv&lang=xx",
		"/api/v1/reports/quarterly?from=2026-01-01&to=2026-03-31&format=json",
		"/api/v1/comments?period=2026-03&limit=200&cursor=",
	} {
		a := do(t, nil, "GET", base+p, managerProvince, nil)
		t.Logf("%s → %d %.160s", p, a.status, a.body)
		if a.status >= 500 {
			t.Errorf("%s: %d", p, a.status)
		}
	}
}

// The overview of an analyst whose unit was not in force on as_of names
// that unit, not an empty one.
func TestHostileOverviewNamesTheScopeNotInForce(t *testing.T) {
	base := commentsServer(t, someComments())
	a := do(t, nil, "GET", base+"/?as_of=2025-06-30&period=2026-Q1", analystCommune, nil, "Accept", "text/html")
	if a.status != 404 || !strings.Contains(a.body, "“09190”") || strings.Contains(a.body, "“”") {
		t.Errorf("%d %.300q", a.status, a.body[max(strings.Index(a.body, "<main"), 0):])
	}
}

// A path served for other methods answers 405 with the methods it takes
// (Allow), not 404 as if it did not exist; a path served for none is 404.
func TestHostileWrongMethodIs405(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/sync", 405, "POST"},
		{"PUT", "/api/v1/measures", 405, "GET, HEAD"},
		{"PUT", "/api/v1/alert-rules/abc", 405, "DELETE, PATCH"},
		{"POST", "/static/app.css", 405, "GET, HEAD"},
		{"GET", "/api/v1/nothing-here", 404, ""},
		{"POST", "/api/v1/measures/x/y", 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a := do(t, nil, tc.method, base+tc.path, analystProvince, nil)
			if a.status != tc.status || a.header.Get("Allow") != tc.allow {
				t.Errorf("%d, Allow %q; want %d with %q: %.200s", a.status, a.header.Get("Allow"), tc.status, tc.allow, a.body)
			}
		})
	}
}
