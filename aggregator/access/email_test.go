package access_test

import (
	"context"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/access"
)

func TestCheckEmail(t *testing.T) {
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"", true},
		{"nguyen.thi.lan@bacninh.gov.vn", true},
		{"lan+baocao@example.vn", true},
		{"lan@localhost", false},
		{"Lan <lan@example.vn>", false},
		{"lan", false},
		{"lan@@example.vn", false},
		{"lan@example.vn, hoa@example.vn", false},
		{strings.Repeat("a", 250) + "@b.vn", false},
	} {
		t.Run(tc.email, func(t *testing.T) {
			if err := access.CheckEmail(tc.email); (err == nil) != tc.ok {
				t.Errorf("CheckEmail(%q) = %v, want ok %v", tc.email, err, tc.ok)
			}
		})
	}
}

// TestSetEmail: one's own address or, with users.manage, that of a user
// in scope; kept across a restart; sessions go on; MailTo gives it only
// while the user is enabled and sees the unit.
func TestSetEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []hailong.User{
		{Username: "admin.tinh", Role: hailong.RoleAdmin, Scope: "24"},
		{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"},
		{Username: "hoa", Role: hailong.RoleAnalyst, Scope: "09250"},
	} {
		if err := e.svc.AddUser(ctx, nil, u, "mot-mat-khau-dai-2026"); err != nil {
			t.Fatal(err)
		}
	}
	tok, lan, err := e.svc.Login(ctx, "lan", "mot-mat-khau-dai-2026", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	admin := &hailong.Principal{Username: "admin.tinh", Scope: "24", Permissions: hailong.AllPermissions()}
	for _, tc := range []struct {
		name        string
		actor       *hailong.Principal
		user, email string
		code        string
	}{
		{"own", lan, "lan", "lan@example.gov.vn", ""},
		{"own, invalid", lan, "lan", "lan@", hailong.EINVALID},
		{"another's without users.manage", lan, "hoa", "hoa@example.gov.vn", hailong.EFORBIDDEN},
		{"by an administrator", admin, "hoa", "hoa@example.gov.vn", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.svc.SetEmail(ctx, tc.actor, tc.user, tc.email); hailong.ErrorCode(err) != tc.code {
				t.Errorf("SetEmail = %v, want code %q", err, tc.code)
			}
		})
	}
	if _, err := e.svc.Session(ctx, tok); err != nil {
		t.Errorf("the session ended with the address set: %v", err)
	}
	today := hailong.DateOf(e.clock.Now())
	for _, svc := range e.nowAndAfterRestart(t) {
		for _, tc := range []struct {
			user, unit, want string
		}{
			{"lan", "TT-09190", "lan@example.gov.vn"},
			{"lan", "TT-09250", ""}, // outside her scope
			{"hoa", "TT-09250", "hoa@example.gov.vn"},
			{"admin.tinh", "TT-09190", ""}, // no address
		} {
			if got, ok := svc.MailTo(tc.user, tc.unit, today); got != tc.want || ok != (tc.want != "") {
				t.Errorf("MailTo(%s, %s) = %q, %v; want %q", tc.user, tc.unit, got, ok, tc.want)
			}
		}
	}
	disabled := true
	if err := e.svc.UpdateUser(ctx, nil, "lan", nil, nil, &disabled); err != nil {
		t.Fatal(err)
	}
	if got, ok := e.svc.MailTo("lan", "TT-09190", today); ok {
		t.Errorf("a disabled user is mailed at %q", got)
	}
}

// TestMailToNeedsTheRightsTheEmailCarries: an email of alerts or reports
// goes only to a user whose role holds measures.read now, and each right
// the caller names (exports.read for the quarterly report); a role that
// loses it, or a user moved to a role without it, is sent nothing more.
func TestMailToNeedsTheRightsTheEmailCarries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, r := range []hailong.Role{
		{Name: "fleet", Description: "kiosks only", Permissions: []hailong.Permission{hailong.PermKiosksRead}},
		{Name: "reader", Description: "measures only", Permissions: []hailong.Permission{hailong.PermMeasuresRead}},
	} {
		if err := e.svc.PutRole(ctx, nil, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []hailong.User{
		{Username: "ky.thuat", Role: "fleet", Scope: "09190"},
		{Username: "doc", Role: "reader", Scope: "09190"},
		{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"},
	} {
		if err := e.svc.AddUser(ctx, nil, u, "mot-mat-khau-dai-2026"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetEmail(ctx, nil, u.Username, u.Username+"@example.gov.vn"); err != nil {
			t.Fatal(err)
		}
	}
	today := hailong.DateOf(e.clock.Now())
	for _, tc := range []struct {
		name  string
		user  string
		needs []hailong.Permission
		sent  bool
	}{
		{"a role without measures.read", "ky.thuat", nil, false},
		{"measures.read, an alert or a summary", "doc", nil, true},
		{"measures.read, the quarterly report", "doc", []hailong.Permission{hailong.PermExportsRead}, false},
		{"an analyst, the quarterly report", "lan", []hailong.Permission{hailong.PermExportsRead}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := e.svc.MailTo(tc.user, "TT-09190", today, tc.needs...); ok != tc.sent {
				t.Errorf("mailed %v, want %v", ok, tc.sent)
			}
		})
	}
	fleet := "fleet"
	if err := e.svc.UpdateUser(ctx, nil, "lan", &fleet, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, ok := e.svc.MailTo("lan", "TT-09190", today); ok {
		t.Errorf("a user moved to a role without measures.read is mailed at %q", got)
	}
}
