package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// QuarantineEntry is an outbox entry that could not be read, kept with its
// raw bytes and why, for an operator: quarantine is never emptied by the
// node itself.
type QuarantineEntry struct {
	Seq    uint64 `json:"seq"`
	ID     string `json:"id"`     // the rating id, as far as it is known
	Bucket string `json:"bucket"` // where the bytes were: ratings, or queue for a dangling id
	Raw    []byte `json:"raw"`
	Reason string `json:"reason"` // checksum, unreadable, misfiled or missing
	Error  string `json:"error"`
	// Was is what the entry was when it was quarantined: queued,
	// "failed: <reason>", or not queued (synced).
	Was string    `json:"was"`
	At  time.Time `json:"at"`
}

// quarantine moves an unreadable entry out of the way: its raw bytes go to
// the quarantine bucket, it leaves the ratings bucket, the queue and the
// failed list, and the counters follow. seq is its queue key when known,
// else 0 and the queue is searched (rare: only for an entry found broken
// outside the queue).
func quarantine(tx *bolt.Tx, id []byte, seq uint64, from, raw []byte, cause error) error {
	e := QuarantineEntry{ID: string(id), Bucket: string(from), Raw: bytes.Clone(raw), Reason: "unreadable",
		Error: cause.Error(), Was: "not queued", At: time.Now().UTC()}
	var c *corrupt
	if errors.As(cause, &c) {
		e.Reason = c.Reason
	}
	queue := tx.Bucket(bucketQueue)
	var keys [][]byte
	if seq != 0 {
		if bytes.Equal(queue.Get(u64(seq)), id) {
			keys = append(keys, u64(seq))
		}
	} else {
		_ = queue.ForEach(func(k, v []byte) error {
			if bytes.Equal(v, id) {
				keys = append(keys, bytes.Clone(k))
			}
			return nil
		})
	}
	for _, k := range keys {
		if err := queue.Delete(k); err != nil {
			return err
		}
	}
	if len(keys) > 0 {
		e.Was = "queued"
		if err := addCount(tx, keyQueued, -int64(len(keys))); err != nil {
			return err
		}
	}
	if bytes.Equal(from, bucketRatings) {
		failed := tx.Bucket(bucketFailed)
		if reason := failed.Get(id); reason != nil {
			e.Was = "failed: " + string(reason)
			if err := failed.Delete(id); err != nil {
				return err
			}
			if err := addCount(tx, keyFailed, -1); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketRatings).Delete(id); err != nil {
			return err
		}
	}
	q := tx.Bucket(bucketQuar)
	n, err := q.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = n
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := q.Put(u64(n), b); err != nil {
		return err
	}
	return addCount(tx, keyQuar, 1)
}

// Quarantine lists the quarantined entries, oldest first.
func (o *Outbox) Quarantine() ([]QuarantineEntry, error) {
	var out []QuarantineEntry
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQuar).ForEach(func(k, v []byte) error {
			var e QuarantineEntry
			if err := json.Unmarshal(v, &e); err != nil {
				// Even the record of a quarantined entry is shown, raw.
				e = QuarantineEntry{Raw: bytes.Clone(v), Reason: "unreadable", Error: "quarantine record: " + err.Error()}
			}
			if len(k) == 8 {
				e.Seq = binary.BigEndian.Uint64(k)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
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

// Requeue moves the failed ratings match selects back to the queue, in
// their original place, and returns how many it moved. match gets each
// failed rating's id and reason; the others keep their reason.
func (o *Outbox) Requeue(match func(id, reason string) bool) (int, error) {
	var moved int
	err := o.update(func(tx *bolt.Tx) error {
		moved = 0
		queue, failed := tx.Bucket(bucketQueue), tx.Bucket(bucketFailed)
		var ids [][]byte
		_ = failed.ForEach(func(k, v []byte) error {
			if match(string(k), string(v)) {
				ids = append(ids, bytes.Clone(k))
			}
			return nil
		})
		for _, id := range ids {
			s, ok, err := readOrQuarantine(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := queue.Put(u64(s.Seq), id); err != nil {
				return err
			}
			if err := failed.Delete(id); err != nil {
				return err
			}
			moved++
		}
		if err := addCount(tx, keyFailed, -int64(moved)); err != nil {
			return err
		}
		return addCount(tx, keyQueued, int64(moved))
	})
	return moved, err
}

// QueuedUnits counts the queued ratings by the unit they were recorded
// under. It reads the whole queue: for the operator's command on a stopped
// node, not for the running node.
func (o *Outbox) QueuedUnits() (map[string]int64, error) {
	out := map[string]int64{}
	err := o.view(func(tx *bolt.Tx) error {
		ratings := tx.Bucket(bucketRatings)
		return waiting(tx, func(id []byte) {
			if s, err := decode(id, ratings.Get(id)); err == nil {
				out[s.Rating.Unit]++
			}
		})
	})
	return out, err
}

// waiting calls fn with the id of every rating not yet sent: queued, or
// held open to its follow-up answers (it is queued as it stands when its
// hold closes).
func waiting(tx *bolt.Tx, fn func(id []byte)) error {
	if err := tx.Bucket(bucketQueue).ForEach(func(_, id []byte) error { fn(id); return nil }); err != nil {
		return err
	}
	return tx.Bucket(bucketHeld).ForEach(func(id, _ []byte) error { fn(id); return nil })
}

// Reassign re-stamps with unit the waiting ratings (queued or held)
// recorded under another
// unit that match (by their current unit), and returns how many it
// changed.
// A node configured with a wrong -unit records the citizen's rating under
// it; the aggregator defers such ratings for ever (unit ≠ enrolment), and
// the operator, having fixed -unit, gives them the unit they were given
// at. Each keeps the unit it had, with when it was changed, in its stored
// entry for audit. Only queued ratings change: synced ones are the
// aggregator's, failed ones go back to the queue with Requeue first. The
// submission digest (idempotency of re-sent ids) does not cover the unit,
// so it stays valid.
func (o *Outbox) Reassign(unit string, match func(from string) bool) (int, error) {
	var changed int
	now := time.Now().UTC()
	err := o.update(func(tx *bolt.Tx) error {
		changed = 0
		ratings := tx.Bucket(bucketRatings)
		type entry struct {
			id []byte
			s  stored
		}
		var todo []entry
		_ = waiting(tx, func(id []byte) {
			s, err := decode(id, ratings.Get(id))
			if err == nil && s.Rating.Unit != unit && match(s.Rating.Unit) {
				todo = append(todo, entry{bytes.Clone(id), s})
			} // an unreadable entry is quarantined when the node meets it
		})
		for _, e := range todo {
			e.s.Reassigned = append(e.s.Reassigned, Reassignment{From: e.s.Rating.Unit, To: unit, At: now})
			e.s.Rating.Unit = unit
			b, err := encode(&e.s)
			if err != nil {
				return err
			}
			if err := ratings.Put(e.id, b); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	return changed, err
}

// Reassignments returns the unit changes recorded for a rating, oldest
// first; none for a rating never reassigned or not stored.
func (o *Outbox) Reassignments(id string) ([]Reassignment, error) {
	var out []Reassignment
	err := o.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketRatings).Get([]byte(id))
		if raw == nil {
			return nil
		}
		s, err := decode([]byte(id), raw)
		out = s.Reassigned
		return err
	})
	return out, err
}
