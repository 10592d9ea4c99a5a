package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"hailong/aggregator/bolt"
)

// RatingsIndexPath is where the rating index file of cfg lives:
// cfg.RatingsIndex, or ratings-index.bolt in the data directory; empty
// when neither is set (no index: re-sent ratings the recent memory forgot
// are looked up in the database).
func RatingsIndexPath(cfg Config) string {
	switch {
	case cfg.RatingsIndex != "":
		return cfg.RatingsIndex
	case cfg.DataDir != "":
		return filepath.Join(cfg.DataDir, "ratings-index.bolt")
	}
	return ""
}

// OpenRatingsIndex opens the rating index of cfg for db (see package seen),
// or returns nil when cfg names none. A file that cannot be opened is set
// aside and a new one started, which fills in the background.
func OpenRatingsIndex(ctx context.Context, cfg Config, db *DB, log *slog.Logger) (*bolt.Index, error) {
	path := RatingsIndexPath(cfg)
	if path == "" {
		return nil, nil
	}
	identity, err := db.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("rating index: %w", err)
	}
	idx, aside, err := bolt.Open(path, identity)
	if aside != "" {
		log.Error("the rating index could not be opened: set aside, and a new one is filled from the stored ratings", "path", path, "set_aside", aside)
	}
	return idx, err
}
