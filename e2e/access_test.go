package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/web"
)

// browser is a person's browser: cookies kept, redirects not followed.
type browser struct {
	t      *testing.T
	client *http.Client
	base   string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path, contentType, body string, header ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// form opens a page and returns the CSRF token of its form.
func (b *browser) form(path string) string {
	b.t.Helper()
	resp, page := b.do("GET", path, "", "")
	m := csrfInput.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		b.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, page)
	}
	return m[1]
}

func (b *browser) post(path string, v url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
}

func (b *browser) session() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// TestPeopleAndTokensOnTheRealService signs a commune's manager in through
// the login page of the real aggregator, has them make an API token for a
// program, uses and revokes it, changes the password and signs out; and
// checks the throttle and the audit log.
func TestPeopleAndTokensOnTheRealService(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	ctx := context.Background()
	svc := agg.Access()
	started := time.Now().Add(-time.Second)
	if err := svc.AddUser(ctx, nil, hailong.User{Username: "lan", Role: hailong.RoleManager, Scope: "09190"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, agg.URL())
	tok := b.form("/login?next=%2F%3Flang%3Den")
	login := func(user, pass string) (*http.Response, string) {
		return b.post("/login", url.Values{"_csrf": {tok}, "username": {user}, "password": {pass}, "next": {"/?lang=en"}})
	}
	if resp, page := login("lan", "wrong password 1"); resp.StatusCode != 401 || !strings.Contains(page, "Tên đăng nhập hoặc mật khẩu không đúng.") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	_, wrong := login("lan", "wrong password 2")
	_, unknown := login("lan-khong-co", "wrong password 2")
	// The same page, but for the name typed back into the form.
	if strings.Replace(unknown, "lan-khong-co", "lan", 1) != wrong {
		t.Error("the page for an unknown account differs from the one for a wrong password")
	}
	// Text no account or password can hold: said on the sign-in form itself.
	for _, c := range []struct{ name, user, pass, want string }{
		{"a control character in the username", "lan\x01", e2ePassword, "Tên đăng nhập có ký tự không dùng được"},
		{"invalid UTF-8 in the password", "lan", "pass\xffword-99", "Mật khẩu có ký tự không dùng được"},
	} {
		resp, page := login(c.user, c.pass)
		if resp.StatusCode != 400 || !strings.Contains(page, c.want) || !strings.Contains(page, `name="password"`) || strings.Contains(page, "lan\x01") {
			t.Errorf("%s: %d, want 400 and the sign-in form saying %q:\n%s", c.name, resp.StatusCode, c.want, page)
		}
	}
	resp, _ := login("lan", e2ePassword)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/?lang=en" || b.session() == "" {
		t.Fatalf("sign in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, page := b.do("GET", "/?lang=en", "", ""); resp.StatusCode != 200 || !strings.Contains(page, "<strong>lan</strong>") || strings.Contains(page, "Từ Sơn") {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}

	// A token for a program, made with the session: JSON only.
	resp, body := b.do("POST", "/api/v1/api-tokens", "application/json", `{"name":"bi-tool","permissions":["measures.read"]}`)
	var made struct {
		ID, Token, Scope string
		Permissions      []string
	}
	json.Unmarshal([]byte(body), &made)
	if resp.StatusCode != 201 || !strings.HasPrefix(made.Token, access.TokenPrefix) || made.Scope != "09190" || strings.Join(made.Permissions, ",") != "measures.read" {
		t.Fatalf("make a token: %d %s", resp.StatusCode, body)
	}
	program := "Bearer " + made.Token
	var m struct{ Unit string }
	registerToken(agg.URL(), program)
	if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("from", today(), "to", today()), &m); st != 200 || m.Unit != "09190" {
		t.Fatalf("measures with the token: %d %+v", st, m)
	}
	if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", today(), "to", today()), nil); st != 403 {
		t.Errorf("the province with a commune's token: %d", st)
	}
	if st := getJSON(t, agg.URL()+"/api/v1/kiosks", nil); st != 403 {
		t.Errorf("the fleet with a token for measures only: %d", st)
	}
	var listed []struct{ ID, Token string }
	if st := getJSON(t, agg.URL()+"/api/v1/api-tokens", &listed); st != 403 {
		t.Errorf("a measures-only token listing tokens: %d", st)
	}
	if resp, body := b.do("GET", "/api/v1/api-tokens", "", ""); resp.StatusCode != 200 || !strings.Contains(body, made.ID) || strings.Contains(body, made.Token) {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("DELETE", "/api/v1/api-tokens/"+made.ID, "", ""); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("from", today(), "to", today()), nil); st != 401 {
		t.Errorf("a revoked token: %d", st)
	}

	// The password, then signing out.
	old := b.session()
	ptok := b.form("/account/password")
	change := func(oldPW, newPW string) (*http.Response, string) {
		return b.post("/account/password", url.Values{"_csrf": {ptok}, "old": {oldPW}, "new": {newPW}, "new2": {newPW}})
	}
	if resp, page := change("not it", "another-Password-99"); resp.StatusCode != 400 || !strings.Contains(page, "Mật khẩu hiện tại không đúng.") {
		t.Errorf("wrong current password: %d", resp.StatusCode)
	}
	if resp, page := change(e2ePassword, "another\x00Password-99"); resp.StatusCode != 400 || !strings.Contains(page, "Mật khẩu có ký tự không dùng được") || !strings.Contains(page, `name="new2"`) {
		t.Errorf("a NUL in the new password: %d\n%s", resp.StatusCode, page)
	}
	if resp, page := change(e2ePassword, "short"); resp.StatusCode != 400 || !strings.Contains(page, "chưa đạt yêu cầu") {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	if resp, _ := change(e2ePassword, "another-Password-99"); resp.StatusCode != 200 || b.session() == old || b.session() == "" {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if _, err := svc.Session(ctx, old); err == nil {
		t.Error("the old session outlived the password change")
	}
	dash := csrfInput.FindStringSubmatch(func() string { _, p := b.do("GET", "/", "", ""); return p }())
	if dash == nil {
		t.Fatal("no sign-out form on the dashboard")
	}
	current := b.session()
	if resp, _ := b.post("/logout", url.Values{"_csrf": {dash[1]}}); resp.StatusCode != 303 || resp.Header.Get("Location") != "/login" {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if _, err := svc.Session(ctx, current); err == nil {
		t.Error("the session outlived signing out")
	}
	if resp, _ := b.do("GET", "/", "", ""); resp.StatusCode != 303 {
		t.Errorf("after signing out: %d", resp.StatusCode)
	}

	// Five wrong passwords in a row, and the account waits.
	b2 := newBrowser(t, agg.URL())
	tok2 := b2.form("/login")
	var statuses []int
	for i := 0; i < 6; i++ {
		resp, _ := b2.post("/login", url.Values{"_csrf": {tok2}, "username": {"lan"}, "password": {"guess " + string(rune('a'+i))}})
		statuses = append(statuses, resp.StatusCode)
	}
	if resp, page := b2.post("/login", url.Values{"_csrf": {tok2}, "username": {"lan"}, "password": {"another-Password-99"}}); resp.StatusCode != 429 || !strings.Contains(page, "quá nhiều lần") {
		t.Errorf("throttled: statuses %v then %d", statuses, resp.StatusCode)
	}

	events, err := svc.AuditLog(ctx, nil, started, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		if e.Target == "lan" || e.Actor == "lan" {
			key := e.Action
			if !e.OK {
				key += "!"
			}
			seen[key]++
		}
	}
	for _, want := range []string{access.ActionLogin, access.ActionLogin + "!", access.ActionLogout, access.ActionPasswordChange,
		access.ActionPasswordChange + "!", access.ActionTokenAdd, access.ActionTokenRevoke} {
		if seen[want] == 0 {
			t.Errorf("the audit log lacks %s: %v", want, seen)
		}
	}
}
