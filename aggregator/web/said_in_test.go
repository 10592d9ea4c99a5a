package web

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/assets"
	"hailong/hierarchy"
)

// TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese makes each refusal the
// access service gives the people and token pages, on the real service,
// and checks that a Vietnamese page says it in Vietnamese (saidIn), with
// its values, and an English page as the service wrote it.
func TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese(t *testing.T) {
	ctx := context.Background()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.ReadCSV(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 7, 15, 5, 0, 0, 0, time.UTC) }
	svc := access.New(access.Config{Store: ferrettest.Open(t), Units: func() *hierarchy.Tree { return tree }, Logger: slog.New(slog.DiscardHandler), Now: now})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	const good = "mot-mat-khau-dai-2026"
	add := func(u hailong.User) {
		if err := svc.AddUser(ctx, nil, u, good); err != nil {
			t.Fatal(err)
		}
	}
	add(hailong.User{Username: "quan.tri", Role: hailong.RoleAdmin, Scope: "24"})
	add(hailong.User{Username: "phuong", Role: hailong.RoleAdmin, Scope: "09190"})
	add(hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"})
	_, commune, err := svc.Login(ctx, "phuong", good, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, analyst, err := svc.Login(ctx, "lan", good, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	user := func(name, role, scope string) hailong.User {
		return hailong.User{Username: name, Role: role, Scope: scope}
	}
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"no such role", func() error { return svc.AddUser(ctx, commune, user("moi", "sep", "09190"), good) }},
		{"no such unit", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "99999"), good) }},
		{"a scope outside one's own", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09250"), good) }},
		{"a bad username", func() error { return svc.AddUser(ctx, commune, user("Not Valid!", hailong.RoleAnalyst, "09190"), good) }},
		{"a long name", func() error {
			u := user("moi", hailong.RoleAnalyst, "09190")
			u.Name = string(make([]byte, 201))
			return svc.AddUser(ctx, commune, u, good)
		}},
		{"a user who exists", func() error { return svc.AddUser(ctx, commune, user("lan", hailong.RoleAnalyst, "09190"), good) }},
		{"a short password", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "ngan") }},
		{"a long password", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), string(make([]rune, 257)))
		}},
		{"the username as password", func() error {
			return svc.AddUser(ctx, commune, user("moi.nguoi.dung", hailong.RoleAnalyst, "09190"), "moi.nguoi.dung")
		}},
		{"one kind of character", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "abcdefghijklm")
		}},
		{"few characters", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "ab12ab12ab12ab")
		}},
		{"a bad address", func() error { return svc.SetEmail(ctx, commune, "lan", "lan@") }},
		{"no such user", func() error { return svc.SetEmail(ctx, commune, "khong-co", "a@example.gov.vn") }},
		{"one's own account", func() error { d := true; return svc.UpdateUser(ctx, commune, "phuong", nil, nil, &d) }},
		{"a user above", func() error { d := true; return svc.UpdateUser(ctx, commune, "quan.tri", nil, nil, &d) }},
		{"no right", func() error { return svc.AddUser(ctx, analyst, user("moi", hailong.RoleAnalyst, "09190"), good) }},
		{"an unnamed token", func() error {
			_, _, err := svc.CreateToken(ctx, analyst, "lan", "", "", nil, now().Add(time.Hour))
			return err
		}},
		{"no such token", func() error { return svc.RevokeToken(ctx, analyst, "khong-co") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil {
				t.Fatal("not refused")
			}
			msgs := []string{hailong.ErrorMessage(err)}
			if fields := hailong.ErrorFields(err); len(fields) > 0 {
				msgs = nil
				for _, f := range fields {
					msgs = append(msgs, f.Message)
				}
			}
			for _, m := range msgs {
				if vi := saidIn("vi", m); vi == m {
					t.Errorf("%q is not said in Vietnamese", m)
				}
				if en := saidIn("en", m); en != m {
					t.Errorf("%q is said %q in English", m, en)
				}
			}
		})
	}
}
