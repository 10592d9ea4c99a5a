package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/apidoc"
)

// TestEveryRouteHasARuleAndIsDocumentedSo: what the server serves is
// exactly the route table (a route added any other way fails here), and
// the OpenAPI document declares for each operation the security its rule
// asks for.
func TestEveryRouteHasARuleAndIsDocumentedSo(t *testing.T) {
	s, _ := demoServer(t, rollup.New())
	var table []string
	for _, r := range s.Routes() {
		if !strings.HasPrefix(r.Path, "/static/") {
			table = append(table, r.Method+" "+r.Path)
		}
	}
	slices.Sort(table)
	if served := apidoc.AppRoutes(s.App()); !slices.Equal(served, table) {
		t.Errorf("served:\n%v\nroute table:\n%v", served, table)
	}
	declared, err := apidoc.Security("../../docs/api/aggregator.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[web.AccessKind][]string{
		web.Public: {}, web.KioskCredential: {"kioskCredential"}, web.ClientCredential: {"clientCredential"},
		web.Permission: {"bearerToken", "sessionCookie"}, web.Account: {"sessionCookie"},
	}
	perms, err := apidoc.Extension("../../docs/api/aggregator.openapi.yaml", "x-permission")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Routes() {
		if strings.HasPrefix(r.Path, "/static/") {
			continue
		}
		route := r.Method + " " + r.Path
		if got := declared[route]; !slices.Equal(got, want[r.Rule.Kind]) {
			t.Errorf("%s: the document declares security %v, its rule (%s) wants %v", route, got, r.Rule.Kind, want[r.Rule.Kind])
		}
		if got := perms[route]; got != string(r.Rule.Permission) {
			t.Errorf("%s: the document says x-permission %q, the rule %q", route, got, r.Rule.Permission)
		}
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request without following redirects.
func do(t *testing.T, client *http.Client, method, u, auth string, body io.Reader, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = noRedirects(nil)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestAccessIsEnforced drives the rules, the scope and their failures
// through the fake access service.
func TestAccessIsEnforced(t *testing.T) {
	r := rollup.New()
	day := hailong.DateFromYMD(2026, 3, 1)
	for _, unit := range []string{"TT-09190", "TT-09250"} {
		r.Add(rollup.Fact{Unit: unit, Date: day, Satisfied: true, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
	}
	_, base, fa := demoServerWith(t, r, nil)
	period := "&from=2026-03-01&to=2026-03-31"
	html := []string{"Accept", "text/html"}
	tests := []struct {
		name, method, path, auth string
		header                   []string
		status                   int
		check                    func(t *testing.T, a answer)
	}{
		{"API without a credential", "GET", "/api/v1/measures?unit=24" + period, "", nil, 401, func(t *testing.T, a answer) {
			if a.header.Get("WWW-Authenticate") == "" || a.header.Get("Content-Type") != "application/problem+json" || strings.Contains(a.body, "satisfaction\"") {
				t.Errorf("headers %v body %s", a.header, a.body)
			}
		}},
		{"API with a bad token", "GET", "/api/v1/units", "Bearer hlt_forged", nil, 401, nil},
		{"a bad token is not passed over for a cookie", "GET", "/api/v1/units", "Bearer hlt_forged", []string{"Cookie", "hailong_session=sess-x"}, 401, nil},
		{"API without the permission", "GET", "/api/v1/satisfaction?unit=24" + period, noRights, nil, 403, func(t *testing.T, a answer) {
			if a.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(a.body, "measures.read") {
				t.Errorf("headers %v body %s", a.header, a.body)
			}
		}},
		{"page without a credential", "GET", "/?unit=24&lang=en", "", html, 303, func(t *testing.T, a answer) {
			if loc := a.header.Get("Location"); loc != "/login?next="+url.QueryEscape("/?unit=24&lang=en") {
				t.Errorf("Location %q", loc)
			}
		}},
		{"page without the permission", "GET", "/", noRights, html, 403, nil},
		{"out of scope", "GET", "/api/v1/measures?unit=24" + period, analystCommune, nil, 403, func(t *testing.T, a answer) {
			if strings.Contains(a.body, "\"n\"") {
				t.Errorf("data given out of scope: %s", a.body)
			}
		}},
		{"a sibling is out of scope", "GET", "/api/v1/satisfaction?unit=09250" + period, analystCommune, nil, 403, nil},
		{"the scope by default", "GET", "/api/v1/satisfaction?" + period[1:], analystCommune, nil, 200, func(t *testing.T, a answer) {
			var s struct {
				Unit string
				N    int
			}
			json.Unmarshal([]byte(a.body), &s)
			if s.Unit != "09190" || s.N != 1 {
				t.Errorf("%+v", s)
			}
		}},
		{"within scope", "GET", "/api/v1/measures?unit=TT-09190" + period, analystCommune, nil, 200, nil},
		{"a breakdown stays in scope", "GET", "/api/v1/measures?breakdown=units&unit=09190" + period, analystCommune, nil, 200, func(t *testing.T, a answer) {
			var m struct {
				ByUnit []struct{ Unit string } `json:"by_unit"`
			}
			json.Unmarshal([]byte(a.body), &m)
			if len(m.ByUnit) != 1 || m.ByUnit[0].Unit != "TT-09190" {
				t.Errorf("by_unit %+v", m.ByUnit)
			}
		}},
		{"units of the scope only", "GET", "/api/v1/units", analystCommune, nil, 200, func(t *testing.T, a answer) {
			var us []struct{ Code string }
			json.Unmarshal([]byte(a.body), &us)
			var codes []string
			for _, u := range us {
				codes = append(codes, u.Code)
			}
			if strings.Join(codes, " ") != "09190 TT-09190" {
				t.Errorf("units %v", codes)
			}
		}},
		{"the province's units", "GET", "/api/v1/units", analystProvince, nil, 200, func(t *testing.T, a answer) {
			if strings.Count(a.body, `"code"`) != 10 {
				t.Errorf("units %s", a.body)
			}
		}},
		{"dashboard of the scope", "GET", "/", analystCommune, html, 200, func(t *testing.T, a answer) {
			if strings.Contains(a.body, "Tỉnh Bắc Ninh") || strings.Contains(a.body, "Từ Sơn") || !strings.Contains(a.body, "Phường Kinh Bắc") {
				t.Errorf("the page shows units out of scope, or not its own")
			}
		}},
		{"the old district that became the commune", "GET", "/api/v1/satisfaction?unit=256&as_of=2025-06-30&from=2025-01-01&to=2025-06-30", analystCommune, nil, 200, nil},
		{"the old centre that became the commune's", "GET", "/api/v1/satisfaction?unit=MC-256&as_of=2025-06-30&from=2025-01-01&to=2025-06-30", analystCommune, nil, 200, nil},
		{"the old province, part of which went elsewhere", "GET", "/api/v1/satisfaction?unit=27&as_of=2025-06-30&from=2025-01-01&to=2025-06-30", analystCommune, nil, 403, nil},
		{"another old district", "GET", "/api/v1/satisfaction?unit=261&as_of=2025-06-30&from=2025-01-01&to=2025-06-30", analystCommune, nil, 403, nil},
		{"the merged province for the province", "GET", "/api/v1/satisfaction?unit=27&as_of=2025-06-30&from=2025-01-01&to=2025-06-30", analystProvince, nil, 200, nil},
		{"an unknown unit", "GET", "/api/v1/satisfaction?unit=99" + period, analystCommune, nil, 404, nil},
		{"dashboard out of scope", "GET", "/?unit=24", analystCommune, html, 403, nil},
		{"kiosks out of scope", "GET", "/api/v1/kiosks?unit=24", analystCommune, nil, 403, nil},
		{"a kiosk route wants a kiosk", "POST", "/api/v1/sync", analystProvince, []string{"Content-Type", "application/json"}, 401, func(t *testing.T, a answer) {
			if a.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate")
			}
		}},
		{"a client route wants a client", "POST", "/api/v1/outcomes", analystProvince, []string{"Content-Type", "application/json"}, 401, nil},
		{"an account page is not for tokens", "GET", "/account/password", analystProvince, html, 403, nil},
		{"public", "GET", "/healthz", "", nil, 200, nil},
		{"HEAD like GET", "HEAD", "/healthz", "", nil, 200, nil},
		{"HEAD under the same rule", "HEAD", "/api/v1/units", "", nil, 401, nil},
		{"styles are public", "GET", "/static/aggregator.css", "", nil, 200, nil},
		{"templates are not served", "GET", "/static/../overview.html", "", nil, 404, nil},
		{"login page is public", "GET", "/login", "", html, 200, nil},
		{"another's tokens need users.manage", "GET", "/api/v1/api-tokens?owner=root", analystProvince, nil, 403, nil},
		{"an admin may list them", "GET", "/api/v1/api-tokens?owner=an", adminProvince, nil, 200, nil},
		{"unknown paths", "GET", "/api/v1/nothing", "", nil, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, tt.method, base+tt.path, tt.auth, nil, tt.header...)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
	if ev := fa.recorded("forbidden"); len(ev) != 1 || ev[0].Actor != "an" || ev[0].OK {
		t.Errorf("refusals recorded: %+v", ev)
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// form fetches a page and returns the CSRF token of its form.
func form(t *testing.T, client *http.Client, u string) string {
	t.Helper()
	a := do(t, client, "GET", u, "", nil, "Accept", "text/html")
	m := csrfField.FindStringSubmatch(a.body)
	if a.status != 200 || m == nil {
		t.Fatalf("GET %s: %d, no CSRF token: %s", u, a.status, a.body)
	}
	return m[1]
}

// signIn signs dung in on a browser of its own, whose session fa then
// gives the principal as (when given), and returns the browser.
func signIn(t *testing.T, base string, fa *fakeAccess, as func(p *hailong.Principal)) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := noRedirects(jar)
	if a := post(t, client, base+"/login", url.Values{"_csrf": {form(t, client, base+"/login")}, "username": {"dung"},
		"password": {"correct horse 1"}, "next": {"/"}}); a.status != 303 {
		t.Fatalf("sign in: %d: %s", a.status, a.body)
	}
	if as != nil {
		fa.mu.Lock()
		for _, p := range fa.sessions {
			as(p)
		}
		fa.mu.Unlock()
	}
	return client
}

func post(t *testing.T, client *http.Client, u string, v url.Values) answer {
	t.Helper()
	return do(t, client, "POST", u, "", strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
}

func sessionCookie(a answer) *http.Cookie {
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	return nil
}

// TestSignInAndOut goes through the login page, the password change and
// sign-out in a browser's steps.
func TestSignInAndOut(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), nil)
	jar, _ := cookiejar.New(nil)
	client := noRedirects(jar)

	page := do(t, client, "GET", base+"/login", "", nil, "Accept", "text/html")
	for _, want := range []string{`lang="vi"`, "Tên đăng nhập", "Mật khẩu", `href="?lang=en"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	if en := do(t, client, "GET", base+"/login?lang=en", "", nil); !strings.Contains(en.body, "Username") {
		t.Error("no English login page")
	}
	tok := form(t, client, base+"/login")
	login := func(user, pass, next string) answer {
		return post(t, client, base+"/login", url.Values{"_csrf": {tok}, "username": {user}, "password": {pass}, "next": {next}})
	}

	t.Run("no CSRF token", func(t *testing.T) {
		a := post(t, client, base+"/login", url.Values{"username": {"dung"}, "password": {"correct horse 1"}})
		if a.status != 403 || sessionCookie(a) != nil {
			t.Fatalf("status %d, cookie %v", a.status, sessionCookie(a))
		}
		other := noRedirects(nil) // another site's form: no CSRF cookie
		a = post(t, other, base+"/login", url.Values{"_csrf": {tok}, "username": {"dung"}, "password": {"correct horse 1"}})
		if a.status != 403 || sessionCookie(a) != nil {
			t.Fatalf("a token without its cookie: status %d", a.status)
		}
	})
	t.Run("refusals do not say whether the account exists", func(t *testing.T) {
		wrong, unknown := login("dung", "wrong password", "/"), login("nobody", "wrong password", "/")
		msg := regexp.MustCompile(`role="alert">([^<]*)<`)
		if wrong.status != 401 || unknown.status != 401 || sessionCookie(wrong) != nil {
			t.Fatalf("statuses %d %d", wrong.status, unknown.status)
		}
		mw, mu := msg.FindStringSubmatch(wrong.body), msg.FindStringSubmatch(unknown.body)
		if mw == nil || mu == nil || mw[1] != mu[1] || !strings.Contains(mw[1], "Tên đăng nhập hoặc mật khẩu") {
			t.Fatalf("messages %q and %q", mw, mu)
		}
	})
	t.Run("throttled", func(t *testing.T) {
		if a := login("throttled", "x", "/"); a.status != 429 || !strings.Contains(a.body, "quá nhiều lần") {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
	})
	t.Run("no open redirect", func(t *testing.T) {
		for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
			a := login("dung", "correct horse 1", next)
			if a.status != 303 || a.header.Get("Location") != "/" {
				t.Errorf("next %q: %d to %q", next, a.status, a.header.Get("Location"))
			}
		}
	})
	a := login("dung", "correct horse 1", "/?lang=en")
	if a.status != 303 || a.header.Get("Location") != "/?lang=en" {
		t.Fatalf("sign in: %d to %q: %s", a.status, a.header.Get("Location"), a.body)
	}
	ck := sessionCookie(a)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge != 12*3600 {
		t.Fatalf("session cookie %+v", ck)
	}
	dash := do(t, client, "GET", base+"/?lang=en", "", nil, "Accept", "text/html")
	if dash.status != 200 || !strings.Contains(dash.body, "Signed in as <strong>dung</strong>") || !strings.Contains(dash.body, `action="/logout"`) {
		t.Fatalf("dashboard %d: %s", dash.status, dash.body)
	}

	t.Run("password change", func(t *testing.T) {
		tok := form(t, client, base+"/account/password")
		change := func(old, new, new2 string) answer {
			return post(t, client, base+"/account/password", url.Values{"_csrf": {tok}, "old": {old}, "new": {new}, "new2": {new2}})
		}
		if a := change("correct horse 1", "new password 22", "new password 23"); a.status != 400 || !strings.Contains(a.body, "không giống nhau") {
			t.Errorf("mismatch: %d", a.status)
		}
		if a := change("wrong", "new password 22", "new password 22"); a.status != 400 || !strings.Contains(a.body, "hiện tại không đúng") {
			t.Errorf("wrong old password: %d", a.status)
		}
		if a := change("correct horse 1", "short 1", "short 1"); a.status != 400 || !strings.Contains(a.body, "Mật khẩu cần ít nhất 12 ký tự.") {
			t.Errorf("weak: %d %s", a.status, a.body)
		}
		a := change("correct horse 1", "new password 22", "new password 22")
		fresh := sessionCookie(a)
		if a.status != 200 || fresh == nil || fresh.Value == ck.Value || !fresh.HttpOnly {
			t.Fatalf("change: %d, cookie %+v", a.status, fresh)
		}
		// The old session ended; the browser holds the fresh one.
		old := do(t, nil, "GET", base+"/", "", nil, "Accept", "text/html", "Cookie", web.SessionCookie+"="+ck.Value)
		if old.status != 303 {
			t.Errorf("the old session still works: %d", old.status)
		}
		if a := do(t, client, "GET", base+"/", "", nil, "Accept", "text/html"); a.status != 200 {
			t.Errorf("the fresh session does not work: %d", a.status)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		tok := csrfField.FindStringSubmatch(do(t, client, "GET", base+"/", "", nil, "Accept", "text/html").body)[1]
		if a := post(t, client, base+"/logout", url.Values{}); a.status != 403 {
			t.Errorf("sign out without CSRF token: %d", a.status)
		}
		a := post(t, client, base+"/logout", url.Values{"_csrf": {tok}})
		if a.status != 303 || a.header.Get("Location") != "/login" || sessionCookie(a) == nil || sessionCookie(a).Value != "" {
			t.Fatalf("sign out: %d %v", a.status, a.header)
		}
		if a := do(t, client, "GET", base+"/", "", nil, "Accept", "text/html"); a.status != 303 {
			t.Errorf("still signed in: %d", a.status)
		}
	})
}

// TestSecureCookies: over HTTPS the session cookie is Secure.
func TestSecureCookies(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) { s.SecureCookies = true })
	jar, _ := cookiejar.New(nil)
	client := noRedirects(jar)
	tok := form(t, client, base+"/login")
	// The jar does not send the Secure CSRF cookie over http: send it by hand.
	var csrfCookie string
	for _, c := range jar.Cookies(&url.URL{Scheme: "https", Host: strings.TrimPrefix(base, "http://")}) {
		if c.Name == "hailong_csrf" {
			csrfCookie = c.Value
		}
	}
	a := do(t, noRedirects(nil), "POST", base+"/login", "", strings.NewReader(url.Values{"_csrf": {tok}, "username": {"dung"}, "password": {"correct horse 1"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Cookie", "hailong_csrf="+csrfCookie)
	if ck := sessionCookie(a); a.status != 303 || ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("%d, cookie %+v", a.status, ck)
	}
}

// TestAPITokensOverHTTP makes, lists and revokes tokens through the fake.
func TestAPITokensOverHTTP(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), nil)
	json := []string{"Content-Type", "application/json"}
	a := do(t, nil, "POST", base+"/api/v1/api-tokens", analystProvince, strings.NewReader(`{"name":"bi","expires":"2026-06-01T00:00:00Z"}`), json...)
	if a.status != 201 || !strings.Contains(a.body, `"token":"hlt_secret"`) || !strings.Contains(a.body, `"scope":"24"`) || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if a := do(t, nil, "POST", base+"/api/v1/api-tokens", analystProvince, strings.NewReader(`{"name":""}`), json...); a.status != 400 {
		t.Errorf("no name: %d", a.status)
	}
	if a := do(t, nil, "POST", base+"/api/v1/api-tokens", analystProvince, strings.NewReader(`name=bi`), "Content-Type", "application/x-www-form-urlencoded"); a.status != 415 {
		t.Errorf("a form post: %d", a.status)
	}
	if a := do(t, nil, "POST", base+"/api/v1/api-tokens", analystProvince, strings.NewReader(`{"name":"x","owner":"root"}`), json...); a.status != 403 {
		t.Errorf("for another user: %d", a.status)
	}
	if a := do(t, nil, "GET", base+"/api/v1/api-tokens", analystProvince, nil); a.status != 200 || !strings.Contains(a.body, `"owner":"an"`) || strings.Contains(a.body, "hlt_secret") {
		t.Errorf("list: %d %s", a.status, a.body)
	}
	if a := do(t, nil, "DELETE", base+"/api/v1/api-tokens/tok1", analystProvince, nil); a.status != 204 {
		t.Errorf("revoke: %d", a.status)
	}
}
