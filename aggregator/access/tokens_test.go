package access_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/access"
)

func analystPrincipal(t *testing.T, e *env, name string) *hailong.Principal {
	t.Helper()
	_, p := e.login(t, name)
	return p
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	lan := analystPrincipal(t, e, "lan")
	expires := e.clock.Now().Add(90 * 24 * time.Hour)
	secret, tok, err := e.svc.CreateToken(ctx, lan, "lan", "bi", "", nil, expires)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "hlt_"+tok.ID+"_") || tok.Scope != "09190" || tok.Owner != "lan" {
		t.Fatalf("token %q %+v", secret, tok)
	}
	e.wantAudit(t, access.Event{Actor: "lan", Action: access.ActionTokenAdd, Target: "lan", Detail: "id=" + tok.ID, OK: true})

	t.Run("hashed at rest, shown once", func(t *testing.T) {
		doc := e.storedToken(t, tok.ID)
		raw, _ := bson.Marshal(doc)
		plain := secret[len("hlt_"+tok.ID+"_"):]
		if bytes.Contains(raw, []byte(plain)) {
			t.Fatal("the secret is stored in clear")
		}
		want := sha256.Sum256([]byte(plain))
		if got, ok := doc["secret_sha256"].(bson.Binary); !ok || !bytes.Equal(got.Data, want[:]) {
			t.Fatalf("stored hash %v, want SHA-256 of the secret", doc["secret_sha256"])
		}
		list, err := e.svc.Tokens(ctx, lan, "lan")
		if err != nil || len(list) != 1 || list[0].ID != tok.ID {
			t.Fatalf("tokens: %+v %v", list, err)
		}
		if s := fmt.Sprintf("%+v", list); strings.Contains(s, plain) {
			t.Fatal("the listing shows the secret")
		}
	})
	t.Run("bearer", func(t *testing.T) {
		p, err := e.svc.Bearer(ctx, "Bearer "+secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Username != "lan" || p.Via != "token" || p.TokenID != tok.ID || p.Scope != "09190" || !p.Can(hailong.PermMeasuresRead) {
			t.Fatalf("principal %+v", p)
		}
	})
	t.Run("bad tokens", func(t *testing.T) {
		id := tok.ID
		plain := secret[len("hlt_"+id+"_"):]
		flipped := []byte(plain)
		flipped[5] ^= 1
		for _, h := range []string{"", "Bearer", "Basic " + secret, "Bearer hlt_", "Bearer " + secret + "x",
			"Bearer hlt_" + id + "_" + string(flipped), "Bearer hlt_0000000000000000_" + plain} {
			_, err := e.svc.Bearer(ctx, h)
			wantCode(t, err, hailong.EUNAUTHORIZED)
		}
	})
	t.Run("last use recorded after flush", func(t *testing.T) {
		if _, ok := e.storedToken(t, tok.ID)["last_used"]; ok {
			t.Fatal("last use written before the flush: a database write per request")
		}
		if err := e.svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		lu, ok := e.storedToken(t, tok.ID)["last_used"].(bson.DateTime)
		if !ok || !lu.Time().Equal(e.clock.Now()) {
			t.Fatalf("last_used %v, want %v", lu, e.clock.Now())
		}
		list, _ := e.svc.Tokens(ctx, lan, "lan")
		if list[0].LastUsed == nil {
			t.Fatal("listing lacks the last use")
		}
	})
	t.Run("survives a restart", func(t *testing.T) {
		e.restart(t)
		if _, err := e.svc.Bearer(ctx, "Bearer "+secret); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expires", func(t *testing.T) {
		e.clock.Advance(90*24*time.Hour - time.Second)
		if _, err := e.svc.Bearer(ctx, "Bearer "+secret); err != nil {
			t.Fatalf("refused before expiry: %v", err)
		}
		e.clock.Advance(time.Second)
		_, err := e.svc.Bearer(ctx, "Bearer "+secret)
		wantCode(t, err, hailong.EUNAUTHORIZED)
	})
}

func TestTokenRevocation(t *testing.T) {
	ctx := context.Background()
	admin := &hailong.Principal{Username: "root", Role: hailong.RoleAdmin, Scope: "24", Permissions: hailong.AllPermissions(), Via: "session"}
	tests := []struct {
		name   string
		revoke func(t *testing.T, e *env, id string)
		audit  *access.Event
	}{
		{"revoked by its owner", func(t *testing.T, e *env, id string) {
			if err := e.svc.RevokeToken(ctx, analystPrincipal(t, e, "lan"), id); err != nil {
				t.Fatal(err)
			}
		}, &access.Event{Actor: "lan", Action: access.ActionTokenRevoke, Target: "lan", OK: true}},
		{"revoked by an admin", func(t *testing.T, e *env, id string) {
			if err := e.svc.RevokeToken(ctx, admin, id); err != nil {
				t.Fatal(err)
			}
		}, &access.Event{Actor: "root", Action: access.ActionTokenRevoke, Target: "lan", OK: true}},
		{"owner disabled", func(t *testing.T, e *env, id string) {
			if err := e.svc.UpdateUser(ctx, admin, "lan", nil, nil, ptr(true)); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"owner moved out of the token's scope", func(t *testing.T, e *env, id string) {
			if err := e.svc.UpdateUser(ctx, admin, "lan", nil, ptr("07210"), nil); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
			secret, tok, err := e.svc.CreateToken(ctx, nil, "lan", "bi", "", nil, e.clock.Now().Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			tt.revoke(t, e, tok.ID)
			for _, s := range e.nowAndAfterRestart(t) {
				_, err := s.Bearer(ctx, "Bearer "+secret)
				wantCode(t, err, hailong.EUNAUTHORIZED)
			}
			if tt.audit != nil {
				e.wantAudit(t, *tt.audit)
				if doc := e.storedToken(t, tok.ID); doc["revoked"] != true {
					t.Fatalf("stored token not revoked: %v", doc)
				}
			}
		})
	}
	t.Run("owner demoted: the token loses the rights", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleManager, "09190")
		secret, _, err := e.svc.CreateToken(ctx, nil, "lan", "bi", "", nil, e.clock.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.UpdateUser(ctx, admin, "lan", ptr(hailong.RoleAnalyst), nil, nil); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Bearer(ctx, "Bearer "+secret)
		if err != nil {
			t.Fatal(err)
		}
		if p.Can(hailong.PermCommentsRead) || !p.Can(hailong.PermMeasuresRead) {
			t.Fatalf("permissions %v after demotion to analyst", p.Permissions)
		}
	})
}

func TestCreateTokenRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
	e.addUser(t, "binh", hailong.RoleAnalyst, "07210")
	e.addUser(t, "hoa", hailong.RoleAdmin, "09190")
	lan := analystPrincipal(t, e, "lan")
	hoa := analystPrincipal(t, e, "hoa")
	province := &hailong.Principal{Username: "root", Role: hailong.RoleAdmin, Scope: "24", Permissions: hailong.AllPermissions(), Via: "session"}
	now := e.clock.Now()
	day := 24 * time.Hour
	tests := []struct {
		name         string
		actor        *hailong.Principal
		owner, scope string
		perms        []hailong.Permission
		expires      time.Time
		code         string
	}{
		{"own, narrower scope", lan, "lan", "TT-09190", nil, now.Add(day), ""},
		{"own, fewer permissions", lan, "lan", "", []hailong.Permission{hailong.PermMeasuresRead}, now.Add(day), ""},
		{"own, wider scope", lan, "lan", "24", nil, now.Add(day), hailong.EINVALID},
		{"own, sibling scope", lan, "lan", "07210", nil, now.Add(day), hailong.EINVALID},
		{"own, more permissions than the role", lan, "lan", "", []hailong.Permission{hailong.PermCommentsRead}, now.Add(day), hailong.EINVALID},
		{"no expiry", lan, "lan", "", nil, time.Time{}, hailong.EINVALID},
		{"expired", lan, "lan", "", nil, now.Add(-time.Second), hailong.EINVALID},
		{"over a year", lan, "lan", "", nil, now.Add(367 * day), hailong.EINVALID},
		{"for another user, without users.manage", lan, "binh", "", nil, now.Add(day), hailong.EFORBIDDEN},
		{"for an unknown user, without users.manage", lan, "ghost", "", nil, now.Add(day), hailong.EFORBIDDEN},
		{"admin for a user in scope", hoa, "lan", "", nil, now.Add(day), ""},
		{"admin for a user out of scope", hoa, "binh", "", nil, now.Add(day), hailong.EFORBIDDEN},
		{"province admin for any commune user", province, "binh", "", nil, now.Add(day), ""},
		{"through a token", &hailong.Principal{Username: "lan", Permissions: lan.Permissions, Via: "token"}, "lan", "", nil, now.Add(day), hailong.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, _, err := e.svc.CreateToken(ctx, tt.actor, tt.owner, "t", tt.scope, tt.perms, tt.expires)
			wantCode(t, err, tt.code)
			if (secret != "") != (tt.code == "") {
				t.Fatalf("secret %q with error %v", secret, err)
			}
			if tt.code != "" { // the refusal records what was asked, not an empty token
				asked := `name="t" scope=` + cmp.Or(tt.scope, "(the owner's)") + " expires="
				if tt.expires.IsZero() {
					asked += "(none)"
				} else {
					asked += tt.expires.UTC().Format(time.RFC3339)
				}
				e.wantAudit(t, access.Event{Actor: tt.actor.Username, Action: access.ActionTokenAdd, Target: tt.owner, Detail: asked + " error=", OK: false})
			}
		})
	}
	t.Run("listing and revoking others' tokens", func(t *testing.T) {
		_, binhTok, err := e.svc.CreateToken(ctx, nil, "binh", "t", "", nil, now.Add(day))
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.svc.RevokeToken(ctx, lan, binhTok.ID), hailong.EFORBIDDEN)
		wantCode(t, e.svc.RevokeToken(ctx, hoa, binhTok.ID), hailong.EFORBIDDEN)
		_, err = e.svc.Tokens(ctx, lan, "binh")
		wantCode(t, err, hailong.EFORBIDDEN)
		all, err := e.svc.Tokens(ctx, hoa, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range all {
			if tk.Owner == "binh" {
				t.Fatal("a commune admin sees the token of a user outside the commune")
			}
		}
	})
}
