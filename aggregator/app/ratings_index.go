package app

import (
	"context"
	"crypto/rand"
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
	if err != nil {
		return nil, err
	}
	if err := takeIndex(ctx, db, idx, log); err != nil {
		idx.Close()
		return nil, fmt.Errorf("rating index: %w", err)
	}
	return idx, nil
}

// takeIndex makes this start the owner of the index, and has it filled
// again if another aggregator wrote to the database since this file's
// last owner did (a standby's turn): what that one stored is not in the
// file. Either write may be lost in a crash: the tokens then differ and
// the next start fills the index again, which is safe.
func takeIndex(ctx context.Context, db *DB, idx *bolt.Index, log *slog.Logger) error {
	last, err := db.RatingIndexOwner(ctx)
	if err != nil {
		return err
	}
	mine, err := idx.Owner()
	if err != nil {
		return err
	}
	if complete, err := idx.Complete(); err != nil {
		return err
	} else if complete && mine != last {
		log.Warn("another aggregator wrote to the database since this rating index was last used; it is filled again from the stored ratings")
		if err := idx.SetComplete(false); err != nil {
			return err
		}
	}
	token := rand.Text()
	if err := db.SetRatingIndexOwner(ctx, token); err != nil {
		return err
	}
	return idx.SetOwner(token)
}
