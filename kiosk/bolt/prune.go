package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pruneBatch is how many ratings one pruning transaction removes at most,
// so that a long backlog never makes one huge commit. On a nearly full disk
// even a deletion needs new pages (bbolt copies what it changes), so a
// failed batch is retried smaller, down to minPruneBatch: each commit frees
// pages for the next.
const (
	pruneBatch    = 256
	minPruneBatch = 4
)

// Prune removes the ratings synced before the given time and returns how
// many it removed. Each leaves a tombstone (its id and the digest of its
// submission, about 85 bytes against a rating's 400 or more), so that a
// re-sent id is still answered as already recorded, or as a conflict,
// rather than recorded and uploaded again. Space freed inside the file is
// reused by bbolt for new ratings at once; Compact gives it back to the
// file system.
func (o *Outbox) Prune(before time.Time) (int, error) {
	var total int
	cutoff := u64(uint64(before.UnixNano()))
	// Nothing to prune writes nothing: a write transaction committing no
	// change still succeeds on a full disk, and a success clears the
	// failure Writable and Stats report (pruning runs every few seconds).
	var due bool
	if err := o.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketSynced).Cursor().First()
		due = k != nil && bytes.Compare(k[:8], cutoff) < 0
		return nil
	}); err != nil || !due {
		return 0, err
	}
	batch := pruneBatch
	for more := true; more; {
		var n int
		err := o.update(func(tx *bolt.Tx) error {
			n = 0
			ratings, synced, pruned := tx.Bucket(bucketRatings), tx.Bucket(bucketSynced), tx.Bucket(bucketPruned)
			var keys [][]byte
			c := synced.Cursor()
			for k, _ := c.First(); k != nil && len(keys) < batch && bytes.Compare(k[:8], cutoff) < 0; k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			more = len(keys) == batch
			for _, k := range keys {
				if err := synced.Delete(k); err != nil {
					return err
				}
				id := k[8:]
				raw := ratings.Get(id)
				if raw == nil {
					continue
				}
				s, err := decode(id, raw)
				if err != nil {
					if err := quarantine(tx, id, 0, bucketRatings, bytes.Clone(raw), err); err != nil {
						return err
					}
					continue
				}
				// The time stays so that a second rating of its dossier
				// can be told when the first was given (RatedAt).
				if err := pruned.Put(id, append(s.Submitted[:], u64(uint64(s.Rating.At.UnixNano()))...)); err != nil {
					return err
				}
				if err := ratings.Delete(id); err != nil {
					return err
				}
				n++
			}
			return addCount(tx, keyPruned, int64(n))
		})
		if err != nil {
			if batch > minPruneBatch {
				batch, more = batch/2, true
				continue
			}
			return total, fmt.Errorf("prune synced ratings: %w", err)
		}
		total += n
	}
	return total, nil
}

// Reclaimable returns how many bytes of the file hold no data, what
// Compact would give back to the file system, and the file's size.
func (o *Outbox) Reclaimable() (free, size int64, err error) {
	err = o.view(func(tx *bolt.Tx) error {
		info, err := os.Stat(o.path)
		if err != nil {
			return err
		}
		st := tx.DB().Stats()
		used := tx.Size() - int64(st.FreePageN+st.PendingPageN)*int64(tx.DB().Info().PageSize)
		free, size = max(info.Size()-used, 0), info.Size()
		return nil
	})
	return free, size, err
}

// compactSuffix names the copy Compact writes before renaming it into place.
const compactSuffix = ".compact"

// ErrReopen is wrapped by Compact's error when the compacted file could
// not be opened again: the outbox is closed and records nothing until the
// process starts again (Open then finds the file, or refuses it with a
// clear message). The node ends with it, so that its supervisor restarts
// it rather than leave it answering 503 for ever.
var ErrReopen = errors.New("the outbox could not be opened again after compaction")

// openAgain opens the file once compacted; a test makes it fail.
var openAgain = openDB

// compactStep is called after each step of Compact; a test makes it fail
// to stop there as a crash would, leaving the files as they are.
var compactStep = func(step string) error { return nil }

// Compact rewrites the outbox into a new file holding only its data and
// renames it over the old one, giving the space of pruned ratings back to
// the file system. Recording waits meanwhile, so the node calls it when it
// is quiet. Every step leaves a whole outbox at the path: the copy is
// written and synced under another name, checked, and renamed in one step;
// Open removes a copy left by a crash before the rename. If the copy cannot
// be made (a full disk), the old file stays in use. If the file cannot be
// opened again once closed, the error wraps ErrReopen.
func (o *Outbox) Compact() (err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tmp := o.path + compactSuffix
	var dst *bolt.DB
	crashed := func(step string) bool {
		if compactStep(step) == nil {
			return false
		}
		err = fmt.Errorf("compaction stopped after %s", step)
		if dst != nil {
			dst.Close()
		}
		o.db.Close()
		return true
	}
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	abandon := func(err error) error {
		if dst != nil {
			dst.Close()
		}
		os.Remove(tmp)
		return fmt.Errorf("compact outbox: %w", err)
	}
	if dst, err = bolt.Open(tmp, 0o600, &bolt.Options{Timeout: lockTimeout}); err != nil {
		dst = nil
		return abandon(err)
	}
	if err := bolt.Compact(dst, o.db, 1<<20); err != nil {
		return abandon(err)
	}
	if crashed("copied") {
		return err
	}
	if err := dst.Close(); err != nil {
		dst = nil
		return abandon(err)
	}
	dst = nil
	if err := syncFile(tmp); err != nil {
		return abandon(err)
	}
	if err := checkFile(tmp); err != nil {
		return abandon(err)
	}
	if crashed("checked") {
		return err
	}
	if err := o.db.Close(); err != nil {
		return abandon(err)
	}
	if crashed("closed") {
		return err
	}
	reopen := func() error {
		db, err := openAgain(o.path, false)
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrReopen, err)
			o.setErr(err)
			return err
		}
		o.db = db
		return nil
	}
	if err := os.Rename(tmp, o.path); err != nil {
		os.Remove(tmp)
		return errors.Join(fmt.Errorf("compact outbox: %w", err), reopen())
	}
	if crashed("renamed") {
		return err
	}
	if err := syncDir(filepath.Dir(o.path)); err != nil {
		return errors.Join(fmt.Errorf("compact outbox: %w", err), reopen())
	}
	if crashed("synced") {
		return err
	}
	return reopen()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
