package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"hailong/aggregator/ferret/ferrettest"
)

// TestRatingIndexAfterAnotherOwner: an index file kept complete across its
// own aggregator's restarts is filled again once another aggregator (a
// standby, with its own file) has written to the database meanwhile.
func TestRatingIndexAfterAnotherOwner(t *testing.T) {
	ctx := context.Background()
	db := &DB{DB: ferrettest.Open(t)}
	log := slog.New(slog.DiscardHandler)
	primary := Config{RatingsIndex: filepath.Join(t.TempDir(), "primary.bolt")}
	standby := Config{RatingsIndex: filepath.Join(t.TempDir(), "standby.bolt")}
	complete := func(t *testing.T, cfg Config, fill bool) bool {
		t.Helper()
		idx, err := OpenRatingsIndex(ctx, cfg, db, log)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		c, err := idx.Complete()
		if err != nil {
			t.Fatal(err)
		}
		if fill { // as the start's fill does
			if err := idx.SetComplete(true); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	steps := []struct {
		name         string
		cfg          Config
		wantComplete bool
	}{
		{"the primary's first start", primary, false},
		{"the primary starts again", primary, true},
		{"the standby takes over", standby, false},
		{"the primary takes back over", primary, false},
		{"and starts again", primary, true},
	}
	for _, s := range steps {
		if got := complete(t, s.cfg, true); got != s.wantComplete {
			t.Fatalf("%s: the index is complete %v, want %v", s.name, got, s.wantComplete)
		}
	}
}
