package mongodb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret/ferrettest"
)

// BenchmarkPutUser measures replacing one user by _id among 500, the cost
// of every change of a user (a scan on FerretDB).
func BenchmarkPutUser(b *testing.B) {
	ctx := context.Background()
	db := ferrettest.Open(b)
	for i := range 500 {
		u := hailong.User{Username: fmt.Sprintf("user%03d", i), Role: "analyst", Scope: "24", PasswordHash: "$argon2id$…", Created: time.Now()}
		if err := db.AddUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	u := hailong.User{Username: "user250", Role: "manager", Scope: "24", Created: time.Now()}
	for b.Loop() {
		u.Generation++
		if err := db.PutUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlushSessions measures the write-behind of 100 sessions' activity
// among 1,000 stored: what a busy minute costs.
func BenchmarkFlushSessions(b *testing.B) {
	ctx := context.Background()
	db := ferrettest.Open(b)
	var ss []access.Session
	now := time.Now()
	for i := range 1000 {
		s := access.Session{ID: fmt.Sprintf("%064x", i), Username: "lan", Created: now, Expires: now.Add(time.Hour), Seen: now}
		if err := db.AddSession(ctx, s); err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			ss = append(ss, s)
		}
	}
	for b.Loop() {
		if err := db.PutSessions(ctx, ss); err != nil {
			b.Fatal(err)
		}
	}
}
