package ingest_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// gatedFlags holds the settle's flags until released.
type gatedFlags struct {
	*journalStore
	release chan struct{}
}

func (g *gatedFlags) AddDossierFlags(ctx context.Context, dossiers []string) error {
	if len(dossiers) > 0 {
		<-g.release
	}
	return g.journalStore.AddDossierFlags(ctx, dossiers)
}

// TestSettledFlagReachesTheBook: Start settles a crash's unsettled inserts
// in the background, so a settled rating's flag may be written while the
// book is read and opened, before SetOnUnhappy. The book is told of it
// when SetOnUnhappy is set, counts the dossier bad, and the clean stop's
// save holds the flag.
func TestSettledFlagReachesTheBook(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	store := &journalStore{DB: db}
	in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	u := unhappy(1, time.Now())
	store.mu.Lock()
	store.insertThenFail = true
	store.mu.Unlock()
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{u}); err == nil {
		t.Fatal("the injected fault should fail the upload")
	}
	closeDB() // a crash: the insert is stored, its claim unsettled

	db, closeDB = ferrettest.OpenDir(t, dir)
	defer closeDB()
	g := &gatedFlags{journalStore: &journalStore{DB: db}, release: make(chan struct{})}
	in = ingest.New(ingest.Config{Store: g, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	book, err := outcomes.Read(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := book.Open(ctx); err != nil {
		t.Fatal(err)
	}
	day := hailong.DateOf(u.At)
	if _, err := book.Report(ctx, []hailong.Outcome{{Dossier: u.Dossier, Unit: u.Unit, Received: day, Due: day, Returned: &day}},
		func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	close(g.release)                           // the settle's flag lands now, during Open in the app
	if err := in.Checkpoint(ctx); err != nil { // waits for the settle
		t.Fatal(err)
	}
	in.SetOnUnhappy(book.MarkUnhappy)
	if got := book.Query([]string{u.Unit}, day, day, rollup.Filter{}); got.Dossiers != 1 || got.Bad != 1 {
		t.Errorf("the dossier in the book: %+v, want one, bad (its rating was settled not satisfied)", got)
	}
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := book.Save(ctx); err != nil {
		t.Fatal(err)
	}
	closeDB()

	db, closeDB = ferrettest.OpenDir(t, dir)
	var flags []string
	add := func(d string) { flags = append(flags, d) }
	if _, err := db.ScanDossierFlags(ctx, add, add); err != nil {
		t.Fatal(err)
	}
	if len(flags) != 1 || flags[0] != u.Dossier {
		t.Errorf("flags after the clean stop: %v, want [%s] (the rating is stored and counted)", flags, u.Dossier)
	}
}
