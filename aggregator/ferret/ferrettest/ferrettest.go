// Package ferrettest gives tests a real MongoDB-protocol database: the
// embedded FerretDB in a temporary directory.
package ferrettest

import (
	"context"
	"log/slog"
	"testing"

	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
)

// Open starts FerretDB in a temporary directory and connects to it; both
// are closed when the test ends.
func Open(t testing.TB) *mongodb.DB {
	t.Helper()
	db, _ := OpenDir(t, t.TempDir())
	return db
}

// OpenDir is Open on a given directory, returning a close function for
// tests that reopen the same files.
func OpenDir(t testing.TB, dir string) (*mongodb.DB, func()) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	emb, err := ferret.Start(ctx, dir, log)
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	db, err := mongodb.Open(ctx, emb.URI(), "hailong_test")
	if err != nil {
		emb.Close()
		t.Fatalf("connect to FerretDB: %v", err)
	}
	closed := false
	closeFn := func() {
		if !closed {
			closed = true
			db.Close(ctx)
			emb.Close()
		}
	}
	t.Cleanup(closeFn)
	return db, closeFn
}
