// Package bolt is the kiosk node's durable outbox, on bbolt: every rating is
// on disk (fsync) before it is acknowledged, and stays queued until the
// aggregator confirms it holds it.
//
// What can go wrong with the file is handled here too: an entry that cannot
// be read is moved to a quarantine bucket, raw, so the rest of the queue
// flows; a file that fails bbolt's consistency check is refused at Open and
// left as it is; synced ratings are pruned after a retention and the file
// compacted, so a small disk does not fill with ratings the aggregator holds.
package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"hailong"
	"hailong/syncapi"
)

var (
	bucketRatings = []byte("ratings")    // id → stored rating, kept for idempotency
	bucketQueue   = []byte("queue")      // sequence → id, oldest first, awaiting upload
	bucketFailed  = []byte("failed")     // id → "<status> [<fields>]: <reason>" the aggregator refused it with
	bucketQuar    = []byte("quarantine") // sequence → quarantined entry (JSON), never dropped
	bucketSynced  = []byte("synced")     // settle time (ns) + id → nothing: what Prune may remove, oldest first
	bucketPruned  = []byte("pruned")     // id → submission digest of a pruned rating, then its time (ns, 8 bytes; absent before 2026-11)
	bucketHeld    = []byte("held")       // id → hold deadline (ns): recorded, open to follow-up answers, not yet queued
	bucketMeta    = []byte("meta")

	buckets = [][]byte{bucketRatings, bucketQueue, bucketFailed, bucketQuar, bucketSynced, bucketPruned, bucketHeld, bucketMeta, bucketTerminals}

	keyQueued   = []byte("queued")
	keySynced   = []byte("synced")
	keyFailed   = []byte("failed")
	keyQuar     = []byte("quarantined")
	keyPruned   = []byte("pruned")
	keyLastSync = []byte("last_sync")
	keyLastRate = []byte("last_rating")
	keyVersion  = []byte("version")
	keyProbe    = []byte("probe")
)

// Outbox is the kiosk's store of ratings.
type Outbox struct {
	path string

	// mu guards db: Compact swaps the file while holding it.
	mu sync.RWMutex
	db *bolt.DB

	errMu     sync.Mutex
	lastErr   error     // the last failed write; nil once a later one succeeded
	lastProbe time.Time // when Writable last tried a write
}

// stored is a rating as kept on the kiosk, with the digest of what the
// client sent so that a re-sent id can be told apart from a new rating.
type stored struct {
	Rating    hailong.Rating `json:"rating"`
	Submitted [32]byte       `json:"submitted"`
	Seq       uint64         `json:"seq"`
	// Reassigned records, for audit, each time an operator re-stamped the
	// rating's unit (kiosk reassign), oldest first.
	Reassigned []Reassignment `json:"reassigned,omitempty"`
	// Terminal is the paired terminal that recorded a held rating: the
	// only one that may amend it (Amend). It stays on the node.
	Terminal string `json:"terminal,omitempty"`
}

// Reassignment is one re-stamping of a queued rating's unit.
type Reassignment struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// A stored value is formatCRC, the CRC-32C of the JSON after it, then the
// JSON: bbolt checks its pages' structure but not the values in them, and a
// flipped byte inside a string would otherwise still decode. Values written
// before the checksum start with '{' and are read as plain JSON.
const formatCRC = 0x01

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func encode(s *stored) ([]byte, error) {
	j, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 5, 5+len(j))
	b[0] = formatCRC
	binary.BigEndian.PutUint32(b[1:], crc32.Checksum(j, castagnoli))
	return append(b, j...), nil
}

// corrupt is why an entry cannot be read; Reason is short, for counting.
type corrupt struct {
	Reason string
	Err    error
}

func (e *corrupt) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *corrupt) Unwrap() error { return e.Err }

// decode reads the rating stored under id, checking that it is whole and
// filed under its own id.
func decode(id, raw []byte) (stored, error) {
	var s stored
	switch {
	case raw == nil:
		return s, &corrupt{"missing", fmt.Errorf("queued id %q has no stored rating", id)}
	case len(raw) >= 5 && raw[0] == formatCRC:
		body := raw[5:]
		if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(raw[1:5]); got != want {
			return s, &corrupt{"checksum", fmt.Errorf("rating %q: checksum %08x, stored %08x", id, got, want)}
		}
		raw = body
	case len(raw) > 0 && raw[0] == '{':
	default:
		return s, &corrupt{"unreadable", fmt.Errorf("rating %q: unknown format", id)}
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, &corrupt{"unreadable", fmt.Errorf("rating %q: %w", id, err)}
	}
	if s.Rating.ID != string(id) {
		return s, &corrupt{"misfiled", fmt.Errorf("key %q holds rating %q", id, s.Rating.ID)}
	}
	return s, nil
}

// view and update run fn on the current file. update remembers a failed
// write for Writable and forgets it after the next successful one; an
// application error (hailong.Error) is the caller's, not the store's.
func (o *Outbox) view(fn func(tx *bolt.Tx) error) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.db.View(fn)
}

func (o *Outbox) update(fn func(tx *bolt.Tx) error) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	err := o.db.Update(fn)
	var herr *hailong.Error
	if !errors.As(err, &herr) {
		o.setErr(err)
	}
	return err
}

func (o *Outbox) setErr(err error) {
	o.errMu.Lock()
	o.lastErr = err
	o.errMu.Unlock()
}

// Close closes the file.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.db.Close()
}

// Path returns the outbox file's path.
func (o *Outbox) Path() string { return o.path }

// Record stores a new rating durably and queues it for upload. If the id is
// already stored with the same submission, it returns the stored rating and
// created false; with another submission, an ECONFLICT error. A pruned id
// is answered the same way from its tombstone, so a late re-send is never
// recorded and uploaded a second time. A stored copy that cannot be read is
// quarantined and the rating recorded again as sent.
func (o *Outbox) Record(r *hailong.Rating) (got hailong.Rating, created bool, err error) {
	return o.record(r, time.Time{}, "")
}

// record is Record; a new rating with a non-zero hold is held open to
// follow-up answers of terminal (see RecordHeld) instead of queued.
func (o *Outbox) record(r *hailong.Rating, hold time.Time, terminal string) (got hailong.Rating, created bool, err error) {
	digest := r.Submission.Digest()
	// Checked before the transaction, used only for a new rating: a re-sent
	// one is answered even on a full disk.
	full := o.room()
	err = o.update(func(tx *bolt.Tx) error {
		ratings, id := tx.Bucket(bucketRatings), []byte(r.ID)
		if old := ratings.Get(id); old != nil {
			s, err := decode(id, old)
			if err == nil {
				if s.Submitted != digest {
					return hailong.Errorf(hailong.ECONFLICT, "Rating %s was already recorded with other content.", r.ID)
				}
				got = s.Rating
				return nil
			}
			if err := quarantine(tx, id, 0, bucketRatings, old, err); err != nil {
				return err
			}
		}
		if tomb := tx.Bucket(bucketPruned).Get(id); tomb != nil {
			// A tombstone answers as the rating did; it writes nothing.
			if len(tomb) < len(digest) || !bytes.Equal(tomb[:len(digest)], digest[:]) {
				return hailong.Errorf(hailong.ECONFLICT, "Rating %s was already recorded with other content.", r.ID)
			}
			got = *r
			return nil
		}
		if full != nil {
			return full
		}
		s := stored{Rating: *r, Submitted: digest}
		if !hold.IsZero() {
			s.Terminal = terminal
		}
		if hold.IsZero() {
			seq, err := tx.Bucket(bucketQueue).NextSequence()
			if err != nil {
				return err
			}
			s.Seq = seq
		}
		b, err := encode(&s)
		if err != nil {
			return err
		}
		if err := ratings.Put(id, b); err != nil {
			return err
		}
		created, got = true, *r
		if err := putTime(tx, keyLastRate, time.Now()); err != nil {
			return err
		}
		if !hold.IsZero() {
			return tx.Bucket(bucketHeld).Put(id, u64(uint64(hold.UnixNano())))
		}
		return enqueue(tx, id, s.Seq)
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

// badEntry is a queued entry Pending could not read.
type badEntry struct {
	seq uint64
	id  []byte
	raw []byte
	err error
}

// Pending returns up to limit queued ratings, oldest first. An entry that
// cannot be read is quarantined and skipped, so one bad entry never holds
// up the rest of the queue.
func (o *Outbox) Pending(limit int) ([]hailong.Rating, error) {
	out, _, err := o.PendingAfter(0, limit)
	return out, err
}

// PendingAfter returns up to limit queued ratings whose queue sequence is
// greater than after, oldest first, with their sequences: the uploader
// walks the queue with it past ratings the aggregator deferred, holding
// only the sequence it reached, however many are deferred. Unreadable
// entries are quarantined as by Pending.
func (o *Outbox) PendingAfter(after uint64, limit int) ([]hailong.Rating, []uint64, error) {
	if err := o.releaseDue(time.Now()); err != nil {
		return nil, nil, err
	}
	for round := 0; ; round++ {
		var out []hailong.Rating
		var seqs []uint64
		var bad []badEntry
		err := o.view(func(tx *bolt.Tx) error {
			ratings := tx.Bucket(bucketRatings)
			c := tx.Bucket(bucketQueue).Cursor()
			// Keys are big-endian sequences, so Seek finds the first one
			// after the cursor in log(n).
			for k, id := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, id = c.Next() {
				raw := ratings.Get(id)
				s, err := decode(id, raw)
				if err != nil {
					bad = append(bad, badEntry{binary.BigEndian.Uint64(k), bytes.Clone(id), bytes.Clone(raw), err})
					continue
				}
				out, seqs = append(out, s.Rating), append(seqs, binary.BigEndian.Uint64(k))
			}
			return nil
		})
		if err != nil || len(bad) == 0 || round == 3 {
			// After three rounds the bad ones are skipped, not yet moved:
			// the queue changed under each attempt.
			return out, seqs, err
		}
		err = o.update(func(tx *bolt.Tx) error {
			queue, ratings := tx.Bucket(bucketQueue), tx.Bucket(bucketRatings)
			for _, b := range bad {
				// Only if nothing changed it since it was read.
				if !bytes.Equal(queue.Get(u64(b.seq)), b.id) || !bytes.Equal(ratings.Get(b.id), b.raw) {
					continue
				}
				bucket, raw := bucketRatings, b.raw
				if raw == nil {
					bucket, raw = bucketQueue, b.id
				}
				if err := quarantine(tx, b.id, b.seq, bucket, raw, b.err); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// The good ones still go; the bad stay queued until a write
			// succeeds, and Writable reports the failure meanwhile.
			return out, seqs, nil
		}
	}
}

// Settle applies the aggregator's answers: settled ratings leave the queue;
// conflicts and rejections move to the failed list with their reason, kept
// for an operator, never silently dropped and never retried forever. Any
// other status leaves the rating queued.
func (o *Outbox) Settle(results []syncapi.Result, at time.Time) error {
	return o.update(func(tx *bolt.Tx) error {
		ratings, queue, failed, syncedIdx := tx.Bucket(bucketRatings), tx.Bucket(bucketQueue), tx.Bucket(bucketFailed), tx.Bucket(bucketSynced)
		var synced, refused int64
		for _, res := range results {
			id := []byte(res.ID)
			raw := ratings.Get(id)
			if raw == nil {
				continue // not ours: the aggregator answered for an id we never sent
			}
			s, err := decode(id, raw)
			if err != nil {
				if err := quarantine(tx, id, 0, bucketRatings, bytes.Clone(raw), err); err != nil {
					return err
				}
				continue
			}
			key := u64(s.Seq)
			if !bytes.Equal(queue.Get(key), id) {
				continue // already settled by an earlier answer
			}
			if !res.Status.Settled() && !res.Status.Final() {
				continue // deferred, or a verdict this version does not know: keep it queued
			}
			if err := queue.Delete(key); err != nil {
				return err
			}
			if res.Status.Settled() {
				synced++
				if err := syncedIdx.Put(syncedKey(at, id), nil); err != nil {
					return err
				}
				continue
			}
			refused++
			if err := failed.Put(id, []byte(failedEntry(res))); err != nil {
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

// failedEntry is what the failed list keeps of a refusal: its group (the
// status and the fields at fault, see FailedGroup), then the aggregator's
// full reason for the operator.
func failedEntry(res syncapi.Result) string {
	group := string(res.Status)
	var fields []string
	for _, f := range res.Fields[:min(len(res.Fields), maxFailedFields)] {
		// A field name is the aggregator's; keep the group parseable.
		f = strings.NewReplacer(": ", " ", ",", " ", "]", " ").Replace(f)
		fields = append(fields, f[:min(len(f), 64)])
	}
	if len(fields) > 0 {
		group += " [" + strings.Join(fields, ",") + "]"
	}
	return group + ": " + res.Reason
}

// maxFailedFields bounds the fields named in a failed entry's group.
const maxFailedFields = 8

// FailedGroup returns the group of a failed list entry: its status and,
// from aggregators that name them, the fields at fault, as in "rejected
// [at]". The reason's text quotes the rating's own values (times, codes),
// so grouping by it would make every refused rating its own reason; fleet
// health and `kiosk requeue` count failed ratings by group. Entries filed
// before the fields were named group by status alone.
func FailedGroup(entry string) string {
	group, _, _ := strings.Cut(entry, ": ")
	return group
}

// syncedKey orders the synced index by settle time.
func syncedKey(at time.Time, id []byte) []byte {
	return append(u64(uint64(at.UnixNano())), id...)
}

// Stats is the state of the outbox, as fleet health and /api/v1/status
// report it.
type Stats struct {
	Queued      int64
	Held        int64 // recorded, open to the citizen's follow-up answers, not yet queued
	Synced      int64 // ever synced, pruned ones included
	Failed      int64
	Quarantined int64
	Pruned      int64 // synced ratings removed after the retention
	LastSync    *time.Time
	// OldestQueued is when the oldest queued rating was made; nil when the
	// queue is empty.
	OldestQueued *time.Time
	// LastRating is when the last new rating was recorded.
	LastRating *time.Time
	// FailedReasons and QuarantineReasons map a reason to how many
	// entries have it; a failed rating's reason is its group (FailedGroup),
	// Failed gives each one's full text.
	FailedReasons     map[string]int64
	QuarantineReasons map[string]int64
	// LastError is the last error the store met writing, empty once a
	// later write succeeded; or, failing that, why it records no new
	// rating now (disk full).
	LastError string
	// FreeDisk is the free space in bytes of the file system holding the
	// outbox; -1 when unknown.
	FreeDisk int64
}

// Stats returns counts kept alongside the data, so it costs no scan of the
// ratings; the failed and quarantine lists are read whole, being small.
func (o *Outbox) Stats() (Stats, error) {
	var st Stats
	err := o.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		st.Queued, st.Synced, st.Failed = count(meta, keyQueued), count(meta, keySynced), count(meta, keyFailed)
		st.Quarantined, st.Pruned = count(meta, keyQuar), count(meta, keyPruned)
		st.Held = int64(tx.Bucket(bucketHeld).Stats().KeyN)
		st.LastSync, st.LastRating = getTime(meta, keyLastSync), getTime(meta, keyLastRate)
		// The queue is ordered by sequence: its first entry is the oldest.
		if _, id := tx.Bucket(bucketQueue).Cursor().First(); id != nil {
			if s, err := decode(id, tx.Bucket(bucketRatings).Get(id)); err == nil {
				at := s.Rating.At
				st.OldestQueued = &at
			}
		}
		st.FailedReasons = reasons(tx.Bucket(bucketFailed), func(v []byte) string { return FailedGroup(string(v)) })
		st.QuarantineReasons = reasons(tx.Bucket(bucketQuar), quarantineReason)
		return nil
	})
	if e := o.storeErr(); e != nil {
		st.LastError = e.Error()
	} else if e := o.room(); e != nil {
		st.LastError = e.Error()
	}
	st.FreeDisk = freeSpace(o.path)
	return st, err
}

func (o *Outbox) storeErr() error {
	o.errMu.Lock()
	defer o.errMu.Unlock()
	return o.lastErr
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

// Failed returns the refused ratings' ids with the reasons.
func (o *Outbox) Failed() (map[string]string, error) {
	out := map[string]string{}
	err := o.view(func(tx *bolt.Tx) error {
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

// RatedAt returns when the rating recorded under id was given: from the
// rating, or, once pruned, from its tombstone. ok is false for an id never
// recorded here, or pruned before tombstones kept the time. A second
// rating of a dossier is told when the first was (one bbolt read).
func (o *Outbox) RatedAt(id string) (at time.Time, ok bool, err error) {
	err = o.view(func(tx *bolt.Tx) error {
		key := []byte(id)
		if raw := tx.Bucket(bucketRatings).Get(key); raw != nil {
			s, err := decode(key, raw)
			if err != nil {
				return nil // unreadable: its time is not known
			}
			at, ok = s.Rating.At, true
			return nil
		}
		if tomb := tx.Bucket(bucketPruned).Get(key); len(tomb) == 32+8 {
			at, ok = time.Unix(0, int64(binary.BigEndian.Uint64(tomb[32:]))).UTC(), true
		}
		return nil
	})
	return at, ok, err
}
