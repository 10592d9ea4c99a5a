package access_test

import (
	"context"
	"slices"
	"testing"

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
