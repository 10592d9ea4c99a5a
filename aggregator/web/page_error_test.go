package web_test

import (
	"html"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
)

// TestAnAbsentPartIsNotADatabaseFault: a server without alerts answers
// its alerts page that they are not available on this server, not that
// the database cannot be read now, as a page whose data cannot be read
// does.
func TestAnAbsentPartIsNotADatabaseFault(t *testing.T) {
	base := commentsServer(t, comments.New())
	a := do(t, nil, "GET", base+"/alerts?lang=en", managerProvince, nil, "Accept", "text/html")
	if a.status != 503 || strings.Contains(a.body, "cannot be read from the database") || !strings.Contains(a.body, "not available") {
		t.Errorf("status %d, a server without alerts says: %s", a.status, excerpt(a.body))
	}
}

// excerpt is the start of a page's main part, for a failure's message.
func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	return s[:min(len(s), 600)]
}

// TestARefusalPageKeepsTheSecurityHeaders: a page's refusal, by its
// route's rule or by the page's own check, is a page with the headers
// every answer carries (the content security policy, no framing), which a
// reset of the whole response once dropped; it says who is signed in and
// why, in the page's language. A browser not signed in is still sent to
// sign in.
func TestARefusalPageKeepsTheSecurityHeaders(t *testing.T) {
	base := commentsServer(t, someComments())
	for _, tt := range []struct {
		name, auth, query, why string
	}{
		{"by the route's rule", analystProvince, "", "Việc này cần quyền comments.read."},
		{"by the route's rule, in English", analystProvince, "lang=en", "This needs the permission comments.read."},
		{"by the page's check", managerCommune, "unit=09250", "Đơn vị 09250 nằm ngoài phạm vi của bạn."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/comments?"+tt.query, tt.auth, nil, "Accept", "text/html")
			if a.status != 403 {
				t.Fatalf("status %d", a.status)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
				if a.header.Get(h) == "" {
					t.Errorf("%s missing on the refusal page", h)
				}
			}
			body := html.UnescapeString(a.body)
			if !strings.Contains(body, tt.why) {
				t.Errorf("the page does not say why (%q): %s", tt.why, excerpt(body))
			}
			if !strings.Contains(a.body, `class="who"`) {
				t.Errorf("the page does not say who is signed in: %s", excerpt(body))
			}
		})
	}
	t.Run("unauthenticated browser still redirected to sign in", func(t *testing.T) {
		if a := do(t, nil, "GET", base+"/comments", "", nil, "Accept", "text/html"); a.status != 303 {
			t.Errorf("status %d, want 303", a.status)
		}
	})
}

// TestARefusedDownloadSaysWhyInThePagesLanguage: a download refused for
// want of exports.read says why on the page, in Vietnamese as in English.
func TestARefusedDownloadSaysWhyInThePagesLanguage(t *testing.T) {
	_, base, fa := demoServerWith(t, rollup.New(), nil)
	fa.mu.Lock()
	fa.bearers["Bearer hlt_noexp"] = &hailong.Principal{Username: "noexp", Role: "x", Scope: "24",
		Permissions: []hailong.Permission{hailong.PermMeasuresRead}, Via: "token", TokenID: "t9"}
	fa.mu.Unlock()
	en := do(t, nil, "GET", base+"/?format=csv&lang=en", "Bearer hlt_noexp", nil, "Accept", "text/html")
	if en.status != 403 || !strings.Contains(html.UnescapeString(en.body), "Downloading needs the exports.read permission.") {
		t.Fatalf("English: status %d, no reason", en.status)
	}
	vi := do(t, nil, "GET", base+"/?format=csv", "Bearer hlt_noexp", nil, "Accept", "text/html")
	if vi.status != 403 {
		t.Fatalf("status %d", vi.status)
	}
	if !strings.Contains(html.UnescapeString(vi.body), "Tải về cần quyền exports.read.") {
		t.Errorf("the Vietnamese refusal page does not say why (the English one does)")
	}
}
