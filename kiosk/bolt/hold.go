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
// from terminal (Amend) until it is closed or until the deadline hold
// passes, whichever comes first; only then is it queued for upload. A
// re-sent id is answered as by Record.
func (o *Outbox) RecordHeld(r *hailong.Rating, hold time.Time, terminal string) (hailong.Rating, bool, error) {
	if hold.IsZero() {
		return o.Record(r)
	}
	return o.record(r, hold, terminal)
}

// Amend lets change alter the answers of a held rating, in one
// transaction, and with done closes its hold and queues it. change must
// keep the rating valid; an error from it is returned and nothing is
// written. Only the terminal that recorded the rating held may amend it:
// any other, and any rating not recorded held, gets EFORBIDDEN whatever
// its state, so that a terminal learns nothing of the others' ratings. A
// rating no longer held gets ECONFLICT, or, when change leaves it as it
// is (a re-sent amendment), its stored copy; an unknown id gets
// ENOTFOUND.
func (o *Outbox) Amend(id, terminal string, done bool, change func(r *hailong.Rating) error) (hailong.Rating, error) {
	var got hailong.Rating
	closedLate := false
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
		if s.Terminal == "" || s.Terminal != terminal {
			return hailong.Errorf(hailong.EFORBIDDEN, "Rating %s was not recorded at this terminal for follow-up answers: only the terminal the citizen tapped may add them.", id)
		}
		before := s.Rating.Digest()
		if err := change(&s.Rating); err != nil {
			return err
		}
		v := tx.Bucket(bucketHeld).Get(key)
		switch {
		case v != nil && due(v, time.Now()):
			// A hold past its deadline is closed now, whether or not an
			// upload has closed it yet (the aggregator may be out of
			// reach): the citizen has gone, and the rating is queued as it
			// stood, not as amended.
			closedLate = true
			return closeHold(tx, key)
		case v == nil:
			if s.Rating.Digest() == before { // a re-sent amendment
				got = s.Rating
				return nil
			}
			return errClosed(id)
		case done:
			got = s.Rating
			return queue(tx, key, &s)
		}
		b, err := encode(&s)
		if err != nil {
			return err
		}
		got = s.Rating
		return tx.Bucket(bucketRatings).Put(key, b)
	})
	if err == nil && closedLate {
		err = errClosed(id)
	}
	if err != nil {
		return hailong.Rating{}, fmt.Errorf("amend rating: %w", err)
	}
	return got, nil
}

// errClosed refuses a change to a rating whose hold is closed.
func errClosed(id string) error {
	return hailong.Errorf(hailong.ECONFLICT, "Rating %s is closed: its follow-up answers can no longer be changed.", id)
}

// closeHold ends a held rating's hold as it is stored and queues it. tx
// is a write transaction.
func closeHold(tx *bolt.Tx, id []byte) error {
	s, ok, err := readOrQuarantine(tx, id)
	if err != nil {
		return err
	}
	if !ok { // quarantined: nothing to queue, and nothing held any more
		return tx.Bucket(bucketHeld).Delete(id)
	}
	return queue(tx, id, &s)
}

// queue ends the hold of the rating s stored under id, stores it with a
// new queue sequence and queues it. tx is a write transaction.
func queue(tx *bolt.Tx, id []byte, s *stored) error {
	if err := tx.Bucket(bucketHeld).Delete(id); err != nil {
		return err
	}
	var err error
	if s.Seq, err = tx.Bucket(bucketQueue).NextSequence(); err != nil {
		return err
	}
	b, err := encode(s)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketRatings).Put(id, b); err != nil {
		return err
	}
	return enqueue(tx, id, s.Seq)
}

// due reports whether a hold's deadline (v, as the held bucket stores it)
// has passed by now; an unreadable deadline is due.
func due(v []byte, now time.Time) bool {
	return len(v) != 8 || int64(binary.BigEndian.Uint64(v)) <= now.UnixNano()
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
	var lapsed [][]byte
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHeld).ForEach(func(id, v []byte) error {
			if due(v, now) {
				lapsed = append(lapsed, bytes.Clone(id))
			}
			return nil
		})
	})
	if err != nil || len(lapsed) == 0 {
		return err
	}
	return o.update(func(tx *bolt.Tx) error {
		held := tx.Bucket(bucketHeld)
		for _, id := range lapsed {
			if held.Get(id) == nil {
				continue // closed meanwhile
			}
			if err := closeHold(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}
