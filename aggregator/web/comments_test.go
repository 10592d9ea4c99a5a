package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/comments/commentstest"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
)

// Bearer headers of managers, who may read comments.
const (
	managerCommune  = "Bearer hlt_manager09190" // manager, commune 09190 (Kinh Bắc)
	managerProvince = "Bearer hlt_manager24"
)

// commentsServer serves idx with managers of Kinh Bắc and the province.
func commentsServer(t *testing.T, idx *comments.Index) string {
	t.Helper()
	_, base, fa := demoServerWith(t, rollup.New(), func(s *web.Server) {
		s.Comments = func() *comments.Index { return idx }
	})
	var perms []hailong.Permission
	for _, r := range hailong.DefaultRoles() {
		if r.Name == hailong.RoleManager {
			perms = r.Permissions
		}
	}
	fa.mu.Lock()
	fa.bearers[managerCommune] = &hailong.Principal{Username: "hoa", Role: "manager", Scope: "09190", Permissions: perms, Via: "token", TokenID: "t6"}
	fa.bearers[managerProvince] = &hailong.Principal{Username: "lan", Role: "manager", Scope: "24", Permissions: perms, Via: "token", TokenID: "t7"}
	fa.mu.Unlock()
	return base
}

// someComments are 120 comments in March 2026, alternating between Kinh
// Bắc and Từ Sơn, every third not satisfied, one hostile to the page.
func someComments() *comments.Index {
	idx := comments.New()
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	for i := range 120 {
		c := comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: start.Add(time.Duration(i) * time.Hour),
			Unit: "TT-09190", Channel: hailong.ChannelKiosk, Questionnaire: "counter-quick", Version: 1, Level: 3, Mood: comments.Satisfied,
			Text: fmt.Sprintf("góp ý số %d", i)}
		if i%2 == 1 {
			c.Unit, c.Channel = "TT-09250", hailong.ChannelQR
		}
		if i%3 == 0 {
			c.Level, c.Mood, c.Procedure = 1, comments.Dissatisfied, "1.004122"
		}
		switch i {
		case 90:
			c.Text = `<script>alert("x")</script> chờ lâu`
		case 87: // a spreadsheet must not take it for a formula
			c.Text = `=cmd|' /C calc'!A0`
		}
		idx.Add(c)
	}
	return idx
}

func TestCommentsAPI(t *testing.T) {
	base := commentsServer(t, someComments())
	type page struct {
		Unit       string `json:"unit"`
		Total      int    `json:"total"`
		NextCursor string `json:"next_cursor"`
		Comments   []struct {
			ID, Unit, Mood, Text, LevelLabel string
			Level                            int
			Channel                          string
			Date                             string
		} `json:"comments"`
	}
	get := func(t *testing.T, auth, query string, status int) page {
		t.Helper()
		a := do(t, nil, "GET", base+"/api/v1/comments?"+query, auth, nil)
		if a.status != status {
			t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
		}
		var p page
		if status == 200 {
			if err := json.Unmarshal([]byte(a.body), &p); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	march := "period=2026-03"
	t.Run("a commune manager sees only the comments of its subtree", func(t *testing.T) {
		p := get(t, managerCommune, march, 200)
		if p.Total != 60 || p.Unit != "09190" {
			t.Fatalf("total %d of unit %s, want 60 of 09190", p.Total, p.Unit)
		}
		for _, c := range p.Comments {
			if c.Unit != "TT-09190" {
				t.Errorf("comment of %s shown to Kinh Bắc", c.Unit)
			}
		}
	})
	t.Run("a neighbour's unit is refused", func(t *testing.T) {
		get(t, managerCommune, march+"&unit=09250", 403)
	})
	t.Run("without the comments permission", func(t *testing.T) {
		get(t, analystProvince, march, 403)
	})
	t.Run("pages follow each other newest first without gaps", func(t *testing.T) {
		seen := map[string]bool{}
		var last string
		cursor := ""
		for pages := 0; ; pages++ {
			p := get(t, managerProvince, march+"&limit=50&cursor="+url.QueryEscape(cursor), 200)
			if p.Total != 120 {
				t.Fatalf("total %d, want 120", p.Total)
			}
			for _, c := range p.Comments {
				if seen[c.ID] {
					t.Fatalf("comment %s on two pages", c.ID)
				}
				if last != "" && c.ID > last {
					t.Fatalf("comment %s after %s: not newest first", c.ID, last)
				}
				seen[c.ID], last = true, c.ID
			}
			if cursor = p.NextCursor; cursor == "" {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
		}
		if len(seen) != 120 {
			t.Errorf("%d comments over the pages, want 120", len(seen))
		}
	})
	filters := []struct {
		name, query string
		total       int
		check       func(m, unit, channel string) bool
	}{
		{"level", "level=dissatisfied", 40, func(m, _, _ string) bool { return m == "dissatisfied" }},
		{"unit", "unit=09250", 60, func(_, u, _ string) bool { return u == "TT-09250" }},
		{"channel", "channel=qr", 60, func(_, _, ch string) bool { return ch == "qr" }},
		{"procedure", "procedure=1.004122", 40, func(m, _, _ string) bool { return m == "dissatisfied" }},
		{"level and unit", "level=dissatisfied&unit=09190", 20, func(m, u, _ string) bool { return m == "dissatisfied" && u == "TT-09190" }},
		{"another period", "period=2026-02", 0, nil},
		{"days", "from=2026-03-01&to=2026-03-01", 15, nil}, // the 1st in Hanoi ends at 17:00 UTC: 02:00 to 16:00
	}
	for _, f := range filters {
		t.Run("filter by "+f.name, func(t *testing.T) {
			q := f.query
			if !strings.Contains(q, "period=") && !strings.Contains(q, "from=") {
				q += "&" + march
			}
			p := get(t, managerProvince, q+"&limit=200", 200)
			if p.Total != f.total || len(p.Comments) != f.total {
				t.Fatalf("total %d, %d listed; want %d", p.Total, len(p.Comments), f.total)
			}
			for _, c := range p.Comments {
				if f.check != nil && !f.check(c.Mood, c.Unit, c.Channel) {
					t.Errorf("comment %+v does not match %s", c, f.query)
				}
			}
		})
	}
	for _, bad := range []struct{ name, query, field string }{
		{"reversed period", "from=2026-03-31&to=2026-03-01", "to"},
		{"bad level", "level=angry", "level"},
		{"unknown unit", "unit=99999", "unit"},
		{"bad cursor", "cursor=nonsense", "cursor"},
		{"too many", "limit=5000", "limit"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/api/v1/comments?"+bad.query, managerProvince, nil)
			if a.status != 400 || !strings.Contains(a.body, `"`+bad.field+`"`) {
				t.Errorf("status %d, want 400 naming %s: %s", a.status, bad.field, a.body)
			}
		})
	}
}

func TestCommentsPage(t *testing.T) {
	base := commentsServer(t, someComments())
	tests := []struct {
		name, auth, query string
		status            int
		contains, lacks   []string
	}{
		{"newest first, escaped", managerProvince, "period=2026-03", 200,
			[]string{"Ý kiến của người dân", "120</strong> ý kiến phù hợp", "góp ý số 119", "&lt;script&gt;", "Ý kiến cũ hơn", "Rất hài lòng", "cm-dissatisfied", "Không hài lòng", "Qua mã QR", "05/03/2026"},
			[]string{"<script>alert", "góp ý số 10<", `aria-invalid="true"`}},
		{"english", managerProvince, "period=2026-03&lang=en", 200,
			[]string{"Citizens&#39; comments", "matching comments", "Very satisfied", "By QR code", "5 Mar 2026"}, nil},
		{"only dissatisfied", managerProvince, "period=2026-03&level=dissatisfied", 200,
			[]string{"40</strong>", "góp ý số 117"}, []string{"góp ý số 119"}},
		{"commune scope", managerCommune, "period=2026-03", 200, []string{"60</strong>", "góp ý số 118"}, []string{"góp ý số 119"}},
		{"reversed period beside the field", managerProvince, "from=2026-03-31&to=2026-03-01", 400,
			[]string{`id="cm-to-err"`, "không được trước ngày bắt đầu của kỳ (31/03/2026)", `aria-invalid="true"`}, []string{"ý kiến phù hợp"}},
		{"dates typed the Vietnamese way", managerProvince, "from=01/03/2026&to=31/03/2026", 200,
			[]string{"120</strong> ý kiến phù hợp", `value="01/03/2026"`, `value="31/03/2026"`, `placeholder="dd/mm/yyyy"`, `inputmode="numeric"`}, []string{`type="date"`, `aria-invalid="true"`}},
		{"a date that is not one, beside its field", managerProvince, "from=31/02/2026&to=31/03/2026", 400,
			[]string{`id="cm-from-err"`, "“31/02/2026” không phải một ngày: hãy viết theo dạng ngày/tháng/năm", `value="31/02/2026"`}, []string{"ý kiến phù hợp"}},
		{"dates on the English page", managerProvince, "from=01/03/2026&to=2026-03-31&lang=en", 200,
			[]string{`value="2026-03-01"`, `value="2026-03-31"`, `placeholder="yyyy-mm-dd"`}, nil},
		{"bad level in english", managerProvince, "level=angry&lang=en", 400,
			[]string{`id="cm-level-err"`, `&#34;angry&#34; is not one of dissatisfied, neutral, satisfied`}, nil},
		{"unknown unit", managerProvince, "unit=99999", 400, []string{`id="cm-unit-err"`, "đơn vị “99999” không tồn tại"}, nil},
		{"out of scope", managerCommune, "unit=09250", 403, nil, nil},
		{"no permission, said on a page in Vietnamese", analystProvince, "", 403, []string{`<html lang="vi"`, "Bạn không có quyền xem nội dung này."}, nil},
		{"no permission, in English", analystProvince, "lang=en", 403, []string{`<html lang="en"`, "You may not see this."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/comments?"+tt.query, tt.auth, nil, "Accept", "text/html")
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(a.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(a.body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
	t.Run("download", func(t *testing.T) {
		a := do(t, nil, "GET", base+"/comments?period=2026-03&level=dissatisfied&format=csv", managerProvince, nil)
		if a.status != 200 || !strings.HasPrefix(a.body, "\ufeff") || strings.Count(a.body, "góp ý số") != 38 || !strings.Contains(a.body, "'=cmd") || !strings.Contains(a.body, "Không hài lòng") {
			t.Errorf("status %d: %s", a.status, a.body)
		}
	})
}

// TestCommentsReadTheirMonthsFromTheDatabase: after a start no comment is
// in memory; a request reads the months of its period from the database,
// with the comments uploaded since, and one whose months cannot be read
// says so, and reads them once they can.
func TestCommentsReadTheirMonthsFromTheDatabase(t *testing.T) {
	var all []comments.Comment
	someComments().All(func(c comments.Comment) bool { all = append(all, c); return true })
	st := commentstest.New(all[:len(all)-1]...)
	idx := comments.Open(st, 50, st.Months(), nil)
	idx.Add(all[len(all)-1]) // uploaded since the start, not yet stored
	base := commentsServer(t, idx)
	st.Fail(errors.New("injected: connection refused"))
	a := do(t, nil, "GET", base+"/api/v1/comments?unit=24&from=2026-03-01&to=2026-03-31", managerProvince, nil)
	if a.status != fiber.StatusServiceUnavailable || !strings.Contains(a.body, "could not be read") || strings.Contains(a.body, "injected") {
		t.Fatalf("with the database failing: status %d: %s; want 503 saying why, without the database's words", a.status, a.body)
	}
	for lang, want := range map[string]string{"vi": "Hiện chưa đọc được dữ liệu", "en": "cannot be read from the database"} {
		a := do(t, nil, "GET", base+"/comments?unit=24&from=2026-03-01&to=2026-03-31&lang="+lang, managerProvince, nil, "Accept", "text/html")
		if a.status != fiber.StatusServiceUnavailable || !strings.Contains(a.body, want) || strings.Contains(a.body, "injected") {
			t.Fatalf("the page in %s with the database failing: status %d: %s; want 503 saying %q", lang, a.status, a.body, want)
		}
	}
	st.Fail(nil)
	a = do(t, nil, "GET", base+"/api/v1/comments?unit=24&from=2026-03-01&to=2026-03-31", managerProvince, nil)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(a.body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != len(all) {
		t.Fatalf("%d comments, want the %d stored and uploaded", got.Total, len(all))
	}
}
