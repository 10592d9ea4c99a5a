// Package bolt is the kiosk node's durable outbox, on bbolt: every rating is
// on disk (fsync) before it is acknowledged, and stays queued until the
// aggregator confirms it holds it.
package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"hailong"
	"hailong/syncapi"
)

var (
	bucketRatings = []byte("ratings") // id → stored rating, kept for idempotency
	bucketQueue   = []byte("queue")   // sequence → id, oldest first, awaiting upload
	bucketFailed  = []byte("failed")  // id → reason the aggregator refused it
	bucketQuar    = []byte("quarantine")
	bucketMeta    = []byte("meta")

	keyQueued   = []byte("queued")
	keySynced   = []byte("synced")
	keyFailed   = []byte("failed")
	keyLastSync = []byte("last_sync")
	keyQuar     = []byte("quarantined")
	keyLastRate = []byte("last_rating")
)

// Outbox is the kiosk's store of ratings.
type Outbox struct {
	db *bolt.DB
}

// stored is a rating as kept on the kiosk, with the digest of what the
// client sent so that a re-sent id can be told apart from a new rating.
type stored struct {
	Rating    hailong.Rating `json:"rating"`
	Submitted [32]byte       `json:"submitted"`
	Seq       uint64         `json:"seq"`
}

// Open opens or creates the outbox file. bbolt fsyncs every commit.
func Open(path string) (*Outbox, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open outbox %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRatings, bucketQueue, bucketFailed, bucketQuar, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init outbox: %w", err)
	}
	return &Outbox{db: db}, nil
}

// Close closes the file.
func (o *Outbox) Close() error { return o.db.Close() }

// Record stores a new rating durably and queues it for upload. If the id is
// already stored with the same submission, it returns the stored rating and
// created false; with another submission, an ECONFLICT error.
func (o *Outbox) Record(r *hailong.Rating) (got hailong.Rating, created bool, err error) {
	digest := r.Submission.Digest()
	err = o.db.Update(func(tx *bolt.Tx) error {
		ratings := tx.Bucket(bucketRatings)
		if old := ratings.Get([]byte(r.ID)); old != nil {
			var s stored
			if err := json.Unmarshal(old, &s); err != nil {
				return fmt.Errorf("decode stored rating %s: %w", r.ID, err)
			}
			if s.Submitted != digest {
				return hailong.Errorf(hailong.ECONFLICT, "Rating %s was already recorded with other content.", r.ID)
			}
			got = s.Rating
			return nil
		}
		queue := tx.Bucket(bucketQueue)
		seq, err := queue.NextSequence()
		if err != nil {
			return err
		}
		b, err := json.Marshal(stored{Rating: *r, Submitted: digest, Seq: seq})
		if err != nil {
			return err
		}
		if err := ratings.Put([]byte(r.ID), b); err != nil {
			return err
		}
		if err := queue.Put(u64(seq), []byte(r.ID)); err != nil {
			return err
		}
		created, got = true, *r
		if err := putTime(tx, keyLastRate, time.Now()); err != nil {
			return err
		}
		return addCount(tx, keyQueued, 1)
	})
	if err != nil {
		var herr *hailong.Error
		if errors.As(err, &herr) {
			return hailong.Rating{}, false, err
		}
		return hailong.Rating{}, false, fmt.Errorf("record rating: %w", err)
	}
	return got, created, nil
}

// Pending returns up to limit queued ratings, oldest first.
func (o *Outbox) Pending(limit int) ([]hailong.Rating, error) {
	var out []hailong.Rating
	err := o.db.View(func(tx *bolt.Tx) error {
		ratings := tx.Bucket(bucketRatings)
		c := tx.Bucket(bucketQueue).Cursor()
		for k, id := c.First(); k != nil && len(out) < limit; k, id = c.Next() {
			var s stored
			if err := json.Unmarshal(ratings.Get(id), &s); err != nil {
				return fmt.Errorf("decode queued rating %s: %w", id, err)
			}
			out = append(out, s.Rating)
		}
		return nil
	})
	return out, err
}

// Settle applies the aggregator's answers: settled ratings leave the queue;
// conflicts and rejections move to the failed list with their reason, kept
// for an operator, never silently dropped and never retried forever. Any
// other status leaves the rating queued.
func (o *Outbox) Settle(results []syncapi.Result, at time.Time) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		ratings, queue, failed := tx.Bucket(bucketRatings), tx.Bucket(bucketQueue), tx.Bucket(bucketFailed)
		var synced, refused int64
		for _, res := range results {
			raw := ratings.Get([]byte(res.ID))
			if raw == nil {
				continue // not ours: the aggregator answered for an id we never sent
			}
			var s stored
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("decode rating %s: %w", res.ID, err)
			}
			key := u64(s.Seq)
			if !bytes.Equal(queue.Get(key), []byte(res.ID)) {
				continue // already settled by an earlier answer
			}
			if err := queue.Delete(key); err != nil {
				return err
			}
			if res.Status.Settled() {
				synced++
				continue
			}
			if res.Status != syncapi.Conflict && res.Status != syncapi.Rejected {
				// Not a verdict this version knows: keep it queued.
				if err := queue.Put(key, []byte(res.ID)); err != nil {
					return err
				}
				continue
			}
			refused++
			if err := failed.Put([]byte(res.ID), []byte(string(res.Status)+": "+res.Reason)); err != nil {
				return err
			}
		}
		if err := addCount(tx, keyQueued, -(synced + refused)); err != nil {
			return err
		}
		if err := addCount(tx, keySynced, synced); err != nil {
			return err
		}
		if err := addCount(tx, keyFailed, refused); err != nil {
			return err
		}
		return putTime(tx, keyLastSync, at)
	})
}

// Stats is the state of the outbox, as fleet health and /api/v1/status
// report it.
type Stats struct {
	Queued      int64
	Synced      int64
	Failed      int64
	Quarantined int64
	LastSync    *time.Time
	// OldestQueued is when the oldest queued rating was made; nil when the
	// queue is empty.
	OldestQueued *time.Time
	// LastRating is when the last new rating was recorded.
	LastRating *time.Time
	// FailedReasons and QuarantineReasons map a reason to how many
	// entries have it.
	FailedReasons     map[string]int64
	QuarantineReasons map[string]int64
	// LastError is the last error the store met writing; empty once a
	// later write succeeded.
	LastError string
}

// Stats returns counts kept alongside the data, so it costs no scan of the
// ratings; the failed and quarantine lists are read whole, being small.
func (o *Outbox) Stats() (Stats, error) {
	var st Stats
	err := o.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		st.Queued, st.Synced, st.Failed = count(meta, keyQueued), count(meta, keySynced), count(meta, keyFailed)
		st.Quarantined = count(meta, keyQuar)
		st.LastSync, st.LastRating = getTime(meta, keyLastSync), getTime(meta, keyLastRate)
		// The queue is ordered by sequence: its first entry is the oldest.
		if _, id := tx.Bucket(bucketQueue).Cursor().First(); id != nil {
			var s stored
			if err := json.Unmarshal(tx.Bucket(bucketRatings).Get(id), &s); err == nil {
				at := s.Rating.At
				st.OldestQueued = &at
			}
		}
		st.FailedReasons = reasons(tx.Bucket(bucketFailed), func(v []byte) string { return string(v) })
		st.QuarantineReasons = reasons(tx.Bucket(bucketQuar), quarantineReason)
		return nil
	})
	return st, err
}

// reasons counts a small bucket's entries by reason.
func reasons(b *bolt.Bucket, reason func(v []byte) string) map[string]int64 {
	out := map[string]int64{}
	_ = b.ForEach(func(_, v []byte) error {
		out[reason(v)]++
		return nil
	})
	return out
}

// quarantineReason is the reason an entry of the quarantine bucket was put
// there.
func quarantineReason(v []byte) string {
	var q struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(v, &q) != nil || q.Reason == "" {
		return "unreadable"
	}
	return q.Reason
}

// Failed returns the refused ratings' ids with the reasons.
func (o *Outbox) Failed() (map[string]string, error) {
	out := map[string]string{}
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFailed).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func count(meta *bolt.Bucket, key []byte) int64 {
	if b := meta.Get(key); len(b) == 8 {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func putTime(tx *bolt.Tx, key []byte, t time.Time) error {
	b, err := t.UTC().MarshalText()
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(key, b)
}

func getTime(meta *bolt.Bucket, key []byte) *time.Time {
	b := meta.Get(key)
	if b == nil {
		return nil
	}
	var t time.Time
	if t.UnmarshalText(b) != nil {
		return nil
	}
	return &t
}

func addCount(tx *bolt.Tx, key []byte, delta int64) error {
	if delta == 0 {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	return meta.Put(key, u64(uint64(count(meta, key)+delta)))
}
