package access_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/access"
	"hailong/hierarchy"
)

func TestInScope(t *testing.T) {
	e := newEnv(t)
	province := &hailong.Principal{Username: "p", Scope: "24"}
	commune := &hailong.Principal{Username: "c", Scope: "09190"}
	after := date(t, "2026-01-15")
	before := date(t, "2024-06-01")
	tests := []struct {
		name string
		p    *hailong.Principal
		unit string
		asOf hailong.Date
		want bool
	}{
		{"province sees itself", province, "24", after, true},
		{"province sees a current commune", province, "07210", after, true},
		{"province sees the merged province", province, "27", after, true},
		{"province sees a district of the merged province", province, "256", after, true},
		{"province sees a centre of the merged province", province, "MC-261", after, true},
		{"commune sees its centre", commune, "TT-09190", after, true},
		{"commune sees its predecessor district", commune, "256", after, true},
		{"commune sees its predecessor's centre", commune, "MC-256", after, true},
		{"commune does not see a sibling", commune, "07210", after, false},
		{"commune does not see a sibling's predecessor", commune, "261", after, false},
		{"commune does not see its province", commune, "24", after, false},
		{"unknown unit", province, "99999", after, false},
		{"no principal", nil, "24", after, false},
		// Through an older structure: a unit is in scope when everything
		// under it then rolls up into the scope today.
		{"province sees the merged province in its time", province, "27", before, true},
		{"province sees the old Bắc Giang in its time", province, "24", before, true},
		{"province sees an old district in its time", province, "256", before, true},
		{"commune sees its predecessor district in its time", commune, "256", before, true},
		{"commune sees its predecessor's centre in its time", commune, "MC-256", before, true},
		{"commune does not see the old province, part of which went elsewhere", commune, "27", before, false},
		{"commune does not see a sibling's predecessor in its time", commune, "261", before, false},
		{"commune does not see another old province", commune, "24", before, false},
		{"commune: its own code did not exist yet", commune, "09190", before, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second answer comes from the cache
				if got := e.svc.InScope(tt.p, tt.unit, tt.asOf); got != tt.want {
					t.Fatalf("InScope(%s, %s, %s) = %v, want %v", tt.p.Scope, tt.unit, tt.asOf, got, tt.want)
				}
			}
		})
	}
	t.Run("new units take effect", func(t *testing.T) {
		if !e.svc.InScope(province, "07450", after) {
			t.Fatal("07450 not in scope")
		}
		var kept []hierarchy.Unit
		for _, u := range e.tree.Records() {
			if u.Code != "07450" && u.Parent != "07450" {
				kept = append(kept, u)
			}
		}
		tree, err := hierarchy.New(kept)
		if err != nil {
			t.Fatal(err)
		}
		e.tree = tree
		if e.svc.InScope(province, "07450", after) {
			t.Fatal("the cache outlived the units")
		}
	})
}

func TestUsersWithinScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "root", hailong.RoleAdmin, "24")
	e.addUser(t, "hoa", hailong.RoleAdmin, "09190")
	e.addUser(t, "binh", hailong.RoleAnalyst, "07210")
	_, hoa := e.login(t, "hoa")
	_, binhP := e.login(t, "binh")
	tests := []struct {
		name  string
		actor *hailong.Principal
		user  hailong.User
		pass  string
		code  string
		field string
	}{
		{"in scope", hoa, hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}, pw, "", ""},
		{"narrower scope", hoa, hailong.User{Username: "mai", Role: hailong.RoleManager, Scope: "TT-09190"}, pw, "", ""},
		{"wider scope", hoa, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "24"}, pw, hailong.EFORBIDDEN, ""},
		{"sibling scope", hoa, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "07210"}, pw, hailong.EFORBIDDEN, ""},
		{"without users.manage", binhP, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "07210"}, pw, hailong.EFORBIDDEN, ""},
		{"username taken", hoa, hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}, pw, hailong.ECONFLICT, ""},
		{"username with capitals", hoa, hailong.User{Username: "Kim", Role: hailong.RoleAnalyst, Scope: "09190"}, pw, hailong.EINVALID, "username"},
		{"username with a space", hoa, hailong.User{Username: "kim le", Role: hailong.RoleAnalyst, Scope: "09190"}, pw, hailong.EINVALID, "username"},
		{"unknown role", hoa, hailong.User{Username: "kim", Role: "god", Scope: "09190"}, pw, hailong.EINVALID, "role"},
		{"unknown scope", nil, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "99"}, pw, hailong.EINVALID, "scope"},
		{"scope no longer in force", nil, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "27"}, pw, hailong.EINVALID, "scope"},
		{"password too short", nil, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "09190"}, "abc123", hailong.EINVALID, "password"},
		{"password of letters only", nil, hailong.User{Username: "kim", Role: hailong.RoleAnalyst, Scope: "09190"}, "abcdefghijklmnopq", hailong.EINVALID, "password"},
		{"password is the username", nil, hailong.User{Username: "kim.le.2024", Role: hailong.RoleAnalyst, Scope: "09190"}, "kim.le.2024", hailong.EINVALID, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.AddUser(ctx, tt.actor, tt.user, tt.pass)
			wantCode(t, err, tt.code)
			if tt.field != "" {
				fs := hailong.ErrorFields(err)
				if len(fs) == 0 || fs[0].Field != tt.field || fs[0].Message == "" {
					t.Fatalf("fields %+v, want %s", fs, tt.field)
				}
			}
			actor := "cli"
			if tt.actor != nil {
				actor = tt.actor.Username
			}
			e.wantAudit(t, access.Event{Actor: actor, Action: access.ActionUserAdd, Target: tt.user.Username, OK: tt.code == ""})
		})
	}
	t.Run("list", func(t *testing.T) {
		names := func(us []hailong.User) []string {
			var out []string
			for _, u := range us {
				if u.PasswordHash != "" {
					t.Fatal("a listing carries password hashes")
				}
				out = append(out, u.Username)
			}
			return out
		}
		us, err := e.svc.Users(ctx, hoa)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(us), []string{"hoa", "lan", "mai"}; !slices.Equal(got, want) {
			t.Fatalf("commune admin sees %v, want %v", got, want)
		}
		us, _ = e.svc.Users(ctx, nil)
		if got, want := names(us), []string{"binh", "hoa", "lan", "mai", "root"}; !slices.Equal(got, want) {
			t.Fatalf("command line sees %v, want %v", got, want)
		}
		_, err = e.svc.Users(ctx, binhP)
		wantCode(t, err, hailong.EFORBIDDEN)
	})
	t.Run("changes only within scope", func(t *testing.T) {
		wantCode(t, e.svc.UpdateUser(ctx, hoa, "binh", nil, nil, ptr(true)), hailong.EFORBIDDEN)
		wantCode(t, e.svc.UpdateUser(ctx, hoa, "lan", nil, ptr("24"), nil), hailong.EFORBIDDEN)
		wantCode(t, e.svc.UpdateUser(ctx, hoa, "root", ptr(hailong.RoleAnalyst), nil, nil), hailong.EFORBIDDEN)
		wantCode(t, e.svc.SetPassword(ctx, hoa, "binh", otherPw), hailong.EFORBIDDEN)
		wantCode(t, e.svc.SetPassword(ctx, hoa, "lan", "short"), hailong.EINVALID)
		wantCode(t, e.svc.UpdateUser(ctx, hoa, "lan", ptr(hailong.RoleManager), ptr("TT-09190"), nil), "")
		wantCode(t, e.svc.UpdateUser(ctx, hoa, "ghost", nil, nil, ptr(true)), hailong.ENOTFOUND)
		e.wantAudit(t, access.Event{Actor: "hoa", Action: access.ActionUserUpdate, Target: "binh", Detail: "disabled=true", OK: false})
		e.wantAudit(t, access.Event{Actor: "hoa", Action: access.ActionUserUpdate, Target: "lan", Detail: "role=manager scope=TT-09190", OK: true})
		e.wantAudit(t, access.Event{Actor: "hoa", Action: access.ActionPasswordSet, Target: "binh", OK: false})
	})
	t.Run("survive a restart", func(t *testing.T) {
		s := e.restart(t)
		us, err := s.Users(ctx, nil)
		if err != nil || len(us) != 5 {
			t.Fatalf("%d users, %v", len(us), err)
		}
		if _, _, err := s.Login(ctx, "lan", pw, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRolesAndAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	roles := e.svc.Roles()
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	if want := []string{"admin", "analyst", "manager"}; !slices.Equal(names, want) {
		t.Fatalf("roles %v, want %v", names, want)
	}
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	_, lan := e.login(t, "lan")
	_, err := e.svc.AuditLog(ctx, lan, e.clock.Now().AddDate(0, 0, -1), 10)
	wantCode(t, err, hailong.EFORBIDDEN)
	admin := &hailong.Principal{Username: "root", Scope: "24", Permissions: hailong.AllPermissions()}
	evs, err := e.svc.AuditLog(ctx, admin, e.clock.Now().AddDate(0, 0, -1), 10)
	if err != nil || len(evs) != 2 || evs[0].Action != access.ActionLogin || evs[1].Action != access.ActionUserAdd {
		t.Fatalf("audit %+v %v, want the login then the user's creation, newest first", evs, err)
	}
	if !strings.Contains(evs[1].Detail, "role=analyst scope=09190") || evs[1].Actor != "cli" {
		t.Fatalf("audit of user.add: %+v", evs[1])
	}
}

func TestAuditLogWithinScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "root", hailong.RoleAdmin, "24")
	e.addUser(t, "hoa", hailong.RoleAdmin, "09190")
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	e.addUser(t, "binh", hailong.RoleAnalyst, "07210")
	for _, u := range []string{"root", "hoa", "lan", "binh"} {
		e.login(t, u)
	}
	e.svc.Login(ctx, "ghost", pw, "198.51.100.9")
	_, root := e.login(t, "root")
	_, hoa := e.login(t, "hoa")
	seen := func(p *hailong.Principal) map[string]bool {
		t.Helper()
		evs, err := e.svc.AuditLog(ctx, p, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, ev := range evs {
			out[ev.Actor] = true
		}
		return out
	}
	if got := seen(root); !got["binh"] || !got["ghost"] || !got["hoa"] || !got["cli"] {
		t.Fatalf("the province admin sees %v", got)
	}
	got := seen(hoa)
	if !got["lan"] || !got["hoa"] || !got["cli"] || got["binh"] || got["ghost"] || got["root"] {
		t.Fatalf("the commune admin sees %v; want its commune's users only (and what was done to them)", got)
	}
}

// TestAuditLogKeepsTheScopesOfTheTime: a user's events are read by the
// administrators of the scope they had when each happened, so a user moved
// to another commune takes no history to its administrator and leaves none
// behind; the move itself is seen by both. Events of versions that did not
// record scopes are read by their users' scopes now.
func TestAuditLogKeepsTheScopesOfTheTime(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "hoa", hailong.RoleAdmin, "09190")
	e.addUser(t, "tuan", hailong.RoleAdmin, "07210")
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	e.clock.Advance(time.Minute)
	if _, _, err := e.svc.Login(ctx, "lan", pw, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	moved := "07210"
	if err := e.svc.UpdateUser(ctx, nil, "lan", nil, &moved, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if _, _, err := e.svc.Login(ctx, "lan", pw, "192.0.2.20"); err != nil {
		t.Fatal(err)
	}
	// An event as versions before scopes were recorded wrote it.
	e.clock.Advance(time.Minute)
	if _, err := e.raw.Collection("audit").InsertOne(ctx, bson.D{{Key: "at", Value: e.clock.Now()}, {Key: "actor", Value: "lan"},
		{Key: "action", Value: access.ActionLogout}, {Key: "target", Value: "lan"}, {Key: "ok", Value: true}}); err != nil {
		t.Fatal(err)
	}
	_, hoa := e.login(t, "hoa")
	_, tuan := e.login(t, "tuan")
	tests := []struct {
		name  string
		admin *hailong.Principal
		want  []string // lan's events, newest first, by action and address
	}{
		{"the commune lan left sees what lan did there and the move", hoa,
			[]string{"user.update ", "login 192.0.2.10", "user.add "}},
		{"the commune lan joined sees the move and what lan did since", tuan,
			[]string{"logout ", "login 192.0.2.20", "user.update "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := e.svc.AuditLog(ctx, tt.admin, time.Time{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range evs {
				if ev.Target == "lan" {
					got = append(got, ev.Action+" "+ev.Addr)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("lan's events %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAuditSaysFromWhere: an administrative act done while serving a
// request records the request's address, carried by the context.
func TestAuditSaysFromWhere(t *testing.T) {
	e := newEnv(t)
	ctx := access.WithAddr(context.Background(), "203.0.113.7")
	if err := e.svc.AddUser(ctx, nil, hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}, pw); err != nil {
		t.Fatal(err)
	}
	evs, err := e.svc.AuditLog(context.Background(), nil, time.Time{}, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("audit %+v %v", evs, err)
	}
	if evs[0].Addr != "203.0.113.7" || evs[0].Action != access.ActionUserAdd {
		t.Fatalf("event %+v, want user.add from 203.0.113.7", evs[0])
	}
}
