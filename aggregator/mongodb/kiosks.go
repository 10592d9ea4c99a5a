package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong"
)

type kioskDoc struct {
	ID         string    `bson:"_id"`
	Unit       string    `bson:"unit"`
	SecretHash []byte    `bson:"secret_hash"`
	PublicKey  []byte    `bson:"public_key"`
	Revoked    bool      `bson:"revoked"`
	Created    time.Time `bson:"created"`
}

// AddKiosk enrols a kiosk; an id in use is an ECONFLICT.
func (d *DB) AddKiosk(ctx context.Context, k hailong.Kiosk) error {
	_, err := d.kiosks().InsertOne(ctx, kioskDoc{ID: k.ID, Unit: k.Unit, SecretHash: k.SecretHash, PublicKey: k.PublicKey, Created: k.Created.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return hailong.Errorf(hailong.ECONFLICT, "Kiosk %q is already enrolled.", k.ID)
	}
	if err != nil {
		return fmt.Errorf("add kiosk: %w", err)
	}
	return nil
}

// Kiosks lists every enrolled kiosk.
func (d *DB) Kiosks(ctx context.Context) ([]hailong.Kiosk, error) {
	cur, err := d.kiosks().Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	var docs []kioskDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list kiosks: %w", err)
	}
	out := make([]hailong.Kiosk, len(docs))
	for i, k := range docs {
		out[i] = hailong.Kiosk{ID: k.ID, Unit: k.Unit, SecretHash: k.SecretHash, PublicKey: k.PublicKey, Revoked: k.Revoked, Created: k.Created}
	}
	return out, nil
}

// RevokeKiosk refuses the kiosk's credential from now on.
func (d *DB) RevokeKiosk(ctx context.Context, id string) error {
	res, err := d.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("revoke kiosk: %w", err)
	}
	if res.MatchedCount == 0 {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no kiosk %q.", id)
	}
	return nil
}
