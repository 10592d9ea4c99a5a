package mongodb

import (
	"context"
	"crypto/rand"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// identityID names the meta document holding the database's identity.
const identityID = "identity"

// Identity returns a random name given to the database the first time it
// is asked, the same ever after: what a local file derived from the
// database (the rating index) is bound to, so that it is not taken for the
// index of a database created afresh under the same name.
func (d *DB) Identity(ctx context.Context) (string, error) {
	var doc struct {
		Value string `bson:"value"`
	}
	found, err := d.getMeta(ctx, identityID, &doc)
	if err != nil || found {
		return doc.Value, err
	}
	// Inserted, not upserted: of two processes asking first, one wins
	// and the other reads its name.
	_, err = d.meta().InsertOne(ctx, bson.D{{Key: "_id", Value: identityID}, {Key: "value", Value: rand.Text()}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return "", fmt.Errorf("write %s: %w", identityID, err)
	}
	if _, err := d.getMeta(ctx, identityID, &doc); err != nil {
		return "", err
	}
	return doc.Value, nil
}

// indexOwnerID names the meta document holding the token of the
// aggregator start that last took the rating index.
const indexOwnerID = "rating_index_owner"

// RatingIndexOwner returns the token SetRatingIndexOwner last recorded;
// empty if none.
func (d *DB) RatingIndexOwner(ctx context.Context) (string, error) {
	var doc struct {
		Value string `bson:"value"`
	}
	_, err := d.getMeta(ctx, indexOwnerID, &doc)
	return doc.Value, err
}

// SetRatingIndexOwner records the token of the aggregator start that takes
// the rating index: an index file whose own token differs missed what
// another aggregator stored meanwhile (a standby's turn as owner).
func (d *DB) SetRatingIndexOwner(ctx context.Context, token string) error {
	return d.putMeta(ctx, indexOwnerID, bson.D{{Key: "value", Value: token}})
}
