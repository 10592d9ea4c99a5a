package mongodb

import (
	"context"
	"time"
)

// publicationID names the meta document saying whether the public results
// page is on: one small document, replaced whole.
const publicationID = "public_results"

type publicationDoc struct {
	On      bool      `bson:"on"`
	Changed time.Time `bson:"changed"`
	By      string    `bson:"by"`
}

// PublicResults reports whether the public results page is on; off until
// an administrator turns it on.
func (d *DB) PublicResults(ctx context.Context) (bool, error) {
	var doc publicationDoc
	_, err := d.getMeta(ctx, publicationID, &doc)
	return doc.On, err
}

// SetPublicResults turns the public results page on or off.
func (d *DB) SetPublicResults(ctx context.Context, on bool, by string) error {
	return d.putMeta(ctx, publicationID, publicationDoc{On: on, Changed: time.Now().UTC(), By: by})
}
