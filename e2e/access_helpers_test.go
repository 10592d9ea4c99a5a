package e2e

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	aggapp "hailong/aggregator/app"
)

// bearers holds the default API token of each aggregator a test started,
// by base URL: getJSON and satisfactionOf send it, as a reporting tool
// would.
var bearers sync.Map

// e2ePassword is the password of the users the tests make.
const e2ePassword = "e2e-Password-1234"

// withToken makes a province-wide analyst (of the demo's province 24) on a
// running aggregator and an API token of theirs, and makes it the default
// credential for requests to that aggregator.
func withToken(t testing.TB, agg *aggapp.Main) string {
	t.Helper()
	tok := makeToken(t, agg.Access(), "e2e-analyst", hailong.RoleAnalyst, "24")
	bearers.Store(agg.URL(), tok)
	return tok
}

// makeToken adds a user (if new) and returns "Bearer <token>" of a new
// API token of theirs, as an operator would on the command line.
func makeToken(t testing.TB, svc *access.Service, username, role, scope string) string {
	t.Helper()
	ctx := context.Background()
	err := svc.AddUser(ctx, nil, hailong.User{Username: username, Role: role, Scope: scope}, e2ePassword)
	if err != nil && hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Fatalf("add user %s: %v", username, err)
	}
	secret, _, err := svc.CreateToken(ctx, nil, username, "e2e", "", nil, time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatalf("token of %s: %v", username, err)
	}
	return "Bearer " + secret
}

// registerToken makes tok the default credential for requests to base.
func registerToken(base, tok string) { bearers.Store(base, tok) }

// authorize adds the default credential of the aggregator a request goes
// to, if it has one and the request carries none.
func authorize(req *http.Request) {
	if req.Header.Get("Authorization") != "" {
		return
	}
	if tok, ok := bearers.Load(req.URL.Scheme + "://" + req.URL.Host); ok {
		req.Header.Set("Authorization", tok.(string))
	}
}

// authGet is http.Get with the default credential of the aggregator.
func authGet(u string) (*http.Response, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	authorize(req)
	return http.DefaultClient.Do(req)
}
