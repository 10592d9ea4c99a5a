package web_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/hierarchy"
)

// noOutcomes is an outcome book without outcomes.
type noOutcomes struct{}

func (noOutcomes) Report(context.Context, []hailong.Outcome, func(string) bool) ([]outcomes.Result, error) {
	return nil, nil
}
func (noOutcomes) Query([]string, hailong.Date, hailong.Date, rollup.Filter) rollup.Outcomes {
	return rollup.Outcomes{}
}
func (noOutcomes) Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (rollup.Outcomes, []rollup.Outcomes, []rollup.Outcomes) {
	return rollup.Outcomes{}, nil, nil
}

// credentials authenticates one kiosk or client by its whole header.
type credentials map[string]hailong.Enrolment

func (c credentials) Authenticate(_ context.Context, h string) (hailong.Enrolment, error) {
	if k, ok := c[h]; ok {
		return k, nil
	}
	return hailong.Enrolment{}, hailong.Errorf(hailong.EUNAUTHORIZED, "The credential is not valid.")
}

// fakeAccess stands in for the access service: fixed principals by
// bearer header and by session token, InScope by the unit tree.
type fakeAccess struct {
	tree *hierarchy.Tree

	mu       sync.Mutex
	bearers  map[string]*hailong.Principal // by the whole header
	sessions map[string]*hailong.Principal
	events   []web.Event
	logins   int
}

// Bearer headers of the fake's principals.
const (
	analystProvince     = "Bearer hlt_analyst24"    // analyst, province 24
	analystCommune      = "Bearer hlt_analyst09190" // analyst, commune 09190 (Kinh Bắc)
	noRights            = "Bearer hlt_nothing"      // a principal without permissions
	analystCommune09250 = "Bearer hlt_analyst09250" // analyst, commune 09250 (Từ Sơn)
	adminProvince       = "Bearer hlt_admin24"
)

func newFakeAccess(tree *hierarchy.Tree) *fakeAccess {
	role := func(name string) []hailong.Permission {
		for _, r := range hailong.DefaultRoles() {
			if r.Name == name {
				return r.Permissions
			}
		}
		return nil
	}
	return &fakeAccess{tree: tree,
		bearers: map[string]*hailong.Principal{
			analystProvince:     {Username: "an", Role: "analyst", Scope: "24", Permissions: role("analyst"), Via: "token", TokenID: "t1"},
			analystCommune:      {Username: "binh", Role: "analyst", Scope: "09190", Permissions: role("analyst"), Via: "token", TokenID: "t2"},
			noRights:            {Username: "chi", Role: "nobody", Scope: "24", Via: "token", TokenID: "t3"},
			analystCommune09250: {Username: "giang", Role: "analyst", Scope: "09250", Permissions: role("analyst"), Via: "token", TokenID: "t5"},
			adminProvince:       {Username: "root", Role: "admin", Scope: "24", Permissions: role("admin"), Via: "token", TokenID: "t4"},
		},
		sessions: map[string]*hailong.Principal{},
	}
}

func (f *fakeAccess) Login(_ context.Context, username, password, _ string) (string, *hailong.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logins++
	if username == "throttled" {
		return "", nil, hailong.Errorf(hailong.ERATELIMITED, "Too many attempts.")
	}
	if username != "dung" || password != "correct horse 1" {
		return "", nil, hailong.Errorf(hailong.EUNAUTHORIZED, "The username or password is not correct.")
	}
	tok := "sess-" + time.Now().Format("150405.000000000")
	f.sessions[tok] = &hailong.Principal{Username: "dung", Role: "analyst", Scope: "24", Permissions: f.bearers[analystProvince].Permissions, Via: "session"}
	return tok, f.sessions[tok], nil
}

func (f *fakeAccess) LoginExternal(context.Context, string, string) (string, *hailong.Principal, error) {
	return "", nil, hailong.Errorf(hailong.EUNAUTHORIZED, "There is no enabled account for this identity.")
}

func (f *fakeAccess) Session(_ context.Context, tok string) (*hailong.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.sessions[tok]; ok {
		return p, nil
	}
	return nil, hailong.Errorf(hailong.EUNAUTHORIZED, "The session has ended; sign in again.")
}

func (f *fakeAccess) Logout(_ context.Context, tok string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, tok)
	return nil
}

func (f *fakeAccess) ChangePassword(_ context.Context, p *hailong.Principal, old, new, _ string) (string, error) {
	if old != "correct horse 1" {
		return "", hailong.Invalid("The current password is wrong.", hailong.FieldError{Field: "old", Message: "The current password is wrong."})
	}
	if len(new) < 12 {
		return "", hailong.Invalid("The password does not meet the policy.", hailong.Fieldf("password", "Use at least %d characters.", 12))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok, q := range f.sessions {
		if q.Username == p.Username {
			delete(f.sessions, tok)
		}
	}
	tok := "sess-new-" + time.Now().Format("150405.000000000")
	f.sessions[tok] = p
	return tok, nil
}

func (f *fakeAccess) Bearer(_ context.Context, h string) (*hailong.Principal, error) {
	if p, ok := f.bearers[h]; ok {
		return p, nil
	}
	return nil, hailong.Errorf(hailong.EUNAUTHORIZED, "The API token is not valid.")
}

func (f *fakeAccess) CreateToken(_ context.Context, actor *hailong.Principal, owner, name, scope string, perms []hailong.Permission, expires time.Time) (string, web.Token, error) {
	if name == "" {
		return "", web.Token{}, hailong.Invalid("The token is not valid.", hailong.FieldError{Field: "name", Message: "is required"})
	}
	return "hlt_secret", web.Token{ID: "tok1", Owner: owner, Name: name, Scope: scope, Permissions: perms, Expires: expires}, nil
}

func (f *fakeAccess) RevokeToken(context.Context, *hailong.Principal, string) error { return nil }

func (f *fakeAccess) Tokens(_ context.Context, _ *hailong.Principal, owner string) ([]web.Token, error) {
	return []web.Token{{ID: "tok1", Owner: owner, Name: "bi"}}, nil
}

// InScope is the service's rule: in the scope's subtree on asOf, or, on
// an earlier date, everything under the unit then rolls up into the scope
// on the test's today.
func (f *fakeAccess) InScope(p *hailong.Principal, unit string, asOf hailong.Date) bool {
	if units, err := f.tree.Subtree(p.Scope, asOf); err == nil && slices.Contains(units, unit) {
		return true
	}
	today := hailong.DateFromYMD(2026, 3, 15)
	if asOf >= today {
		return false
	}
	now, err := f.tree.Subtree(p.Scope, today)
	under, err2 := f.tree.Subtree(unit, asOf)
	if err != nil || err2 != nil {
		return false
	}
	for _, u := range under {
		if !slices.Contains(now, u) {
			return false
		}
	}
	return true
}

// InForce: a unit of the tree on d.
func (f *fakeAccess) InForce(unit string, d hailong.Date) bool {
	_, ok := f.tree.At(unit, d)
	return ok
}

func (f *fakeAccess) Record(_ context.Context, e web.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeAccess) recorded(action string) []web.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []web.Event
	for _, e := range f.events {
		if strings.HasPrefix(e.Action, action) {
			out = append(out, e)
		}
	}
	return out
}
