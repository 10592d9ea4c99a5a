package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	"hailong/aggregator/web"
)

// caller is one kind of caller of the authorization matrix.
type caller struct {
	name string
	// authorization is the Authorization header; session the session
	// cookie's value.
	authorization, session string
	// principal is who the credential proves, nil when it proves no one
	// (anonymous, expired, revoked, a kiosk's or a client's credential).
	principal *hailong.Principal
	kiosk     bool // a kiosk's credential
	client    bool // a one-stop client's credential
	inScope   bool // the matrix's unit lies in the principal's scope
}

// verdict is what a rule makes of a caller.
type verdict int

const (
	allowed verdict = iota
	unauthenticated
	forbidden
)

func (v verdict) String() string { return [...]string{"allowed", "unauthenticated", "forbidden"}[v] }

// expected is the verdict of route r's rule on caller c: the matrix's
// expectations come from the rules, not from a list per route.
func expected(r web.Route, c caller) verdict {
	switch r.Rule.Kind {
	case web.Public:
		return allowed
	case web.KioskCredential:
		if c.kiosk {
			return allowed
		}
		return unauthenticated
	case web.ClientCredential:
		if c.client {
			return allowed
		}
		return unauthenticated
	}
	p := c.principal
	switch {
	case p == nil:
		return unauthenticated
	case r.Rule.Kind == web.Account && p.Via != "session":
		return forbidden
	case r.Rule.Kind == web.Permission && !p.Can(r.Rule.Permission):
		return forbidden
	case (r.Unit || r.Province || r.Whole) && !c.inScope: // the callers in scope are province-wide, of the one province served
		return forbidden
	}
	return allowed
}

// matrixUnit is the unit the matrix asks for on routes that take one.
const matrixUnit = "09190"

// TestAuthorizationMatrix sends every route of the aggregator's route
// table as every kind of caller to the real aggregator, and checks the
// answer against what the route's rule says: served, 401 (pages: 303 to
// the login page), or 403. A route without a rule cannot be in the table
// (web.New panics) and every route served is in it (the web tests check).
func TestAuthorizationMatrix(t *testing.T) {
	dir := t.TempDir()
	agg := startAggregator(t, dir, "127.0.0.1:0")
	ctx := context.Background()
	svc := agg.Access()
	roles := hailong.DefaultRoles()
	var callers []caller
	callers = append(callers, caller{name: "anonymous"})
	sessions := map[string]string{}
	for _, r := range roles {
		for _, scope := range []struct {
			unit string
			in   bool
		}{{"24", true}, {"09250", false}} {
			user := fmt.Sprintf("m-%s-%s", r.Name, scope.unit)
			if err := svc.AddUser(ctx, nil, hailong.User{Username: user, Role: r.Name, Scope: scope.unit}, e2ePassword); err != nil {
				t.Fatal(err)
			}
			tok, p, err := svc.Login(ctx, user, e2ePassword, "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			sessions[user] = tok
			name := fmt.Sprintf("%s in scope", r.Name)
			if !scope.in {
				name = fmt.Sprintf("%s out of scope", r.Name)
			}
			callers = append(callers, caller{name: name, session: tok, principal: p, inScope: scope.in})
		}
	}
	// A program's token narrowed to the measures: the rules' permissions
	// at work (every default role holds every permission the routes name).
	narrow, _, err := svc.CreateToken(ctx, nil, "m-analyst-24", "measures only", "", []hailong.Permission{hailong.PermMeasuresRead}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	narrowP, err := svc.Bearer(ctx, "Bearer "+narrow)
	if err != nil {
		t.Fatal(err)
	}
	callers = append(callers, caller{name: "token for measures only", authorization: "Bearer " + narrow, principal: narrowP, inScope: true})
	// A session that expired, and a revoked token.
	if err := svc.AddUser(ctx, nil, hailong.User{Username: "m-expired", Role: hailong.RoleAdmin, Scope: "24"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	expiring, _, err := svc.Login(ctx, "m-expired", e2ePassword, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	revoked, tok, err := svc.CreateToken(ctx, nil, "m-admin-24", "revoked", "", nil, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeToken(ctx, nil, tok.ID); err != nil {
		t.Fatal(err)
	}
	kioskCred := enrol(t, agg, "kiosk-m", centre)
	clientRecord, clientCred, _ := enrolment.Enrol("motcua-m", "24", time.Now())
	if err := agg.DB().AddClient(ctx, clientRecord); err != nil {
		t.Fatal(err)
	}
	// The expiry is the stored session's: the aggregator restarts on it.
	agg.Close()
	expireSession(t, dir, expiring)
	agg = startAggregator(t, dir, "127.0.0.1:0")
	defer agg.Close()
	callers = append(callers,
		caller{name: "expired session", session: expiring},
		caller{name: "revoked token", authorization: "Bearer " + revoked},
		caller{name: "kiosk credential", authorization: "Bearer " + kioskCred.String(), kiosk: true},
		caller{name: "client credential", authorization: "Bearer " + clientCred.String(), client: true},
	)
	// Forms carry a CSRF token (with its cookie) in every request: the
	// matrix is about who the caller is, not about forgery.
	csrfCookie, csrfToken := csrfPair(t, agg.URL())

	routes := web.Routes()
	var last []web.Route // signing out ends the session: last
	var ordered []web.Route
	for _, r := range routes {
		if r.Path == "/logout" {
			last = append(last, r)
		} else {
			ordered = append(ordered, r)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cells := 0
	for _, r := range append(ordered, last...) {
		for _, c := range callers {
			want := expected(r, c)
			t.Run(r.Method+" "+r.Path+"/"+c.name, func(t *testing.T) {
				req := matrixRequest(t, agg.URL(), r, csrfToken)
				req.Header.Set("Cookie", "hailong_csrf="+csrfCookie)
				if c.session != "" {
					req.Header.Set("Cookie", "hailong_csrf="+csrfCookie+"; "+web.SessionCookie+"="+c.session)
				}
				if c.authorization != "" {
					req.Header.Set("Authorization", c.authorization)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got := judge(r, resp)
				if got != want {
					t.Fatalf("%s, want %s (status %d: %.300s)", got, want, resp.StatusCode, body)
				}
				// The phone pages answer a bad link with a notice; single
				// sign-on and the public results, off here, answer 404, as
				// does a thing read by an :id the matrix makes up.
				if got == allowed && r.Method == "GET" && !strings.HasPrefix(r.Path, "/r/") && !strings.HasPrefix(r.Path, "/auth/oidc/") && r.Path != "/public" &&
					!(strings.Contains(r.Path, ":id") && resp.StatusCode == 404) && resp.StatusCode != 200 {
					t.Fatalf("allowed but status %d: %.300s", resp.StatusCode, body)
				}
				if got == forbidden && !r.Page() && (strings.Contains(string(body), `"n":`) || resp.Header.Get("Content-Type") != "application/problem+json") {
					t.Fatalf("403 with data or not problem+json: %s", body)
				}
			})
			cells++
		}
	}
	if cells < len(routes)*10 {
		t.Fatalf("only %d cells", cells)
	}
}

// judge says what an answer is: a refusal for want of a credential (the
// API's 401 with WWW-Authenticate, a page's 303 to the login page with
// where to return), a 403,
// or anything else, which is the route's handler at work.
func judge(r web.Route, resp *http.Response) verdict {
	switch {
	case resp.StatusCode == 401 && strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer"):
		return unauthenticated
	case resp.StatusCode == 303 && strings.HasPrefix(resp.Header.Get("Location"), "/login?next="):
		return unauthenticated
	case resp.StatusCode == 403:
		return forbidden
	}
	return allowed
}

// matrixRequest builds a request a route's handler can take: parameters
// filled in, the matrix's unit on routes that take one, a small valid
// body for posts.
func matrixRequest(t *testing.T, base string, r web.Route, csrf string) *http.Request {
	t.Helper()
	path := strings.NewReplacer(":token", "not-a-token", ":id", "0000000000000000", ":code", matrixUnit, ":official", "cb-0001", "*", "aggregator.css").Replace(r.Path)
	query := url.Values{}
	if r.Unit {
		query.Set("unit", matrixUnit)
		if r.Path != "/api/v1/kiosks" && r.Path != "/" {
			query.Set("from", today())
			query.Set("to", today())
		}
		if strings.HasSuffix(r.Path, "reports") || strings.HasSuffix(r.Path, "quarterly") { // a report of a quarter
			query.Del("from")
			query.Del("to")
			query.Set("period", "2026-Q1")
		}
		if r.Path == "/api/v1/breakdowns" { // a breakdown by one dimension
			query.Set("by", "official")
		}
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	contentType := ""
	if r.Method == "POST" {
		switch {
		case r.Form:
			body = strings.NewReader(url.Values{"_csrf": {csrf}, "username": {"nobody"}, "password": {"x"}}.Encode())
			contentType = "application/x-www-form-urlencoded"
		case r.Path == "/api/v1/sync":
			body, contentType = strings.NewReader(`{"ratings":[]}`), "application/json"
		case r.Path == "/api/v1/outcomes":
			body, contentType = strings.NewReader(`{"outcomes":[]}`), "application/json"
		case r.Path == "/api/v1/api-tokens":
			body, contentType = strings.NewReader(`{"name":"matrix"}`), "application/json"
		default:
			body, contentType = strings.NewReader(`{}`), "application/json"
		}
	}
	req, err := http.NewRequest(r.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.Page() {
		req.Header.Set("Accept", "text/html")
	}
	return req
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfPair fetches the login page for a CSRF cookie and its form token.
func csrfPair(t *testing.T, base string) (cookie, token string) {
	t.Helper()
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "hailong_csrf" {
			cookie = c.Value
		}
	}
	m := csrfInput.FindStringSubmatch(string(b))
	if cookie == "" || m == nil {
		t.Fatalf("no CSRF cookie or token: %s", b)
	}
	return cookie, m[1]
}

// expireSession moves the stored expiry of a session into the past, on a
// stopped aggregator, as the passing of its lifetime would.
func expireSession(t *testing.T, dir, token string) {
	t.Helper()
	ctx := context.Background()
	db, err := aggapp.OpenDB(ctx, aggapp.Config{DataDir: dir}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ss, err := db.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	id := hex.EncodeToString(sum[:])
	for _, s := range ss {
		if s.ID == id {
			s.Expires = time.Now().Add(-time.Minute)
			if err := db.PutSessions(ctx, []access.Session{s}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("session not stored (of %d)", len(ss))
}
