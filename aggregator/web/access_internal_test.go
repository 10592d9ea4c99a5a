package web

import (
	"testing"

	"hailong"
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
