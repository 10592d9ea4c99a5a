package mongodb

import (
	"context"
	"time"

	"hailong/hierarchy"
	"hailong/procedure"
)

// unitsDoc holds every unit record in one document, so that an import
// replaces the hierarchy atomically: never half the old and half the new.
// Vietnam has about 3,400 communes and centres; far below the 16 MB limit.
type unitsDoc struct {
	Records  []hierarchy.Unit `bson:"records"`
	Imported time.Time        `bson:"imported"`
}

const unitsID = "units"

// Units returns the stored unit records; found is false if none were
// imported yet.
func (d *DB) Units(ctx context.Context) (records []hierarchy.Unit, found bool, err error) {
	var doc unitsDoc
	found, err = d.getMeta(ctx, unitsID, &doc)
	return doc.Records, found, err
}

// ReplaceUnits stores a whole, checked hierarchy.
func (d *DB) ReplaceUnits(ctx context.Context, t *hierarchy.Tree) error {
	return d.putMeta(ctx, unitsID, unitsDoc{Records: t.Records(), Imported: time.Now().UTC()})
}

type proceduresDoc struct {
	Records  []procedure.Procedure `bson:"records"`
	Imported time.Time             `bson:"imported"`
}

const proceduresID = "procedures"

// Procedures returns the stored procedure catalogue; found is false if none
// was imported yet.
func (d *DB) Procedures(ctx context.Context) (records []procedure.Procedure, found bool, err error) {
	var doc proceduresDoc
	found, err = d.getMeta(ctx, proceduresID, &doc)
	return doc.Records, found, err
}

// ReplaceProcedures stores a whole, checked catalogue, in one document so
// that an import is never half done.
func (d *DB) ReplaceProcedures(ctx context.Context, c *procedure.Catalogue) error {
	return d.putMeta(ctx, proceduresID, proceduresDoc{Records: c.All(), Imported: time.Now().UTC()})
}
