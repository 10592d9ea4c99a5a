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
func (d *DB) AddKiosk(ctx context.Context, k hailong.Enrolment) error {
	return addCredential(ctx, d.kiosks(), k)
}

// Kiosks lists every enrolled kiosk.
func (d *DB) Kiosks(ctx context.Context) ([]hailong.Enrolment, error) {
	return credentials(ctx, d.kiosks())
}

// RevokeKiosk refuses the kiosk's credential from now on.
func (d *DB) RevokeKiosk(ctx context.Context, id string) error { return revoke(ctx, d.kiosks(), id) }

// RotateKiosk gives an enrolled kiosk a new credential: its secret's hash
// and the QR public key derived from it. A revoked kiosk stays revoked:
// ECONFLICT.
func (d *DB) RotateKiosk(ctx context.Context, id string, secretHash, publicKey []byte) error {
	res, err := d.kiosks().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "secret_hash", Value: secretHash}, {Key: "public_key", Value: publicKey}}}})
	if err != nil {
		return fmt.Errorf("rotate %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no kiosk %q that is not revoked.", id)
	}
	return nil
}

// Clients are programs that report dossier outcomes (the one-stop
// software), enrolled like kiosks with a credential and a unit whose
// subtree they may report for.
func (d *DB) clients() *mongo.Collection { return d.db.Collection("clients") }

// AddClient enrols a reporting program.
func (d *DB) AddClient(ctx context.Context, k hailong.Enrolment) error {
	return addCredential(ctx, d.clients(), k)
}

// Clients lists the reporting programs.
func (d *DB) Clients(ctx context.Context) ([]hailong.Enrolment, error) {
	return credentials(ctx, d.clients())
}

// RevokeClient refuses a reporting program from now on.
func (d *DB) RevokeClient(ctx context.Context, id string) error { return revoke(ctx, d.clients(), id) }

func addCredential(ctx context.Context, coll *mongo.Collection, k hailong.Enrolment) error {
	_, err := coll.InsertOne(ctx, kioskDoc{ID: k.ID, Unit: k.Unit, SecretHash: k.SecretHash, PublicKey: k.PublicKey, Created: k.Created.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return hailong.Errorf(hailong.ECONFLICT, "%q is already enrolled.", k.ID)
	}
	if err != nil {
		return fmt.Errorf("enrol %s: %w", k.ID, err)
	}
	return nil
}

func credentials(ctx context.Context, coll *mongo.Collection) ([]hailong.Enrolment, error) {
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", coll.Name(), err)
	}
	var docs []kioskDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list %s: %w", coll.Name(), err)
	}
	out := make([]hailong.Enrolment, len(docs))
	for i, k := range docs {
		out[i] = hailong.Enrolment{ID: k.ID, Unit: k.Unit, SecretHash: k.SecretHash, PublicKey: k.PublicKey, Revoked: k.Revoked, Created: k.Created}
	}
	return out, nil
}

func revoke(ctx context.Context, coll *mongo.Collection, id string) error {
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no %q in %s.", id, coll.Name())
	}
	return nil
}
