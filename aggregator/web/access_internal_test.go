package web

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// TestRegisterRefusesARouteWithoutARule: a route added without an access
// rule stops the server from starting.
func TestRegisterRefusesARouteWithoutARule(t *testing.T) {
	for _, tt := range []struct {
		name string
		rule Rule
	}{
		{"no rule", Rule{}},
		{"permission without a name", Rule{Kind: Permission}},
		{"public with a permission", Rule{Kind: Public, Permission: hailong.PermMeasuresRead}},
		{"unknown kind", Rule{Kind: "staff"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("registered without a valid rule")
				}
			}()
			s := &Server{}
			s.register(Route{Method: "GET", Path: "/new", Rule: tt.rule, handler: (*Server).healthShow})
		})
	}
}

// TestSafeNext keeps the login page from sending anyone to another site.
func TestSafeNext(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/?unit=24&lang=en", "/?unit=24&lang=en"},
		{"/account/password", "/account/password"},
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"}, // stays escaped: a path of this site
		{"/\r\nLocation: //evil", "/"},
		{"/login", "/"},
		{"/login?next=//evil", "/"},
		{"/\tevil", "/"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := safeNext(tt.in); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// recorder is an access service that knows one token and keeps the events
// recorded.
type recorder struct {
	Access
	events []Event
}

func (r *recorder) Bearer(_ context.Context, h string) (*hailong.Principal, error) {
	if h != "Bearer analyst" {
		return nil, hailong.Errorf(hailong.EUNAUTHORIZED, "no")
	}
	return &hailong.Principal{Username: "an", Scope: "24", Via: "token",
		Permissions: []hailong.Permission{hailong.PermMeasuresRead, hailong.PermExportsRead}}, nil
}

func (r *recorder) Record(_ context.Context, e Event) { r.events = append(r.events, e) }

// TestRefusalsOfAdministrationAreAudited: a 403 on a route of
// administration or exports goes to the audit log; one on the measures
// does not (it is the everyday answer to a scope).
func TestRefusalsOfAdministrationAreAudited(t *testing.T) {
	rec := &recorder{}
	s := &Server{Access: rec, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	s.app = fiberapp.New(fiberapp.Config{Name: "test", Logger: s.Logger})
	ok := func(*Server, *fiber.Ctx) error { return nil }
	s.register(Route{Method: "GET", Path: "/api/v1/users", Rule: Needs(hailong.PermUsersManage), handler: ok})
	s.register(Route{Method: "GET", Path: "/api/v1/comments", Rule: Needs(hailong.PermCommentsRead), handler: ok})
	s.register(Route{Method: "GET", Path: "/api/v1/export", Rule: Needs(hailong.PermExportsRead), handler: ok})
	for _, tt := range []struct {
		path   string
		status int
	}{{"/api/v1/users", 403}, {"/api/v1/comments", 403}, {"/api/v1/export", 200}} {
		req := httptest.NewRequest("GET", tt.path, nil)
		req.Header.Set("Authorization", "Bearer analyst")
		resp, err := s.app.Test(req)
		if err != nil || resp.StatusCode != tt.status {
			t.Fatalf("%s: %v %v", tt.path, resp.StatusCode, err)
		}
	}
	if len(rec.events) != 1 || rec.events[0].Actor != "an" || rec.events[0].Target != "GET /api/v1/users" || rec.events[0].OK || rec.events[0].Action != "forbidden" {
		t.Errorf("recorded %+v", rec.events)
	}
}
