package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong"
	"hailong/aggregator/access"
)

// API tokens: one document each, the secret stored as its SHA-256 only.
// Revocation and last use replace the document (see users.go for the cost;
// last use is written behind, not per request).

type tokenDoc struct {
	ID          string               `bson:"_id"`
	Owner       string               `bson:"owner"`
	Name        string               `bson:"name"`
	Scope       string               `bson:"scope"`
	Permissions []hailong.Permission `bson:"permissions"`
	Created     time.Time            `bson:"created"`
	Expires     time.Time            `bson:"expires"`
	LastUsed    *time.Time           `bson:"last_used,omitempty"`
	Revoked     bool                 `bson:"revoked"`
	Hash        []byte               `bson:"secret_sha256"`
}

func encodeToken(t access.StoredToken) tokenDoc {
	doc := tokenDoc{ID: t.ID, Owner: t.Owner, Name: t.Name, Scope: t.Scope, Permissions: t.Permissions,
		Created: t.Created.UTC(), Expires: t.Expires.UTC(), Revoked: t.Revoked, Hash: t.Hash}
	if t.LastUsed != nil {
		lu := t.LastUsed.UTC()
		doc.LastUsed = &lu
	}
	return doc
}

// StoredTokens returns every API token, revoked and expired ones included.
func (d *DB) StoredTokens(ctx context.Context) ([]access.StoredToken, error) {
	var docs []tokenDoc
	if err := findAll(ctx, d.tokens(), &docs); err != nil {
		return nil, err
	}
	out := make([]access.StoredToken, len(docs))
	for i, t := range docs {
		out[i] = access.StoredToken{Token: access.Token{ID: t.ID, Owner: t.Owner, Name: t.Name, Scope: t.Scope,
			Permissions: t.Permissions, Created: t.Created, Expires: t.Expires, LastUsed: t.LastUsed, Revoked: t.Revoked}, Hash: t.Hash}
	}
	return out, nil
}

// AddToken inserts a token.
func (d *DB) AddToken(ctx context.Context, t access.StoredToken) error {
	if _, err := d.tokens().InsertOne(ctx, encodeToken(t)); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// PutTokens replaces tokens.
func (d *DB) PutTokens(ctx context.Context, ts []access.StoredToken) error {
	models := make([]mongo.WriteModel, len(ts))
	for i, t := range ts {
		models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: t.ID}}).SetReplacement(encodeToken(t))
	}
	return d.bulk(ctx, d.tokens(), models)
}
