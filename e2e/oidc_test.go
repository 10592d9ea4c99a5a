package e2e

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"hailong"
	"hailong/aggregator/access"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/oidc"
	"hailong/aggregator/web"
)

// ssoEnv is a real OpenID Connect provider (mockoidc, in-process on
// loopback) and the real aggregator configured to sign people in with it.
type ssoEnv struct {
	provider *mockoidc.MockOIDC
	agg      *aggapp.Main
	base     string
	// ahead moves the aggregator's single sign-on clock forward.
	ahead atomic.Int64
}

func startSSO(t *testing.T) *ssoEnv {
	t.Helper()
	provider, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// ID tokens live a minute (the provider's access TTL), sign-ins ten:
	// a test can let the token expire within the sign-in.
	provider.AccessTTL = time.Minute
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := provider.Start(pln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { provider.Shutdown() })
	// The redirect URL is registered before the aggregator starts: it
	// serves a listener opened first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := provider.Config()
	e := &ssoEnv{provider: provider, base: base}
	agg := startAggregatorWith(t, aggapp.Config{Listener: ln, DataDir: t.TempDir(), DemoData: true,
		OIDC: oidc.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: base + oidc.CallbackPath, Now: func() time.Time { return time.Now().Add(time.Duration(e.ahead.Load())) }}})
	e.agg = agg
	t.Cleanup(func() { agg.Close() })
	ctx := context.Background()
	for _, u := range []hailong.User{
		{Username: "lan", Role: hailong.RoleAnalyst, Scope: "24"},
		{Username: "minh", Role: hailong.RoleAnalyst, Scope: "24", Disabled: true},
	} {
		if err := agg.Access().AddUser(ctx, nil, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// jarClient is an HTTP client with its own cookie jar; follow says whether
// it follows redirects.
func jarClient(t *testing.T, follow bool) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// get fetches u and returns the response with its body read.
func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, html.UnescapeString(string(b))
}

// redirect fetches u, which must redirect, and returns where to.
func redirect(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, body := get(t, c, u)
	if resp.StatusCode/100 != 3 {
		t.Fatalf("GET %s: status %d, want a redirect: %.300s", u, resp.StatusCode, body)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.String()
}

// signIn goes as far as the provider's answer: the callback address the
// provider sends the browser back to, which the test may then tamper with.
// change, if not nil, alters the request to the provider.
func (e *ssoEnv) toCallback(t *testing.T, c *http.Client, user string, change func(url.Values)) string {
	t.Helper()
	e.provider.QueueUser(&mockoidc.MockUser{Subject: "sub-" + user, PreferredUsername: user, Email: user + "@example.gov.vn", EmailVerified: true})
	auth := redirect(t, c, e.base+oidc.StartPath+"?next="+url.QueryEscape("/?unit=24"))
	if !strings.HasPrefix(auth, e.provider.AuthorizationEndpoint()) {
		t.Fatalf("start sent the browser to %s, want the provider", auth)
	}
	au, _ := url.Parse(auth)
	q := au.Query()
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(p) == "" {
			t.Fatalf("the request to the provider has no %s: %s", p, auth)
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		t.Fatalf("PKCE method %q, want S256", q.Get("code_challenge_method"))
	}
	if change != nil {
		change(q)
		au.RawQuery = q.Encode()
	}
	cb := redirect(t, c, au.String())
	if !strings.HasPrefix(cb, e.base+oidc.CallbackPath) {
		t.Fatalf("the provider sent the browser to %s, want the callback", cb)
	}
	return cb
}

const ssoRefusedVI = "Không đăng nhập được bằng tài khoản tỉnh."

// wantRefused checks the generic refusal: the sign-in page again, 401,
// and no session.
func (e *ssoEnv) wantRefused(t *testing.T, c *http.Client, cb string) string {
	t.Helper()
	resp, body := get(t, c, cb)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, ssoRefusedVI) || !strings.Contains(body, `href="/login?lang=en`) {
		t.Fatalf("callback: status %d, want 401 and the refusal: %.400s", resp.StatusCode, body)
	}
	for _, ck := range c.Jar.Cookies(resp.Request.URL) {
		if ck.Name == web.SessionCookie {
			t.Fatalf("a refused sign-in left a session cookie")
		}
	}
	return body
}

// refusals counts the failed login.external events for actor.
func (e *ssoEnv) refusals(t *testing.T, actor string) int {
	t.Helper()
	evs, err := e.agg.Access().AuditLog(context.Background(), nil, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == access.ActionLoginExternal && !ev.OK && ev.Actor == actor {
			n++
		}
	}
	return n
}

func TestSingleSignOn(t *testing.T) {
	e := startSSO(t)
	ctx := context.Background()

	t.Run("login page offers it", func(t *testing.T) {
		_, body := get(t, jarClient(t, true), e.base+"/login")
		if !strings.Contains(body, "Đăng nhập bằng tài khoản tỉnh") || !strings.Contains(body, oidc.StartPath) {
			t.Fatalf("no single sign-on button: %.600s", body)
		}
		_, body = get(t, jarClient(t, true), e.base+"/login?lang=en")
		if !strings.Contains(body, "Sign in with the province account") || !strings.Contains(body, oidc.StartPath+"?lang=en") {
			t.Fatalf("no single sign-on button in English: %.600s", body)
		}
	})

	t.Run("local account reaches the dashboard", func(t *testing.T) {
		c := jarClient(t, true)
		e.provider.QueueUser(&mockoidc.MockUser{Subject: "sub-lan", PreferredUsername: "lan"})
		resp, body := get(t, c, e.base+oidc.StartPath+"?next="+url.QueryEscape("/?unit=24"))
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/" || resp.Request.URL.Query().Get("unit") != "24" {
			t.Fatalf("ended at %s with %d: %.300s", resp.Request.URL, resp.StatusCode, body)
		}
		if !strings.Contains(body, "<strong>lan</strong> (analyst, 24)") {
			t.Fatalf("the dashboard is not lan's: %.600s", body)
		}
		// The session is an ordinary one: the next page needs no sign-in.
		resp, _ = get(t, c, e.base+"/?unit=24")
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
			t.Fatalf("the session does not hold: %d at %s", resp.StatusCode, resp.Request.URL)
		}
	})

	t.Run("unknown user is refused and nothing is created", func(t *testing.T) {
		before, err := e.agg.Access().Users(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := jarClient(t, false)
		e.wantRefused(t, c, e.toCallback(t, c, "stranger", nil))
		after, err := e.agg.Access().Users(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%d users after, %d before", len(after), len(before))
		}
		if e.refusals(t, "stranger") != 1 {
			t.Fatal("the refusal is not in the audit log")
		}
	})

	t.Run("disabled account is refused like an unknown one", func(t *testing.T) {
		c := jarClient(t, false)
		e.wantRefused(t, c, e.toCallback(t, c, "minh", nil))
		if e.refusals(t, "minh") != 1 {
			t.Fatal("the refusal is not in the audit log")
		}
	})

	t.Run("tampered state is refused", func(t *testing.T) {
		c := jarClient(t, false)
		cb := e.toCallback(t, c, "lan", nil)
		u, _ := url.Parse(cb)
		q := u.Query()
		q.Set("state", q.Get("state")+"x")
		u.RawQuery = q.Encode()
		e.wantRefused(t, c, u.String())
	})

	t.Run("callback in another browser is refused", func(t *testing.T) {
		// Someone else's code and state, sent to a victim's browser,
		// must not sign the victim in as them.
		cb := e.toCallback(t, jarClient(t, false), "lan", nil)
		e.wantRefused(t, jarClient(t, false), cb)
	})

	t.Run("replayed callback is refused", func(t *testing.T) {
		c := jarClient(t, false)
		cb := e.toCallback(t, c, "lan", nil)
		u, _ := url.Parse(cb)
		resp, body := get(t, c, cb)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first callback: %d: %.300s", resp.StatusCode, body)
		}
		// The provider would refuse the code a second time; make it
		// accept it again, so that only the aggregator's one-time state
		// stands between the replay and a session.
		s, err := e.provider.SessionStore.GetSessionByID(u.Query().Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		s.Granted = false
		// The replay carries the state cookie as the first request did.
		replay := jarClient(t, false)
		replay.Jar.SetCookies(u, []*http.Cookie{{Name: "hailong_oidc", Value: u.Query().Get("state"), Path: "/auth/oidc/"}})
		e.wantRefused(t, replay, cb)
	})

	t.Run("wrong nonce is refused", func(t *testing.T) {
		c := jarClient(t, false)
		cb := e.toCallback(t, c, "lan", func(q url.Values) { q.Set("nonce", "forged-nonce") })
		e.wantRefused(t, c, cb)
	})

	t.Run("expired ID token is refused", func(t *testing.T) {
		// Within the sign-in's ten minutes (aggregator/oidc's tests cover
		// those), past the ID token's minute.
		c := jarClient(t, false)
		cb := e.toCallback(t, c, "lan", nil)
		e.ahead.Store(int64(2 * time.Minute))
		defer e.ahead.Store(0)
		e.wantRefused(t, c, cb)
	})

	t.Run("provider refusal is explained in the page's language", func(t *testing.T) {
		for _, tt := range []struct{ lang, want string }{
			{"vi", "Đăng nhập bằng tài khoản tỉnh đã bị hủy hoặc bị từ chối."},
			{"en", "Signing in with the province account was cancelled or refused."},
		} {
			t.Run(tt.lang, func(t *testing.T) {
				c := jarClient(t, false)
				auth := redirect(t, c, e.base+oidc.StartPath+"?lang="+tt.lang)
				au, _ := url.Parse(auth)
				// What the provider answers when the person declines.
				cb := e.base + oidc.CallbackPath + "?" + url.Values{"error": {"access_denied"}, "state": {au.Query().Get("state")}}.Encode()
				resp, body := get(t, c, cb)
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tt.want) || !strings.Contains(body, `lang="`+tt.lang+`"`) {
					t.Fatalf("status %d: %.600s", resp.StatusCode, body)
				}
			})
		}
	})

	t.Run("next leads only within the site", func(t *testing.T) {
		c := jarClient(t, false)
		e.provider.QueueUser(&mockoidc.MockUser{Subject: "sub-lan", PreferredUsername: "lan"})
		auth := redirect(t, c, e.base+oidc.StartPath+"?next="+url.QueryEscape("//evil.example/"))
		cb := redirect(t, c, auth)
		if got := redirect(t, c, cb); got != e.base+"/" {
			t.Fatalf("signed in and sent to %s", got)
		}
	})
}
