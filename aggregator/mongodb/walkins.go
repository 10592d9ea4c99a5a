package mongodb

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// WalkIns counts the ratings given through each walk-in code, durably, so
// that a restart of the aggregator does not give a code its uses again.
//
// Each use is one inserted document with _id "<nonce hex>:<n>", n = 1 …
// max. The unique _id makes the n-th use of a code happen once even when
// phones race or several aggregators share the database: a take inserts
// use count+1 and, when another took that one first, tries the next. There
// is no counter document to $inc (FerretDB loses concurrent $inc upserts)
// and no filtered find on the request path (FerretDB scans for every one):
// the count in memory is only a cache of where to start, read once at start.
type WalkIns struct {
	coll *mongo.Collection
	mu   sync.Mutex
	next map[[8]byte]walkInCount
}

type walkInCount struct {
	n       int // uses known to be taken
	expires time.Time
}

type walkInDoc struct {
	ID      string    `bson:"_id"`
	Code    string    `bson:"code"`
	N       int       `bson:"n"`
	Expires time.Time `bson:"expires"`
}

// WalkIns reads the uses of unexpired walk-in codes. The collection is
// small: a code lives minutes (kiosk WalkInTTL) and gives at most its
// maximum of uses, and Purge deletes expired uses, so the one scan
// FerretDB makes of it here, and for each purge, reads only the uses of
// the last few minutes.
func (d *DB) WalkIns(ctx context.Context, now time.Time) (*WalkIns, error) {
	w := &WalkIns{coll: d.db.Collection("walkin_uses"), next: map[[8]byte]walkInCount{}}
	cur, err := w.coll.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("read walk-in uses: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc walkInDoc
		if err := cur.Decode(&doc); err != nil {
			return nil, fmt.Errorf("read walk-in uses: %w", err)
		}
		var nonce [8]byte
		if n, err := hex.Decode(nonce[:], []byte(doc.Code)); err != nil || n != len(nonce) || !doc.Expires.After(now) {
			continue
		}
		if c := w.next[nonce]; doc.N > c.n {
			w.next[nonce] = walkInCount{n: doc.N, expires: doc.Expires}
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read walk-in uses: %w", err)
	}
	return w, nil
}

// Take records one use of the walk-in code nonce, valid until expires, and
// reports false when the code has given max ratings already.
func (w *WalkIns) Take(ctx context.Context, nonce [8]byte, expires time.Time, max int) (bool, error) {
	w.mu.Lock()
	n := w.next[nonce].n + 1
	w.mu.Unlock()
	code := hex.EncodeToString(nonce[:])
	for ; n <= max; n++ {
		_, err := w.coll.InsertOne(ctx, walkInDoc{ID: fmt.Sprintf("%s:%d", code, n), Code: code, N: n, Expires: expires.UTC()})
		if mongo.IsDuplicateKeyError(err) {
			continue // taken by a racing phone, or before a restart
		}
		if err != nil {
			return false, fmt.Errorf("record a walk-in use: %w", err)
		}
		break
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.next[nonce]; min(n, max) > c.n {
		w.next[nonce] = walkInCount{n: min(n, max), expires: expires}
	}
	return n <= max, nil
}

// Purge forgets the uses of codes expired by now, in the database
// with one DeleteMany (a scan of the small collection on FerretDB) and in
// memory.
func (w *WalkIns) Purge(ctx context.Context, now time.Time) error {
	if _, err := w.coll.DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}}); err != nil {
		return fmt.Errorf("purge walk-in uses: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for nonce, c := range w.next {
		if !c.expires.After(now) {
			delete(w.next, nonce)
		}
	}
	return nil
}
