package oidc_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"hailong"
	"hailong/aggregator/oidc"
)

// env is a real provider (mockoidc on loopback) and a client of it whose
// clock the test moves.
type env struct {
	provider *mockoidc.MockOIDC
	client   *oidc.Client
	ahead    atomic.Int64
}

func newEnv(t *testing.T, maxFlows int) *env { return newEnvClaim(t, maxFlows, "") }

func newEnvClaim(t *testing.T, maxFlows int, claim string) *env {
	t.Helper()
	p, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// ID tokens live as long as the provider's access tokens: longer
	// than a sign-in, so that only the sign-in's own expiry is at work.
	p.AccessTTL = time.Hour
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	e := &env{provider: p}
	cfg := p.Config()
	e.client, err = oidc.New(oidc.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://127.0.0.1:1" + oidc.CallbackPath, MaxFlows: maxFlows, Claim: claim,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.ahead.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// authorize begins a sign-in and has the provider answer it; it returns
// the state and the code.
func (e *env) authorize(t *testing.T, user string) (state, code string) {
	t.Helper()
	return e.authorizeAs(t, &mockoidc.MockUser{Subject: "s-" + user, PreferredUsername: user})
}

func (e *env) authorizeAs(t *testing.T, user *mockoidc.MockUser) (state, code string) {
	t.Helper()
	e.provider.QueueUser(user)
	u, state, err := e.client.Begin(context.Background(), oidc.Flow{Next: "/x", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != state {
		t.Fatalf("provider answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return state, loc.Query().Get("code")
}

func TestFinish(t *testing.T) {
	for _, tt := range []struct {
		name  string
		ahead time.Duration // between the provider's answer and Finish
		want  string
	}{
		{"in time", 0, ""},
		{"within ten minutes", 9 * time.Minute, ""},
		{"sign-in took too long", 10 * time.Minute, hailong.EUNAUTHORIZED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 0)
			state, code := e.authorize(t, "lan")
			e.ahead.Store(int64(tt.ahead))
			name, f, err := e.client.Finish(context.Background(), state, code)
			if got := hailong.ErrorCode(err); got != tt.want {
				t.Fatalf("error %v, want code %q", err, tt.want)
			}
			if tt.want == "" && (name != "lan" || f != (oidc.Flow{Next: "/x", Lang: "en"})) {
				t.Fatalf("got %q %+v", name, f)
			}
		})
	}
}

func TestClaim(t *testing.T) {
	for _, tt := range []struct {
		name, claim string
		user        mockoidc.MockUser
		want        string // the account, or "" when refused
	}{
		{"preferred_username by default", "", mockoidc.MockUser{PreferredUsername: "lan", Email: "x@example.gov.vn", EmailVerified: true}, "lan"},
		{"email", "email", mockoidc.MockUser{PreferredUsername: "lan", Email: "lan@example.gov.vn", EmailVerified: true}, "lan@example.gov.vn"},
		{"email not verified", "email", mockoidc.MockUser{PreferredUsername: "lan", Email: "lan@example.gov.vn"}, ""},
		{"no such claim", "", mockoidc.MockUser{Email: "lan@example.gov.vn", EmailVerified: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvClaim(t, 0, tt.claim)
			u := tt.user
			u.Subject = "s-1"
			state, code := e.authorizeAs(t, &u)
			name, _, err := e.client.Finish(context.Background(), state, code)
			if tt.want == "" {
				if hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
					t.Fatalf("got %q, %v; want a refusal", name, err)
				}
				return
			}
			if err != nil || name != tt.want {
				t.Fatalf("got %q, %v; want %q", name, err, tt.want)
			}
		})
	}
}

func TestFlowsAreBounded(t *testing.T) {
	e := newEnv(t, 3)
	state, code := e.authorize(t, "lan")
	for range 3 { // unauthenticated starts push the oldest out
		e.authorize(t, "other")
	}
	if _, _, err := e.client.Finish(context.Background(), state, code); hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
		t.Fatalf("a sign-in beyond the bound was kept: %v", err)
	}
}

func TestValidate(t *testing.T) {
	ok := oidc.Config{Issuer: "https://id.example", ClientID: "hailong", RedirectURL: "https://hailong.example" + oidc.CallbackPath}
	for _, tt := range []struct {
		name   string
		change func(*oidc.Config)
		ok     bool
	}{
		{"complete", func(*oidc.Config) {}, true},
		{"off", func(c *oidc.Config) { *c = oidc.Config{} }, true},
		{"email claim", func(c *oidc.Config) { c.Claim = "email" }, true},
		{"no client id", func(c *oidc.Config) { c.ClientID = "" }, false},
		{"no redirect URL", func(c *oidc.Config) { c.RedirectURL = "" }, false},
		{"redirect URL elsewhere", func(c *oidc.Config) { c.RedirectURL = "https://hailong.example/" }, false},
		{"other claim", func(c *oidc.Config) { c.Claim = "sub" }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// A provider that is down makes sign-ins wait, not the aggregator's
// start: Begin says so, and a later Begin tries again.
func TestProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/oidc"
	ln.Close()
	c, err := oidc.New(oidc.Config{Issuer: issuer, ClientID: "hailong", RedirectURL: "http://127.0.0.1:1" + oidc.CallbackPath})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Begin(context.Background(), oidc.Flow{}); hailong.ErrorCode(err) != hailong.EUNAVAILABLE {
		t.Fatalf("Begin: %v, want unavailable", err)
	}
}
