package mongodb

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// HealthGenerations counts the collections holding kiosk health.
func (d *DB) HealthGenerations(ctx context.Context) (int, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	n := 0
	for _, name := range names {
		if strings.HasPrefix(name, healthPrefix) {
			n++
		}
	}
	return n, err
}
