package app_test

import (
	"context"
	"log/slog"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"hailong/aggregator/app"
	"hailong/aggregator/outcomes"
)

func TestZZProfileBook(t *testing.T) {
	dir := os.Getenv("ZZ_DATA")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	db, err := app.OpenDB(ctx, app.Config{DataDir: dir}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, _ := os.Create("/tmp/book.prof")
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	b, err := outcomes.Read(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := b.Open(ctx); err != nil {
		t.Fatal(err)
	}
	pprof.StopCPUProfile()
	t.Logf("read %s, open %s, dossiers %d", t1.Sub(t0), time.Since(t1), b.Dossiers())
}
