// Package bolt keeps the aggregator's durable index of stored ratings
// (seen.Index) in a bbolt file on the aggregator's local disk.
//
// Layout: bucket "ratings" maps a rating id to its entry; bucket "meta"
// holds the database the index belongs to and the mark that the index is
// complete. A key is the 16 bytes of a UUID in canonical form (every rating
// id the aggregator accepts; UUIDv7 ids sort by time, so keys arrive in
// order and pages are filled full), otherwise a zero byte, the raw id and
// zero padding to 17 bytes (ids never hold a zero byte, so no two ids share
// a key). A value is the 32-byte digest, then the time of receipt and the
// dossier time as unsigned varints of Unix milliseconds (0: not known).
//
// A file bbolt cannot open (damaged, truncated, not a bbolt file) is set
// aside under a name ending in ".bad-<time>" and a new one started, which
// seen.Memory fills from the stored ratings; so is a file of another
// database, and one not marked complete (its entries are no use: the fill
// rewrites every one).
package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"hailong/aggregator/seen"
)

var (
	bucketRatings = []byte("ratings")
	bucketMeta    = []byte("meta")
	keyDatabase   = []byte("database")
	keyComplete   = []byte("complete") // present: complete since the time it holds
	keyOwner      = []byte("owner")    // the start of the aggregator that writes it
)

// ErrInUse is returned when another process holds the index file.
var ErrInUse = errors.New("rating index file in use by another process")

// lockTimeout is how long Open waits for another process to let go of the
// file.
const lockTimeout = 2 * time.Second

// maxValue is the largest encoded entry: the digest and two varints.
const maxValue = 32 + 2*binary.MaxVarintLen64

// Index is the durable index of stored ratings in one bbolt file.
type Index struct {
	path string
	db   *bolt.DB
}

var _ seen.Index = (*Index)(nil)

// Open opens the index file at path for the database named by database
// (an identity that changes when the database is another one). A file
// that cannot be opened, or that belongs to another database or is not
// complete, is set aside or emptied and a new index started; setAside
// names the file set aside, if any.
func Open(path, database string) (idx *Index, setAside string, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("rating index: %w", err)
	}
	db, err := open(path)
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, "", fmt.Errorf("%w: %s", ErrInUse, path)
		}
		setAside = fmt.Sprintf("%s.bad-%s", path, time.Now().UTC().Format("20060102T150405"))
		if rerr := os.Rename(path, setAside); rerr != nil {
			return nil, "", fmt.Errorf("rating index %s cannot be opened (%w) nor set aside: %w", path, err, rerr)
		}
		if db, err = open(path); err != nil {
			return nil, setAside, fmt.Errorf("rating index: %w", err)
		}
	}
	idx = &Index{path: path, db: db}
	if err := db.Update(func(tx *bolt.Tx) error { return idx.init(tx, database) }); err != nil {
		db.Close()
		return nil, setAside, fmt.Errorf("rating index %s: %w", path, err)
	}
	return idx, setAside, nil
}

func open(path string) (db *bolt.DB, err error) {
	// bbolt panics on some damaged files rather than failing.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged: %v", r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	// A damaged meta page or root can open and fail at first read.
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func([]byte, *bolt.Bucket) error { return nil })
	}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// init creates the buckets and empties an index of another database or
// one not complete.
func (x *Index) init(tx *bolt.Tx, database string) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	if !bytes.Equal(meta.Get(keyDatabase), []byte(database)) || meta.Get(keyComplete) == nil {
		if tx.Bucket(bucketRatings) != nil {
			if err := tx.DeleteBucket(bucketRatings); err != nil {
				return err
			}
		}
		if err := meta.Delete(keyComplete); err != nil {
			return err
		}
		if err := meta.Put(keyDatabase, []byte(database)); err != nil {
			return err
		}
	}
	_, err = tx.CreateBucketIfNotExists(bucketRatings)
	return err
}

// Path is the index file's path.
func (x *Index) Path() string { return x.path }

// Close closes the file.
func (x *Index) Close() error { return x.db.Close() }

// Remove deletes the index file at path, for after the database was
// restored or rebuilt: the next start fills a new one.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Get returns the entry of id.
func (x *Index) Get(id string) (e seen.Entry, ok bool, err error) {
	defer recoverTo(&err)
	err = x.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRatings).Get(key(id))
		if v == nil {
			return nil
		}
		ok = true
		e, err = decode(id, v)
		return err
	})
	return e, ok && err == nil, err
}

// Put writes entries in one transaction, synced to disk before it returns.
// An entry without a time of receipt does not replace one with it.
func (x *Index) Put(es []seen.Entry) (err error) {
	defer recoverTo(&err)
	return x.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRatings)
		b.FillPercent = 0.9 // keys come mostly in time order
		// bbolt keeps the key and value slices until the commit: one
		// buffer for them all, never reused within the transaction.
		buf := make([]byte, 0, len(es)*maxValue)
		for i := range es {
			k := key(es[i].ID)
			if es[i].Received.IsZero() {
				if old := b.Get(k); old != nil {
					continue
				}
			}
			start := len(buf)
			buf = encode(buf, &es[i])
			if err := b.Put(k, buf[start:len(buf):len(buf)]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Complete reports whether the index is marked complete.
func (x *Index) Complete() (complete bool, err error) {
	defer recoverTo(&err)
	err = x.db.View(func(tx *bolt.Tx) error {
		complete = tx.Bucket(bucketMeta).Get(keyComplete) != nil
		return nil
	})
	return complete, err
}

// SetComplete sets or clears the mark that the index is complete.
func (x *Index) SetComplete(complete bool) (err error) {
	defer recoverTo(&err)
	return x.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if !complete {
			return meta.Delete(keyComplete)
		}
		return meta.Put(keyComplete, []byte(time.Now().UTC().Format(time.RFC3339)))
	})
}

// Owner returns the token of the aggregator start that last took the
// index (SetOwner); empty if none did.
func (x *Index) Owner() (owner string, err error) {
	defer recoverTo(&err)
	err = x.db.View(func(tx *bolt.Tx) error {
		owner = string(tx.Bucket(bucketMeta).Get(keyOwner))
		return nil
	})
	return owner, err
}

// SetOwner records the token of the aggregator start that takes the index.
func (x *Index) SetOwner(owner string) (err error) {
	defer recoverTo(&err)
	return x.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyOwner, []byte(owner))
	})
}

// Size is the index file's size in bytes and the number of entries.
func (x *Index) Size() (bytes int64, entries int, err error) {
	err = x.db.View(func(tx *bolt.Tx) error {
		bytes, entries = tx.Size(), tx.Bucket(bucketRatings).Stats().KeyN
		return nil
	})
	return bytes, entries, err
}

// recoverTo turns a panic of bbolt on a damaged page into an error.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("rating index damaged: %v", r)
	}
}

// key is the 16 bytes of a canonical UUID, or else a zero byte, the id
// and zero padding to 17 bytes.
func key(id string) []byte {
	if len(id) == 36 {
		if u, err := uuid.Parse(id); err == nil && u.String() == id {
			return u[:]
		}
	}
	k := make([]byte, 0, max(17, len(id)+1))
	k = append(append(k, 0), id...)
	for len(k) < 17 {
		k = append(k, 0)
	}
	return k
}

func encode(buf []byte, e *seen.Entry) []byte {
	buf = append(buf, e.Digest[:]...)
	buf = binary.AppendUvarint(buf, unixMilli(e.Received))
	return binary.AppendUvarint(buf, unixMilli(e.At))
}

func decode(id string, v []byte) (seen.Entry, error) {
	e := seen.Entry{ID: id}
	if len(v) < len(e.Digest)+2 {
		return e, fmt.Errorf("rating index: entry of %s is %d bytes", id, len(v))
	}
	copy(e.Digest[:], v)
	v = v[len(e.Digest):]
	received, n := binary.Uvarint(v)
	if n <= 0 {
		return e, fmt.Errorf("rating index: entry of %s: bad time of receipt", id)
	}
	at, m := binary.Uvarint(v[n:])
	if m <= 0 {
		return e, fmt.Errorf("rating index: entry of %s: bad time", id)
	}
	e.Received, e.At = fromMilli(received), fromMilli(at)
	return e, nil
}

func unixMilli(t time.Time) uint64 {
	if t.IsZero() || t.UnixMilli() <= 0 {
		return 0
	}
	return uint64(t.UnixMilli())
}

func fromMilli(ms uint64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}
