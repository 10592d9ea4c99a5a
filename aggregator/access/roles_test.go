package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
)

func TestPutRoleShapesRolesAsData(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	tok, _ := e.login(t, "lan")

	t.Run("a new role, kept across a restart", func(t *testing.T) {
		r := hailong.Role{Name: "auditor", Description: "Reads the audit log", Permissions: []hailong.Permission{hailong.PermAuditRead, hailong.PermMeasuresRead}}
		if err := e.svc.PutRole(ctx, nil, r); err != nil {
			t.Fatal(err)
		}
		for _, svc := range e.nowAndAfterRestart(t) {
			i := slices.IndexFunc(svc.Roles(), func(r hailong.Role) bool { return r.Name == "auditor" })
			if i < 0 || !svc.Roles()[i].Has(hailong.PermAuditRead) || svc.Roles()[i].Description != "Reads the audit log" {
				t.Fatalf("roles %+v", svc.Roles())
			}
		}
		tok, _ = e.login(t, "lan") // the restart kept the session; a fresh one for what follows
	})
	t.Run("a changed role holds at once for its users' sessions", func(t *testing.T) {
		r := hailong.Role{Name: hailong.RoleAnalyst, Permissions: []hailong.Permission{hailong.PermMeasuresRead}}
		if err := e.svc.PutRole(ctx, nil, r); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Session(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if p.Can(hailong.PermExportsRead) || !p.Can(hailong.PermMeasuresRead) {
			t.Errorf("after the change the session holds %v", p.Permissions)
		}
		if got := e.svc.Roles()[slices.IndexFunc(e.svc.Roles(), func(r hailong.Role) bool { return r.Name == hailong.RoleAnalyst })]; got.Description == "" {
			t.Error("a change without a description lost the role's description")
		}
	})
	for _, tt := range []struct {
		name  string
		actor *hailong.Principal
		role  hailong.Role
		code  string
	}{
		{"a name that is not one", nil, hailong.Role{Name: "Bad Name", Permissions: []hailong.Permission{hailong.PermMeasuresRead}}, hailong.EINVALID},
		{"no permission", nil, hailong.Role{Name: "empty"}, hailong.EINVALID},
		{"an unknown permission", nil, hailong.Role{Name: "odd", Permissions: []hailong.Permission{"measures.write"}}, hailong.EINVALID},
		{"the admin role losing a right", nil, hailong.Role{Name: hailong.RoleAdmin, Permissions: []hailong.Permission{hailong.PermMeasuresRead}}, hailong.EINVALID},
		{"an admin over the network", &hailong.Principal{Username: "root", Permissions: hailong.AllPermissions()}, hailong.Role{Name: "x1", Permissions: []hailong.Permission{hailong.PermMeasuresRead}}, hailong.EFORBIDDEN},
	} {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			if err := e.svc.PutRole(ctx, tt.actor, tt.role); hailong.ErrorCode(err) != tt.code {
				t.Fatalf("PutRole = %v, want %s", err, tt.code)
			}
			if slices.ContainsFunc(e.svc.Roles(), func(r hailong.Role) bool { return r.Name == tt.role.Name && r.Name != hailong.RoleAdmin }) {
				t.Error("a refused role was stored")
			}
			if i := slices.IndexFunc(e.svc.Roles(), func(r hailong.Role) bool { return r.Name == hailong.RoleAdmin }); len(e.svc.Roles()[i].Permissions) != len(hailong.AllPermissions()) {
				t.Error("the admin role lost permissions")
			}
		})
	}
	e.wantAudit(t, access.Event{Actor: "cli", Action: access.ActionRolePut, Target: "auditor", OK: true})
}

// TestNoOneManagesAnAccountStrongerThanTheirs: a role with users.manage
// but fewer rights than an admin (a help desk) cannot reset the admin's
// password, disable them or make a token that carries their rights; and no
// one changes their own account through the administration, where a
// stolen token could take it over.
func TestNoOneManagesAnAccountStrongerThanTheirs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	helpdesk := append(hailong.DefaultRoles()[1].Permissions, hailong.PermUsersManage) // an analyst's and users.manage
	if err := e.svc.PutRole(ctx, nil, hailong.Role{Name: "helpdesk", Permissions: helpdesk}); err != nil {
		t.Fatal(err)
	}
	e.addUser(t, "hd", "helpdesk", "09190")
	e.addUser(t, "hoa", hailong.RoleAdmin, "09190")
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	_, hd := e.login(t, "hd")
	_, hoa := e.login(t, "hoa")
	disable, admin := true, hailong.RoleAdmin
	expires := e.clock.Now().Add(24 * time.Hour)
	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"help desk grants itself admin", func() error { return e.svc.UpdateUser(ctx, hd, "hd", &admin, nil, nil) }},
		{"help desk resets the admin's password", func() error { return e.svc.SetPassword(ctx, hd, "hoa", "new password 123") }},
		{"help desk disables the admin", func() error { return e.svc.UpdateUser(ctx, hd, "hoa", nil, nil, &disable) }},
		{"help desk makes a token for the admin", func() error {
			_, _, err := e.svc.CreateToken(ctx, hd, "hoa", "x", "", nil, expires)
			return err
		}},
		{"an admin resets their own password here", func() error { return e.svc.SetPassword(ctx, hoa, "hoa", "new password 123") }},
		{"an admin disables themselves", func() error { return e.svc.UpdateUser(ctx, hoa, "hoa", nil, nil, &disable) }},
	} {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			if err := tt.do(); hailong.ErrorCode(err) != hailong.EFORBIDDEN {
				t.Fatalf("got %v, want forbidden", err)
			}
		})
	}
	t.Run("the help desk still manages those it outranks", func(t *testing.T) {
		if err := e.svc.SetPassword(ctx, hd, "lan", "new password 123"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.CreateToken(ctx, hd, "lan", "report", "", nil, expires); err != nil {
			t.Fatal(err)
		}
	})
	if _, _, err := e.svc.Login(ctx, "hoa", pw, "192.0.2.9"); err != nil {
		t.Fatalf("the admin's password changed: %v", err)
	}
}
