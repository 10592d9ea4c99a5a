package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrUnusable marks an outbox file Open refused: it exists but cannot be
// opened or fails the consistency check. The file is left as it was.
var ErrUnusable = errors.New("outbox file unusable")

// ErrInUse is returned when another process (the running node) holds the
// outbox file.
var ErrInUse = errors.New("outbox file in use by another process")

// lockTimeout is how long Open waits for another process to let go of the
// file: bbolt lets one process at a time open it.
const lockTimeout = 2 * time.Second

// Open opens the outbox file, creating it if there is none. An existing
// file must pass bbolt's consistency check; one that does not, or that is
// empty, is refused with an error wrapping ErrUnusable and is not touched:
// only a file this code created, under a temporary name renamed into place
// once initialised, is ever taken as new.
func Open(path string) (*Outbox, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(path + compactSuffix); err == nil {
			return nil, unusable(path, fmt.Errorf("it is missing but a compacted copy %s%s exists", path, compactSuffix))
		}
		if err := create(path); err != nil {
			return nil, fmt.Errorf("create outbox %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("open outbox %s: %w", path, err)
	case info.Size() == 0:
		return nil, unusable(path, errors.New("it is empty (0 bytes), which no outbox this node wrote ever is"))
	default:
		// A compacted copy left by a crash before its rename is incomplete
		// or redundant: the original is still whole.
		if err := os.Remove(path + compactSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove stale compacted copy: %w", err)
		}
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	if err := db.Update(initBuckets); err != nil {
		db.Close()
		return nil, fmt.Errorf("init outbox %s: %w", path, err)
	}
	return &Outbox{path: path, db: db}, nil
}

func unusable(path string, err error) error {
	return fmt.Errorf("%w: %s: %w. It was left untouched. Stop here and keep a copy of it: restore the outbox "+
		"from a backup, or, if it holds nothing worth keeping, move it away and start again to begin an empty one "+
		"(ratings still queued in it would not reach the aggregator)", ErrUnusable, path, err)
}

// create makes a new outbox under a temporary name and renames it into
// place once it is initialised and on disk, so a crash while creating never
// leaves a file Open would take for an outbox.
func create(path string) error {
	tmp := path + ".new"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	if err := db.Update(initBuckets); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// initBuckets creates the buckets and brings an older file's data up to
// this version.
func initBuckets(tx *bolt.Tx) error {
	for _, b := range buckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if count(meta, keyVersion) >= 2 {
		return nil
	}
	// Version 1 kept no index of synced ratings: every rating neither
	// queued nor failed is synced, as of the last sync.
	queued := map[string]bool{}
	_ = tx.Bucket(bucketQueue).ForEach(func(_, id []byte) error {
		queued[string(id)] = true
		return nil
	})
	at := time.Now()
	if t := getTime(meta, keyLastSync); t != nil {
		at = *t
	}
	failed, synced := tx.Bucket(bucketFailed), tx.Bucket(bucketSynced)
	err := tx.Bucket(bucketRatings).ForEach(func(id, _ []byte) error {
		if queued[string(id)] || failed.Get(id) != nil {
			return nil
		}
		return synced.Put(syncedKey(at, id), nil)
	})
	if err != nil {
		return err
	}
	return meta.Put(keyVersion, u64(2))
}

// openDB opens the bbolt file. A damaged file can make bbolt panic, or
// fault on a page past the end of a truncated file; both become errors.
func openDB(path string, readOnly bool) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, unusable(path, fmt.Errorf("bbolt failed opening it: %v", r))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: readOnly})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s: stop the kiosk node that has it open (e.g. systemctl stop hailong-kiosk) and try again", ErrInUse, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, unusable(path, err)
	case err != nil:
		return nil, fmt.Errorf("open outbox %s: %w", path, err)
	}
	return db, nil
}

// checkFile checks the file read-only before it is opened for writing:
// first that it is as long as its own meta page says, since bbolt maps the
// file and reading a page past its end is a fault, not an error; then
// bbolt's consistency check of every page.
func checkFile(path string) error {
	if err := checkLength(path); err != nil {
		return unusable(path, err)
	}
	db, err := openDB(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var problems []error
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if len(problems) < 5 {
				problems = append(problems, err)
			}
		}
		return nil
	})
	if err == nil && len(problems) > 0 {
		err = errors.Join(problems...)
	}
	if err != nil {
		return unusable(path, fmt.Errorf("consistency check failed: %w", err))
	}
	return nil
}

// bbolt's meta page, after a 16-byte page header: magic, version, page
// size, flags, root bucket (16), freelist page, high-water page id, txid,
// checksum (FNV-64a of what precedes it). Native byte order; kiosks are
// little-endian.
const (
	metaMagic   = 0xED0CDAED
	metaOffset  = 16
	metaSumSize = 56
)

// checkLength reads both meta pages and checks that the file holds every
// page the newest valid one counts.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	var best struct {
		txid, pages, pageSize uint64
		ok                    bool
	}
	pageSize := int64(os.Getpagesize())
	for i := int64(0); i < 2; i++ {
		buf := make([]byte, metaOffset+metaSumSize+8)
		off := i * pageSize
		if i == 1 && best.ok {
			off = int64(best.pageSize)
		}
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		m := buf[metaOffset:]
		le := binary.LittleEndian
		h := fnv.New64a()
		h.Write(m[:metaSumSize])
		if le.Uint32(m[0:]) != metaMagic || h.Sum64() != le.Uint64(m[metaSumSize:]) {
			continue
		}
		if txid := le.Uint64(m[48:]); !best.ok || txid > best.txid {
			best.txid, best.pages, best.pageSize, best.ok = txid, le.Uint64(m[40:]), uint64(le.Uint32(m[8:])), true
		}
	}
	if !best.ok {
		return errors.New("neither of its two meta pages is valid: it is not a bbolt file or its start is damaged")
	}
	if need := best.pages * best.pageSize; uint64(info.Size()) < need {
		return fmt.Errorf("it is truncated: %d bytes, but its pages need %d", info.Size(), need)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
