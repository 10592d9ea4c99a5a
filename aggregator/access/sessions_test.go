package access_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	e.addUser(t, "tuan", hailong.RoleAnalyst, "09190")
	if err := e.svc.UpdateUser(ctx, nil, "tuan", nil, nil, ptr(true)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, password, code, detail string
	}{
		{"right password", "lan", pw, "", ""},
		{"user name in capitals", "LAN", pw, "", ""},
		{"wrong password", "lan", otherPw, hailong.EUNAUTHORIZED, "wrong username or password"},
		{"unknown account", "nobody", pw, hailong.EUNAUTHORIZED, "wrong username or password"},
		{"disabled account", "tuan", pw, hailong.EUNAUTHORIZED, "account disabled"},
		{"empty password", "lan", "", hailong.EUNAUTHORIZED, "wrong username or password"},
	}
	var failMsg string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, p, err := e.svc.Login(ctx, tt.user, tt.password, "192.0.2.7")
			wantCode(t, err, tt.code)
			if tt.code == "" {
				if tok == "" || p.Username != "lan" || p.Role != hailong.RoleAnalyst || p.Scope != "09190" || p.Via != "session" || !p.Can(hailong.PermMeasuresRead) {
					t.Fatalf("login: %q %+v", tok, p)
				}
				if got, err := e.svc.Session(ctx, tok); err != nil || got.Username != "lan" {
					t.Fatalf("session: %+v %v", got, err)
				}
				e.wantAudit(t, access.Event{Actor: "lan", Action: access.ActionLogin, Target: "lan", Addr: "192.0.2.7", OK: true})
				return
			}
			// One message whatever the reason: it must not tell whether
			// the account exists.
			if msg := hailong.ErrorMessage(err); failMsg == "" {
				failMsg = msg
			} else if msg != failMsg {
				t.Fatalf("message %q differs from %q", msg, failMsg)
			}
			if tok != "" || p != nil {
				t.Fatalf("failed login gave %q %+v", tok, p)
			}
			e.wantAudit(t, access.Event{Actor: tt.user, Action: access.ActionLogin, Target: tt.user, Addr: "192.0.2.7", Detail: tt.detail})
		})
	}
}

func TestLoginThrottle(t *testing.T) {
	ctx := context.Background()
	fail := func(t *testing.T, e *env, user, addr string) error {
		t.Helper()
		_, _, err := e.svc.Login(ctx, user, "wrong password 1", addr)
		return err
	}
	t.Run("per account, known or not alike", func(t *testing.T) {
		for _, user := range []string{"lan", "nobody"} {
			t.Run(user, func(t *testing.T) {
				e := newEnv(t)
				e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
				for i := range 5 { // from different addresses: the account counts
					wantCode(t, fail(t, e, user, "192.0.2."+string(rune('1'+i))), hailong.EUNAUTHORIZED)
				}
				_, _, err := e.svc.Login(ctx, user, pw, "198.51.100.1")
				wantCode(t, err, hailong.ERATELIMITED)
				msg := hailong.ErrorMessage(err)
				e.wantAudit(t, access.Event{Actor: user, Action: access.ActionLogin, Target: user, Detail: "throttled"})
				// Locked for a minute, then twice as long after the next failure.
				e.clock.Advance(time.Minute)
				wantCode(t, fail(t, e, user, "198.51.100.1"), hailong.EUNAUTHORIZED)
				e.clock.Advance(time.Minute + 59*time.Second)
				_, _, err = e.svc.Login(ctx, user, pw, "198.51.100.1")
				wantCode(t, err, hailong.ERATELIMITED)
				if hailong.ErrorMessage(err) != msg {
					t.Fatalf("throttle messages differ: %q, %q", msg, hailong.ErrorMessage(err))
				}
				e.clock.Advance(time.Second)
				_, _, err = e.svc.Login(ctx, user, pw, "198.51.100.1")
				if user == "nobody" {
					wantCode(t, err, hailong.EUNAUTHORIZED)
					return
				}
				wantCode(t, err, "")
				// A success resets the count: 5 more failures are allowed.
				for range 5 {
					wantCode(t, fail(t, e, user, "198.51.100.1"), hailong.EUNAUTHORIZED)
				}
				wantCode(t, fail(t, e, user, "198.51.100.1"), hailong.ERATELIMITED)
			})
		}
	})
	t.Run("lock-out grows to 15 minutes", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		for range 5 {
			fail(t, e, "lan", "192.0.2.1")
		}
		for range 8 { // 1, 2, 4, 8, 15, 15… minutes
			e.clock.Advance(15 * time.Minute)
			wantCode(t, fail(t, e, "lan", "192.0.2.1"), hailong.EUNAUTHORIZED)
		}
		e.clock.Advance(15*time.Minute - time.Second)
		wantCode(t, fail(t, e, "lan", "192.0.2.1"), hailong.ERATELIMITED)
	})
	t.Run("per address", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		for i := range 30 { // 30 accounts, one failure each
			wantCode(t, fail(t, e, "user"+string(rune('a'+i)), "203.0.113.9"), hailong.EUNAUTHORIZED)
			e.clock.Advance(10 * time.Second)
		}
		_, _, err := e.svc.Login(ctx, "lan", pw, "203.0.113.9")
		wantCode(t, err, hailong.ERATELIMITED)
		if _, _, err := e.svc.Login(ctx, "lan", pw, "203.0.113.10"); err != nil {
			t.Fatalf("another address is refused too: %v", err)
		}
		// The oldest failure leaves the 15-minute window 15 minutes after it.
		e.clock.Advance(15*time.Minute - 300*time.Second)
		_, _, err = e.svc.Login(ctx, "lan", pw, "203.0.113.9")
		wantCode(t, err, "")
	})
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	t.Run("idle", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		tok, _ := e.login(t, "lan")
		for range 3 { // each use renews the idle expiry
			e.clock.Advance(access.DefaultIdleTTL - time.Minute)
			if _, err := e.svc.Session(ctx, tok); err != nil {
				t.Fatalf("renewed session refused: %v", err)
			}
		}
		e.clock.Advance(access.DefaultIdleTTL)
		_, err := e.svc.Session(ctx, tok)
		wantCode(t, err, hailong.EUNAUTHORIZED)
	})
	t.Run("absolute", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		tok, _ := e.login(t, "lan")
		for elapsed := time.Duration(0); elapsed < access.DefaultSessionTTL-time.Hour; elapsed += time.Hour {
			e.clock.Advance(time.Hour)
			if _, err := e.svc.Session(ctx, tok); err != nil {
				t.Fatalf("after %s: %v", elapsed+time.Hour, err)
			}
		}
		e.clock.Advance(time.Hour)
		_, err := e.svc.Session(ctx, tok)
		wantCode(t, err, hailong.EUNAUTHORIZED)
	})
	t.Run("idle renewal survives a restart after a flush", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		tok, _ := e.login(t, "lan")
		e.clock.Advance(access.DefaultIdleTTL - time.Minute)
		if _, err := e.svc.Session(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		e.restart(t)
		e.clock.Advance(access.DefaultIdleTTL - time.Minute)
		if _, err := e.svc.Session(ctx, tok); err != nil {
			t.Fatalf("the renewal was not written behind: %v", err)
		}
	})
	t.Run("expired sessions are purged from the store", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		e.login(t, "lan")
		e.login(t, "lan")
		e.clock.Advance(access.DefaultIdleTTL)
		e.svc.Purge()
		if err := e.svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := e.raw.Collection("sessions").CountDocuments(ctx, map[string]any{}); err != nil || n != 0 {
			t.Fatalf("%d sessions stored (%v), want 0", n, err)
		}
	})
}

func TestSessionRevocation(t *testing.T) {
	ctx := context.Background()
	admin := &hailong.Principal{Username: "root", Role: hailong.RoleAdmin, Scope: "24", Permissions: hailong.AllPermissions(), Via: "session"}
	tests := []struct {
		name   string
		revoke func(t *testing.T, e *env, tok string, p *hailong.Principal)
		audit  access.Event
		// others: the user's other sessions end too
		others bool
	}{
		{"logout", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			if err := e.svc.Logout(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}, access.Event{Actor: "lan", Action: access.ActionLogout, Target: "lan", OK: true}, false},
		{"password change", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			fresh, err := e.svc.ChangePassword(ctx, p, pw, otherPw, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Session(ctx, fresh); err != nil {
				t.Fatalf("the fresh session is refused: %v", err)
			}
			if _, _, err := e.svc.Login(ctx, "lan", otherPw, "192.0.2.1"); err != nil {
				t.Fatalf("the new password is refused: %v", err)
			}
		}, access.Event{Actor: "lan", Action: access.ActionPasswordChange, Target: "lan", OK: true}, true},
		{"password reset", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			if err := e.svc.SetPassword(ctx, admin, "lan", otherPw); err != nil {
				t.Fatal(err)
			}
		}, access.Event{Actor: "root", Action: access.ActionPasswordSet, Target: "lan", OK: true}, true},
		{"role change", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			if err := e.svc.UpdateUser(ctx, admin, "lan", ptr(hailong.RoleManager), nil, nil); err != nil {
				t.Fatal(err)
			}
		}, access.Event{Actor: "root", Action: access.ActionUserUpdate, Target: "lan", Detail: "role=manager", OK: true}, true},
		{"scope change", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			if err := e.svc.UpdateUser(ctx, admin, "lan", nil, ptr("07210"), nil); err != nil {
				t.Fatal(err)
			}
		}, access.Event{Actor: "root", Action: access.ActionUserUpdate, Target: "lan", Detail: "scope=07210", OK: true}, true},
		{"disable", func(t *testing.T, e *env, tok string, p *hailong.Principal) {
			if err := e.svc.UpdateUser(ctx, admin, "lan", nil, nil, ptr(true)); err != nil {
				t.Fatal(err)
			}
		}, access.Event{Actor: "root", Action: access.ActionUserUpdate, Target: "lan", Detail: "disabled=true", OK: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
			e.addUser(t, "binh", hailong.RoleAnalyst, "09190")
			tok, p := e.login(t, "lan")
			other, _ := e.login(t, "lan")
			bystander, _ := e.login(t, "binh")
			tt.revoke(t, e, tok, p)
			for _, s := range e.nowAndAfterRestart(t) { // now, and after a restart
				if _, err := s.Session(ctx, tok); hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
					t.Fatalf("session still accepted: %v", err)
				}
				if _, err := s.Session(ctx, other); tt.others != (hailong.ErrorCode(err) == hailong.EUNAUTHORIZED) {
					t.Fatalf("the user's other session: %v, want ended %v", err, tt.others)
				}
				if _, err := s.Session(ctx, bystander); err != nil {
					t.Fatalf("another user's session ended: %v", err)
				}
			}
			e.wantAudit(t, tt.audit)
		})
	}
}

func TestChangePasswordRefusals(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	tok, p := e.login(t, "lan")
	tests := []struct {
		name        string
		p           *hailong.Principal
		old, new    string
		code        string
		auditDetail string
	}{
		{"wrong current password", p, otherPw, "another pass 99", hailong.EINVALID, "wrong current password"},
		{"new password too short", p, pw, "short1", hailong.EINVALID, "policy"},
		{"new password of one kind", p, pw, "abcdefghijklmnop", hailong.EINVALID, "policy"},
		{"through an API token", &hailong.Principal{Username: "lan", Via: "token"}, pw, otherPw, hailong.EFORBIDDEN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.ChangePassword(ctx, tt.p, tt.old, tt.new, "192.0.2.1")
			wantCode(t, err, tt.code)
			if _, err := e.svc.Session(ctx, tok); err != nil {
				t.Fatalf("a refused change ended the session: %v", err)
			}
			if tt.auditDetail != "" {
				e.wantAudit(t, access.Event{Actor: "lan", Action: access.ActionPasswordChange, Target: "lan", Detail: tt.auditDetail})
			}
		})
	}
}

// failingDeletes is the real store, except that deleting sessions fails.
type failingDeletes struct{ access.Store }

func (failingDeletes) DeleteSessions(context.Context, []string) error {
	return errors.New("disk full")
}

func TestGenerationEndsSessionsTheStoreKept(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.cfg.Store = failingDeletes{e.db}
	e.restart(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	tok, _ := e.login(t, "lan")
	if err := e.svc.UpdateUser(ctx, nil, "lan", ptr(hailong.RoleManager), nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range e.nowAndAfterRestart(t) { // the stored session survived
		_, err := s.Session(ctx, tok)
		wantCode(t, err, hailong.EUNAUTHORIZED)
	}
}

func TestSessionOfAUserDisabledInTheDatabase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	tok, _ := e.login(t, "lan")
	// An operator disables the account in the database by hand, leaving
	// the generation as it was.
	us, err := e.db.Users(ctx)
	if err != nil || len(us) != 1 {
		t.Fatal(us, err)
	}
	us[0].Disabled = true
	if err := e.db.PutUser(ctx, us[0]); err != nil {
		t.Fatal(err)
	}
	_, err = e.restart(t).Session(ctx, tok)
	wantCode(t, err, hailong.EUNAUTHORIZED)
}

func TestFailedLoginNamesAreSanitisedInTheAuditLog(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.svc.Login(context.Background(), "root\nOK login admin "+strings.Repeat("x", 500), pw, "192.0.2.1")
	wantCode(t, err, hailong.EUNAUTHORIZED)
	evs := e.audit(t)
	if len(evs) != 1 || strings.ContainsAny(evs[0].Actor, "\n\r") || len(evs[0].Actor) > 70 {
		t.Fatalf("audit %+v", evs)
	}
}

func TestLoginExternal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	e.addUser(t, "tuan", hailong.RoleAnalyst, "09190")
	if err := e.svc.UpdateUser(ctx, nil, "tuan", nil, nil, ptr(true)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, code string
	}{
		{"existing account", "lan", ""},
		{"another case", "Lan", hailong.EUNAUTHORIZED},
		{"unknown account", "nobody", hailong.EUNAUTHORIZED},
		{"disabled account", "tuan", hailong.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, p, err := e.svc.LoginExternal(ctx, tt.user, "192.0.2.3")
			wantCode(t, err, tt.code)
			name := tt.user
			e.wantAudit(t, access.Event{Actor: name, Action: access.ActionLoginExternal, Target: name, Addr: "192.0.2.3", OK: tt.code == ""})
			if tt.code != "" {
				return
			}
			if got, err := e.svc.Session(ctx, tok); err != nil || got.Username != "lan" || p.Scope != "09190" {
				t.Fatalf("session %+v %v", got, err)
			}
		})
	}
}

// A provider's name reaches the local account it spells exactly, or none:
// it is not case-folded or trimmed, since a name the provider holds distinct
// from "kim" (its names may be case-sensitive, or editable by their owner)
// must not sign in as kim.
func TestExternalNamesAreNotFoldedOntoLocalAccounts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "kim", hailong.RoleAdmin, "24")
	for _, name := range []string{"\u212Aim", "KİM", " kim\u00a0", "Kim", " kim"} {
		_, p, err := e.svc.LoginExternal(ctx, name, "192.0.2.9")
		if err == nil || p != nil {
			t.Errorf("%q signed in as %s", name, p.Username)
			continue
		}
		wantCode(t, err, hailong.EUNAUTHORIZED)
		if got := hailong.ErrorMessage(err); got != "There is no enabled account for this identity." {
			t.Fatalf("%q: refusal %q, want the generic one", name, got)
		}
	}
	if _, p, err := e.svc.LoginExternal(ctx, "kim", "192.0.2.9"); err != nil || p.Username != "kim" {
		t.Fatalf("kim: %+v %v", p, err)
	}
}
