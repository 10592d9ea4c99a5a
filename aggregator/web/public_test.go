package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
)

// switchBoard is a publication switch in memory.
type switchBoard struct {
	mu sync.Mutex
	on bool
}

func (p *switchBoard) Published() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on
}

func (p *switchBoard) SetPublished(_ context.Context, on bool, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on = on
	return nil
}

// publicRow is one centre's row of the public page.
var publicRow = regexp.MustCompile(`<th scope="row"[^>]*>([^<]+)</th>\s*<td[^>]*>(?:<strong>)?([^<]*)(?:</strong>)?</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>`)

// publicFigures reads the public page: by centre name, its rate, n and
// interval as shown.
func publicFigures(body string) map[string][3]string {
	out := map[string][3]string{}
	for _, m := range publicRow.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[1])] = [3]string{html.UnescapeString(m[2]), m[3], html.UnescapeString(m[4])}
	}
	return out
}

func TestPublicResults(t *testing.T) {
	r := rollup.New()
	q4 := hailong.DateFromYMD(2025, 11, 10) // the last closed quarter on 15/03/2026
	add := func(unit string, n, satisfied int, day hailong.Date) {
		for i := range n {
			r.Add(rollup.Fact{Unit: unit, Date: day, Satisfied: i < satisfied, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk", Official: "CB-NGUYEN-VAN-A"}})
		}
	}
	add("TT-09190", 40, 36, q4)
	add("TT-09250", 5, 5, q4)                                // too few: withheld
	add("TT-24", 1234, 1000, q4)                             // a province-level centre
	add("TT-09190", 100, 0, hailong.DateFromYMD(2026, 3, 1)) // this quarter: not on the page
	idx := comments.New()
	idx.Add(comments.Comment{ID: "0190b000-0000-7000-8000-000000000001", At: q4.Start(), Unit: "TT-09190", Mood: comments.Dissatisfied, Text: "Cán bộ hách dịch"})
	pub := &switchBoard{}
	_, base, fa := demoServerWith(t, r, func(s *web.Server) {
		s.Publication, s.Comments, s.RateLimit = pub, func() *comments.Index { return idx }, 1000
	})
	get := func(t *testing.T, path string) answer {
		t.Helper()
		return do(t, nil, "GET", base+path, "", nil, "Accept", "text/html")
	}
	t.Run("off by default", func(t *testing.T) {
		if a := get(t, "/public"); a.status != 404 {
			t.Fatalf("status %d, want 404: %s", a.status, a.body)
		}
	})
	// An administrator of the province turns it on.
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	fa.mu.Lock()
	fa.sessions["sess-admin"] = &hailong.Principal{Username: "root", Role: "admin", Scope: "24", Permissions: fa.bearers[adminProvince].Permissions, Via: "session"}
	fa.sessions["sess-analyst"] = &hailong.Principal{Username: "an", Role: "analyst", Scope: "24", Permissions: fa.bearers[analystProvince].Permissions, Via: "session"}
	fa.mu.Unlock()
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: "sess-admin"}})
	client := noRedirects(jar)
	t.Run("an analyst cannot switch it", func(t *testing.T) {
		if a := do(t, nil, "GET", base+"/admin/public", analystProvince, nil); a.status != 403 {
			t.Errorf("status %d, want 403", a.status)
		}
	})
	tok := form(t, client, base+"/admin/public")
	a := post(t, client, base+"/admin/public", url.Values{"_csrf": {tok}, "on": {"1"}})
	if a.status != 200 || !pub.Published() || !strings.Contains(a.body, "Đã lưu") {
		t.Fatalf("switching on: status %d, published %v: %s", a.status, pub.Published(), a.body)
	}
	if ev := fa.recorded("public.update"); len(ev) != 1 || ev[0].Detail != "on" || !ev[0].OK {
		t.Errorf("audit log %+v, want one public.update on", ev)
	}

	t.Run("anyone sees each centre's figures as the measures give them", func(t *testing.T) {
		a := get(t, "/public?lang=en")
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		shown := publicFigures(a.body)
		tree := demoTree(t)
		today := hailong.DateFromYMD(2026, 3, 15)
		centres := 0
		for _, code := range []string{"TT-24", "TT-07210", "TT-07450", "TT-09190", "TT-09250"} {
			unit, _ := tree.At(code, today)
			got, ok := shown[unit.Name]
			if !ok {
				t.Errorf("%s (%s) is not on the page", unit.Name, code)
				continue
			}
			centres++
			m := do(t, nil, "GET", base+"/api/v1/measures?period=2025-Q4&unit="+code, analystProvince, nil)
			var measures struct {
				Satisfaction struct {
					N             int64       `json:"n"`
					Rate          *float64    `json:"rate"`
					CI95          *[2]float64 `json:"ci95"`
					EnoughRatings bool        `json:"enough_ratings"`
				} `json:"satisfaction"`
			}
			if err := json.Unmarshal([]byte(m.body), &measures); err != nil || m.status != 200 {
				t.Fatalf("measures of %s: %d %s", code, m.status, m.body)
			}
			ms := measures.Satisfaction
			want := [3]string{"Not enough ratings", fmt.Sprintf("%d", ms.N), ""}
			if ms.N >= 1000 {
				want[1] = fmt.Sprintf("%d,%03d", ms.N/1000, ms.N%1000)
			}
			if ms.Rate != nil && ms.EnoughRatings {
				want[0] = fmt.Sprintf("%.1f%%", *ms.Rate*100)
				want[2] = fmt.Sprintf("%.1f–%.1f%%", ms.CI95[0]*100, ms.CI95[1]*100)
			}
			if got != want {
				t.Errorf("%s shows %q, the measures give %q", code, got, want)
			}
		}
		if centres != 5 {
			t.Errorf("%d centres shown", centres)
		}
		for _, s := range []string{"Q4 2025", "90.0%", "Not enough ratings", "Province level", "Phường Kinh Bắc"} {
			if !strings.Contains(a.body, s) {
				t.Errorf("page lacks %q", s)
			}
		}
		for _, s := range []string{"hách dịch", "CB-NGUYEN", "Sign out", "/comments", "%!"} {
			if strings.Contains(a.body, s) {
				t.Errorf("the public page shows %q", s)
			}
		}
	})
	t.Run("vietnamese by default", func(t *testing.T) {
		a := get(t, "/public")
		for _, s := range []string{"Kết quả đánh giá mức độ hài lòng", "Quý 4/2025", "90,0\u00a0%", "Chưa đủ số lượt đánh giá", "1.234", "15/03/2026", "95% theo phương pháp Wilson. Với dưới 30 lượt"} {
			if !strings.Contains(a.body, s) {
				t.Errorf("page lacks %q", s)
			}
		}
	})
	t.Run("new ratings show without a restart", func(t *testing.T) {
		add("TT-09250", 40, 40, q4)
		got := publicFigures(get(t, "/public?lang=en").body)["Trung tâm Phục vụ hành chính công phường Từ Sơn"]
		if got[0] != "100.0%" || got[1] != "45" {
			t.Errorf("Từ Sơn shows %q after 40 more ratings, want 100.0%% of 45", got)
		}
	})
	t.Run("off again", func(t *testing.T) {
		tok := form(t, client, base+"/admin/public")
		post(t, client, base+"/admin/public", url.Values{"_csrf": {tok}, "on": {"0"}})
		if a := get(t, "/public"); a.status != 404 {
			t.Errorf("status %d, want 404", a.status)
		}
	})
}

func TestPublicResultsAreRateLimited(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) {
		s.Publication, s.RateLimit = &switchBoard{on: true}, 3
	})
	var statuses []int
	for range 4 {
		statuses = append(statuses, do(t, nil, "GET", base+"/public", "", nil, "Accept", "text/html").status)
	}
	if fmt.Sprint(statuses) != "[200 200 200 429]" {
		t.Errorf("statuses %v, want three pages then 429", statuses)
	}
}
