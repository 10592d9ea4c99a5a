package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"hailong"
)

// Follow-up answers and the one-tap rating.
//
// The citizen's tap on a face is the rating: RecordHeld stores it durably at
// once (the terminal's 201), but holds it out of the upload queue while the
// citizen may still answer the optional follow-up questions. Amend changes
// the held rating's answers in place, under the same id, and closes the
// hold when the citizen is done; a hold not closed is closed by the next
// upload after its deadline. Only then is the rating queued, so the
// aggregator only ever sees one content for an id: the rating counts once,
// and an amendment after the hold closed (the rating may be uploaded
// already) is refused rather than letting the node and the aggregator
// disagree. Holding and queueing are both bbolt writes, so the uploader's
// read and an amendment never interleave.

// RecordHeld is Record for a rating that stays open to follow-up answers
// (Amend) until it is closed or until the deadline hold passes, whichever
// comes first; only then is it queued for upload. A re-sent id is answered
// as by Record.
func (o *Outbox) RecordHeld(r *hailong.Rating, hold time.Time) (hailong.Rating, bool, error) {
	if hold.IsZero() {
		return o.Record(r)
	}
	return o.record(r, hold)
}

// Amend lets change alter the answers of a held rating, in one
// transaction, and with done closes its hold and queues it. change must
// keep the rating valid; an error from it is returned and nothing is
// written. A rating no longer held gets ECONFLICT, or, when change leaves
// it as it is (a re-sent amendment), its stored copy; an unknown id gets
// ENOTFOUND.
func (o *Outbox) Amend(id string, done bool, change func(r *hailong.Rating) error) (hailong.Rating, error) {
	var got hailong.Rating
	err := o.update(func(tx *bolt.Tx) error {
		key := []byte(id)
		raw := tx.Bucket(bucketRatings).Get(key)
		if raw == nil {
			return hailong.Errorf(hailong.ENOTFOUND, "Rating %s is not recorded at this node.", id)
		}
		s, err := decode(key, raw)
		if err != nil {
			return hailong.Errorf(hailong.ECONFLICT, "Rating %s cannot be read; it can no longer be changed.", id)
		}
		before := s.Rating.Digest()
		if err := change(&s.Rating); err != nil {
			return err
		}
		held := tx.Bucket(bucketHeld).Get(key) != nil
		if !held {
			if s.Rating.Digest() == before {
				got = s.Rating
				return nil
			}
			return hailong.Errorf(hailong.ECONFLICT, "Rating %s is closed: its follow-up answers can no longer be changed.", id)
		}
		if done {
			if err := tx.Bucket(bucketHeld).Delete(key); err != nil {
				return err
			}
			if s.Seq, err = tx.Bucket(bucketQueue).NextSequence(); err != nil {
				return err
			}
		}
		b, err := encode(&s)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRatings).Put(key, b); err != nil {
			return err
		}
		got = s.Rating
		if done {
			return enqueue(tx, key, s.Seq)
		}
		return nil
	})
	if err != nil {
		return hailong.Rating{}, fmt.Errorf("amend rating: %w", err)
	}
	return got, nil
}

// readOrQuarantine reads the rating stored under id; one that cannot be
// read is moved to the quarantine, and ok is false.
func readOrQuarantine(tx *bolt.Tx, id []byte) (s stored, ok bool, err error) {
	raw := tx.Bucket(bucketRatings).Get(id)
	s, err = decode(id, raw)
	if err != nil {
		return s, false, quarantine(tx, id, 0, bucketRatings, bytes.Clone(raw), err)
	}
	return s, true, nil
}

// enqueue queues a stored rating for upload under sequence seq.
func enqueue(tx *bolt.Tx, id []byte, seq uint64) error {
	if err := tx.Bucket(bucketQueue).Put(u64(seq), id); err != nil {
		return err
	}
	return addCount(tx, keyQueued, 1)
}

// releaseDue queues the held ratings whose hold passed by now: a terminal
// that lost power or its network never says it is done. The held bucket
// holds only the ratings of citizens answering now, so reading it is cheap;
// it writes only when one is due.
func (o *Outbox) releaseDue(now time.Time) error {
	var due [][]byte
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHeld).ForEach(func(id, v []byte) error {
			if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) <= now.UnixNano() {
				due = append(due, bytes.Clone(id))
			}
			return nil
		})
	})
	if err != nil || len(due) == 0 {
		return err
	}
	return o.update(func(tx *bolt.Tx) error {
		ratings, held := tx.Bucket(bucketRatings), tx.Bucket(bucketHeld)
		for _, id := range due {
			if held.Get(id) == nil {
				continue // closed meanwhile
			}
			if err := held.Delete(id); err != nil {
				return err
			}
			s, ok, err := readOrQuarantine(tx, id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if s.Seq, err = tx.Bucket(bucketQueue).NextSequence(); err != nil {
				return err
			}
			b, err := encode(&s)
			if err != nil {
				return err
			}
			if err := ratings.Put(id, b); err != nil {
				return err
			}
			if err := enqueue(tx, id, s.Seq); err != nil {
				return err
			}
		}
		return nil
	})
}
