package access_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/synth"
	"hailong/hierarchy"
)

// The per-request costs of authentication, all from memory:
//
//	go test -run XXX -bench . -benchmem ./aggregator/access/
func BenchmarkPerRequest(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	if err := e.svc.AddUser(ctx, nil, hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}, pw); err != nil {
		b.Fatal(err)
	}
	tok, _, err := e.svc.Login(ctx, "lan", pw, "192.0.2.1")
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := e.svc.CreateToken(ctx, nil, "lan", "bench", "", nil, e.clock.Now().Add(24*time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.svc.Session(ctx, tok)
	if err != nil {
		b.Fatal(err)
	}
	asOf := hailong.DateOf(e.clock.Now())
	b.Run("Session", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.svc.Session(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Bearer", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.svc.Bearer(ctx, "Bearer "+secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InScope", func(b *testing.B) {
		for b.Loop() {
			if !e.svc.InScope(p, "MC-256", asOf) {
				b.Fatal("not in scope")
			}
		}
	})
	b.Run("InScope, 100 dates", func(b *testing.B) {
		i := 0
		for b.Loop() {
			e.svc.InScope(p, fmt.Sprint(i), asOf-hailong.Date(i%100))
			i++
		}
	})
}

// BenchmarkScopeOfADate measures the first question about a new date in a
// large province (the synthetic one): computing the scope's codes.
func BenchmarkScopeOfADate(b *testing.B) {
	tree, err := hierarchy.New(synth.Units())
	if err != nil {
		b.Fatal(err)
	}
	cur := tree
	svc := access.New(access.Config{Store: nil, Units: func() *hierarchy.Tree { return cur }})
	p := &hailong.Principal{Scope: tree.Roots(hailong.DateOf(time.Now()))[0].Code}
	b.Logf("%d unit records, scope %s", len(tree.Records()), p.Scope)
	d := hailong.DateFromYMD(2024, 1, 1)
	for b.Loop() {
		// A new tree each time: nothing cached, as for a date asked first.
		b.StopTimer()
		cur, _ = hierarchy.New(tree.Records())
		b.StartTimer()
		svc.InScope(p, "x", d)
	}
}

// BenchmarkHashPassword is what one sign-in's password check costs: an
// argon2id hash with the stored parameters (48–68 ms on the build machine: README, "Accounts and access").
//
//	go test -run XXX -bench HashPassword -benchtime 20x ./aggregator/access/
func BenchmarkHashPassword(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := access.HashPassword(ctx, "kinh bac 2026 !"); err != nil {
			b.Fatal(err)
		}
	}
}
