package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
)

// signIn signs a browser in through the login form, failing the test
// unless it is sent on to the dashboard.
func signIn(t *testing.T, b *browser, user, password string) {
	t.Helper()
	tok := b.form("/login")
	resp, page := b.post("/login", url.Values{"_csrf": {tok}, "username": {user}, "password": {password}})
	if resp.StatusCode != 303 || b.session() == "" {
		t.Fatalf("sign in as %s: %d %.300s", user, resp.StatusCode, page)
	}
}

// api sends JSON with the browser's session cookie, as a page's program
// would.
func (b *browser) api(method, path, body string) (int, string) {
	b.t.Helper()
	resp, out := b.do(method, path, "application/json", body, "Accept", "application/json")
	return resp.StatusCode, out
}

var (
	secretShown   = regexp.MustCompile(`<code>([^<]+)</code>`)
	vietnameseDay = regexp.MustCompile(`<td class="nowrap" data-label="Thời gian">\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>`)
)

// TestAdministrationOfPeople: through the real aggregator's HTTP, an
// administrator adds analysts by the API and by the page, a commune's
// administrator is held to the commune, a disabled user is cut off at
// once, a person makes and revokes their own API token on the tokens page,
// and the audit log shows who did what, when and from where.
func TestAdministrationOfPeople(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	ctx := context.Background()
	svc := agg.Access()
	for _, u := range []hailong.User{
		{Username: "root", Role: hailong.RoleAdmin, Scope: "24"},
		{Username: "hoa", Role: hailong.RoleAdmin, Scope: "09190"},
		{Username: "binh", Role: hailong.RoleAnalyst, Scope: "07210"},
	} {
		if err := svc.AddUser(ctx, nil, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	root := newBrowser(t, agg.URL())
	signIn(t, root, "root", e2ePassword)

	t.Run("an admin adds an analyst through the API; the password is generated and shown once", func(t *testing.T) {
		st, body := root.api("POST", "/api/v1/users", `{"username":"lan","name":"Nguyễn Thị Lan","role":"analyst","scope":"09190"}`)
		var made struct{ Username, Role, Scope, Password string }
		json.Unmarshal([]byte(body), &made)
		if st != 201 || made.Username != "lan" || made.Scope != "09190" || made.Password == "" {
			t.Fatalf("create: %d %s", st, body)
		}
		signIn(t, newBrowser(t, agg.URL()), "lan", made.Password)
		if st, body := root.api("GET", "/api/v1/users", ""); st != 200 || !strings.Contains(body, `"username":"lan"`) || strings.Contains(body, made.Password) || strings.Contains(body, "argon2") {
			t.Errorf("list: %d %s", st, body)
		}
	})

	t.Run("bad input is a 400 with field errors", func(t *testing.T) {
		st, body := root.api("POST", "/api/v1/users", `{"username":"Not Valid!","role":"analyst","scope":"09190"}`)
		if st != 400 || !strings.Contains(body, `"username"`) {
			t.Errorf("bad username: %d %s", st, body)
		}
		st, body = root.api("POST", "/api/v1/users", `{"username":"x1","role":"analyst","scope":"09190","password":"short"}`)
		if st != 400 || !strings.Contains(body, `"password"`) {
			t.Errorf("weak password: %d %s", st, body)
		}
		if st, body := root.api("PATCH", "/api/v1/users/lan", `{}`); st != 400 {
			t.Errorf("nothing to change: %d %s", st, body)
		}
		if st, body := root.api("GET", "/api/v1/audit?limit=0", ""); st != 400 || !strings.Contains(body, `"limit"`) {
			t.Errorf("audit limit: %d %s", st, body)
		}
	})

	t.Run("a page form holding a control character is refused in the page's language, and changes nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name, value, want string
		}{
			{"a NUL", "a\x00b", "chứa ký tự điều khiển U&#43;0000"},
			{"an escape", "d\x1besc", "chứa ký tự điều khiển U&#43;001B"},
			{"bytes not UTF-8", "r\xffx", "không phải văn bản UTF-8 hợp lệ"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"_csrf": {root.form("/admin/users")}, "username": {"khong"}, "name": {tc.value}, "role": {"analyst"}, "scope": {"09190"}}
				resp, page := root.post("/admin/users", form)
				if resp.StatusCode != 400 || !strings.Contains(page, "name") || !strings.Contains(page, tc.want) {
					t.Errorf("%d %.400s", resp.StatusCode, page[max(strings.Index(page, "<main"), 0):])
				}
				if _, err := svc.User(ctx, nil, "khong"); err == nil {
					t.Error("the user was made")
				}
			})
		}
		// In the query string, which a form handler reads first.
		form := url.Values{"_csrf": {root.form("/admin/users")}, "username": {"khong"}, "role": {"analyst"}, "scope": {"09190"}}
		if resp, page := root.post("/admin/users?name=a%00b", form); resp.StatusCode != 400 || !strings.Contains(page, "chứa ký tự điều khiển U&#43;0000") {
			t.Errorf("a NUL in the query string: %d %.300s", resp.StatusCode, page[max(strings.Index(page, "<main"), 0):])
		}
		if _, err := svc.User(ctx, nil, "khong"); err == nil {
			t.Error("the user was made")
		}
		// A line break a browser sends as CRLF is text.
		form = url.Values{"_csrf": {root.form("/admin/users")}, "username": {"dong"}, "name": {"Dòng một\r\nDòng hai"}, "role": {"analyst"}, "scope": {"09190"}}
		if resp, page := root.post("/admin/users", form); resp.StatusCode == 400 {
			t.Errorf("a name with a line break: %d %.300s", resp.StatusCode, page)
		}
	})

	t.Run("an admin adds an analyst through the page form, with its CSRF token", func(t *testing.T) {
		form := url.Values{"username": {"mai"}, "name": {"Trần Mai"}, "role": {"analyst"}, "scope": {"09190"}, "password": {"mai-Password-2026"}}
		if resp, _ := root.post("/admin/users", form); resp.StatusCode != 403 {
			t.Fatalf("without a CSRF token: %d", resp.StatusCode)
		}
		form.Set("_csrf", root.form("/admin/users"))
		resp, page := root.post("/admin/users", form)
		if resp.StatusCode != 201 || !strings.Contains(page, "Đã thêm người dùng mai.") || strings.Contains(page, "<code>") {
			t.Fatalf("create: %d %s", resp.StatusCode, page)
		}
		signIn(t, newBrowser(t, agg.URL()), "mai", "mai-Password-2026")
		// Without a password, one is generated and shown on this answer.
		form.Set("username", "tuan")
		form.Del("password")
		resp, page = root.post("/admin/users", form)
		m := secretShown.FindStringSubmatch(page)
		if resp.StatusCode != 201 || m == nil {
			t.Fatalf("create with a generated password: %d %s", resp.StatusCode, page)
		}
		signIn(t, newBrowser(t, agg.URL()), "tuan", m[1])
		if _, again := root.do("GET", "/admin/users", "", ""); strings.Contains(again, m[1]) {
			t.Error("the generated password is shown again")
		}
	})

	hoa := newBrowser(t, agg.URL())
	signIn(t, hoa, "hoa", e2ePassword)
	t.Run("a commune's admin is held to the commune", func(t *testing.T) {
		tests := []struct {
			name, method, path, body string
			want                     int
		}{
			{"creates a user outside the commune", "POST", "/api/v1/users", `{"username":"ngoai","role":"analyst","scope":"07210"}`, 403},
			{"creates a user with the province's scope", "POST", "/api/v1/users", `{"username":"rong","role":"analyst","scope":"24"}`, 403},
			{"widens a user's scope", "PATCH", "/api/v1/users/lan", `{"scope":"24"}`, 403},
			{"changes a user of another commune", "PATCH", "/api/v1/users/binh", `{"disabled":true}`, 403},
			{"resets the password of a user of another commune", "POST", "/api/v1/users/binh/password", ``, 403},
			{"creates a user inside the commune", "POST", "/api/v1/users", `{"username":"trong","role":"manager","scope":"09190","password":"trong-Password-1"}`, 201},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if st, body := hoa.api(tt.method, tt.path, tt.body); st != tt.want {
					t.Errorf("%d, want %d: %s", st, tt.want, body)
				}
			})
		}
		_, list := hoa.api("GET", "/api/v1/users", "")
		if strings.Contains(list, `"binh"`) || strings.Contains(list, `"root"`) || !strings.Contains(list, `"lan"`) {
			t.Errorf("the commune's admin lists %s", list)
		}
		form := url.Values{"_csrf": {hoa.form("/admin/users")}, "username": {"ngoai2"}, "role": {"analyst"}, "scope": {"07210"}}
		if resp, page := hoa.post("/admin/users", form); resp.StatusCode != 403 || !strings.Contains(page, "Bạn không được làm việc này") {
			t.Errorf("page form outside the commune: %d", resp.StatusCode)
		}
		if _, err := svc.User(ctx, nil, "ngoai2"); err == nil {
			t.Error("the user outside the commune was made")
		}
	})

	t.Run("a disabled user is cut off at once, by session and by token", func(t *testing.T) {
		mai := newBrowser(t, agg.URL())
		signIn(t, mai, "mai", "mai-Password-2026")
		tok := makeToken(t, svc, "mai", hailong.RoleAnalyst, "09190")
		if resp, _ := mai.do("GET", "/", "", ""); resp.StatusCode != 200 {
			t.Fatalf("before: %d", resp.StatusCode)
		}
		form := url.Values{"_csrf": {root.form("/admin/users")}, "disabled": {"true"}}
		if resp, page := root.post("/admin/users/mai", form); resp.StatusCode != 200 || !strings.Contains(page, "Đã khoá") {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if resp, _ := mai.do("GET", "/", "", ""); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("the disabled user's next page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if st, _ := mai.api("GET", "/api/v1/units", ""); st != 401 {
			t.Errorf("the disabled user's next API call: %d", st)
		}
		if resp := bearerGet(t, agg.URL()+"/api/v1/units", tok); resp != 401 {
			t.Errorf("the disabled user's token: %d", resp)
		}
		tok2 := mai.form("/login")
		if resp, _ := mai.post("/login", url.Values{"_csrf": {tok2}, "username": {"mai"}, "password": {"mai-Password-2026"}}); resp.StatusCode != 401 {
			t.Errorf("the disabled user signs in: %d", resp.StatusCode)
		}
		// Enabled again, and the password reset by the page: the new one works.
		form.Set("disabled", "false")
		if resp, _ := root.post("/admin/users/mai", form); resp.StatusCode != 200 {
			t.Fatalf("enable: %d", resp.StatusCode)
		}
		resp, page := root.post("/admin/users/mai/password", url.Values{"_csrf": {form.Get("_csrf")}})
		m := secretShown.FindStringSubmatch(page)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("reset: %d %s", resp.StatusCode, page)
		}
		signIn(t, newBrowser(t, agg.URL()), "mai", m[1])
	})

	t.Run("the API's password reset ends the user's sessions", func(t *testing.T) {
		lan := newBrowser(t, agg.URL())
		signIn(t, lan, "trong", "trong-Password-1")
		st, body := hoa.api("POST", "/api/v1/users/trong/password", `{"password":"trong-Password-2"}`)
		if st != 200 {
			t.Fatalf("reset: %d %s", st, body)
		}
		if resp, _ := lan.do("GET", "/", "", ""); resp.StatusCode != 303 {
			t.Errorf("after the reset: %d", resp.StatusCode)
		}
		signIn(t, lan, "trong", "trong-Password-2")
	})

	t.Run("the tokens page makes a token shown once and revokes it at once", func(t *testing.T) {
		b := newBrowser(t, agg.URL())
		signIn(t, b, "trong", "trong-Password-2")
		if _, dash := b.do("GET", "/", "", ""); !strings.Contains(dash, `href="/account/tokens?lang=vi"`) || strings.Contains(dash, `href="/admin?`) {
			t.Errorf("the dashboard of a manager should link to the tokens page only")
		}
		form := url.Values{"name": {"bao-cao"}, "days": {"30"}}
		if resp, _ := b.post("/account/tokens", form); resp.StatusCode != 403 {
			t.Errorf("without a CSRF token: %d", resp.StatusCode)
		}
		form.Set("_csrf", b.form("/account/tokens"))
		form.Set("days", "7")
		if resp, page := b.post("/account/tokens", form); resp.StatusCode != 400 || !strings.Contains(page, "Hãy chọn thời hạn là một trong các mức 30, 90, 180, 365 ngày.") {
			t.Errorf("a lifetime not offered, on a Vietnamese page: %d, want 400 saying so in Vietnamese: %s", resp.StatusCode, page)
		}
		form.Set("days", "30")
		resp, page := b.post("/account/tokens", form)
		m := secretShown.FindStringSubmatch(page)
		if resp.StatusCode != 201 || m == nil || !strings.HasPrefix(m[1], access.TokenPrefix) {
			t.Fatalf("create: %d %s", resp.StatusCode, page)
		}
		secret := "Bearer " + m[1]
		if st := bearerGet(t, agg.URL()+"/api/v1/units", secret); st != 200 {
			t.Fatalf("the new token: %d", st)
		}
		_, page = b.do("GET", "/account/tokens", "", "")
		if strings.Contains(page, m[1]) || !strings.Contains(page, "bao-cao") || strings.Contains(page, "Chưa dùng") {
			t.Errorf("the list shows the secret, or not the token and its last use: %s", page)
		}
		ts, err := svc.Tokens(ctx, nil, "trong")
		if err != nil || len(ts) != 1 {
			t.Fatalf("tokens %v %v", ts, err)
		}
		// Another's token cannot be revoked from one's page.
		other := makeToken(t, svc, "binh", hailong.RoleAnalyst, "07210")
		bt, _ := svc.Tokens(ctx, nil, "binh")
		if resp, _ := b.post("/account/tokens/"+bt[0].ID+"/revoke", url.Values{"_csrf": {form.Get("_csrf")}}); resp.StatusCode != 404 {
			t.Errorf("revoke another's token: %d", resp.StatusCode)
		}
		if st := bearerGet(t, agg.URL()+"/api/v1/units", other); st != 200 {
			t.Errorf("another's token after the attempt: %d", st)
		}
		resp, page = b.post("/account/tokens/"+ts[0].ID+"/revoke", url.Values{"_csrf": {form.Get("_csrf")}})
		if resp.StatusCode != 200 || !strings.Contains(page, "Đã thu hồi") {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if st := bearerGet(t, agg.URL()+"/api/v1/units", secret); st != 401 {
			t.Errorf("the revoked token: %d", st)
		}
	})

	t.Run("the audit log shows each act with who, what, when and from where", func(t *testing.T) {
		var evs []struct {
			At                                  string
			Actor, Action, Target, Detail, Addr string
			OK                                  bool
		}
		st, body := root.api("GET", "/api/v1/audit?actor=root&limit=1000", "")
		if err := json.Unmarshal([]byte(body), &evs); st != 200 || err != nil {
			t.Fatalf("audit: %d %s", st, body)
		}
		acts := map[string]bool{}
		for _, e := range evs {
			if e.Actor != "root" || e.At == "" {
				t.Errorf("filtered by actor root: %+v", e)
			}
			if e.Action != "login" && e.Addr != "127.0.0.1" {
				t.Errorf("act without its address: %+v", e)
			}
			if e.OK {
				acts[e.Action+" "+e.Target] = true
			}
		}
		for _, want := range []string{"user.add lan", "user.add mai", "user.add tuan", "user.update mai", "password.set mai"} {
			if !acts[want] {
				t.Errorf("no %q in %v", want, acts)
			}
		}
		// Each act once: the service records, the handlers do not.
		n := 0
		for _, e := range evs {
			if e.Action == "user.add" && e.Target == "lan" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("user.add lan recorded %d times", n)
		}
		st, body = root.api("GET", "/api/v1/audit?action=token.revoke", "")
		if st != 200 || !strings.Contains(body, `"actor":"trong"`) || !strings.Contains(body, `"addr":"127.0.0.1"`) {
			t.Errorf("token revocations: %d %s", st, body)
		}
		st, body = hoa.api("GET", "/api/v1/audit?action=user.add&limit=1000", "")
		if st != 200 || strings.Contains(body, `"target":"binh"`) || !strings.Contains(body, `"target":"trong"`) || !strings.Contains(body, `"actor":"hoa"`) {
			t.Errorf("the commune admin's audit: %d %s", st, body)
		}
		resp, page := root.do("GET", "/admin/audit?actor=hoa", "", "")
		if resp.StatusCode != 200 || !vietnameseDay.MatchString(page) || !strings.Contains(page, "user.add") || strings.Contains(page, "<td>root</td>") {
			t.Errorf("audit page: %d %s", resp.StatusCode, page)
		}
		lan := newBrowser(t, agg.URL())
		signIn(t, lan, "trong", "trong-Password-2")
		if resp, _ := lan.do("GET", "/admin/audit", "", ""); resp.StatusCode != 403 {
			t.Errorf("a manager reads the audit page: %d", resp.StatusCode)
		}
	})

	t.Run("the index shows an admin what they may do, in Vietnamese or English", func(t *testing.T) {
		_, vi := root.do("GET", "/admin", "", "")
		_, en := root.do("GET", "/admin?lang=en", "", "")
		for _, want := range []string{`href="/admin/users?lang=vi"`, `href="/admin/audit?lang=vi"`, `href="/account/tokens?lang=vi"`, `lang="vi"`} {
			if !strings.Contains(vi, want) {
				t.Errorf("index lacks %s", want)
			}
		}
		if !strings.Contains(en, "Audit log") || !strings.Contains(en, `lang="en"`) {
			t.Errorf("English index: %s", en)
		}
		if _, dash := root.do("GET", "/", "", ""); !strings.Contains(dash, `href="/admin?lang=vi"`) {
			t.Error("the dashboard does not link an admin to /admin")
		}
	})
}

// bearerGet sends a GET with an Authorization header and returns the
// status.
func bearerGet(t *testing.T, u, auth string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestASessionCookieAloneCannotForgeAChange: another site's page can make
// a browser POST a form, plain text or nothing with its cookie, but not
// JSON; so the API refuses a session's POST of any of those, and a stolen
// or leaked API token cannot take over its own account.
func TestASessionCookieAloneCannotForgeAChange(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	ctx := context.Background()
	for _, u := range []hailong.User{{Username: "root", Role: hailong.RoleAdmin, Scope: "24"}, {Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}} {
		if err := agg.Access().AddUser(ctx, nil, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	root := newBrowser(t, agg.URL())
	signIn(t, root, "root", e2ePassword)
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
		t.Run("refused: "+cmp.Or(ct, "no body type"), func(t *testing.T) {
			resp, body := root.do("POST", "/api/v1/users/lan/password", ct, "")
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	signIn(t, newBrowser(t, agg.URL()), "lan", e2ePassword) // the password did not change
	if st, body := root.api("POST", "/api/v1/users/lan/password", ""); st != http.StatusOK {
		t.Fatalf("the same reset as JSON: %d %s", st, body)
	}
	t.Run("a token cannot reset its own owner's password", func(t *testing.T) {
		secret, _, err := agg.Access().CreateToken(ctx, nil, "root", "bi", "", nil, time.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", agg.URL()+"/api/v1/users/root/password", strings.NewReader(`{"password":"Token-holder-owns-1"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
		signIn(t, newBrowser(t, agg.URL()), "root", e2ePassword)
	})
}
