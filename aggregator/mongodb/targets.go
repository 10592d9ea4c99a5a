package mongodb

import (
	"context"
	"time"

	"hailong/measure"
)

// targetsDoc holds the whole list of targets in one meta document, so that
// a change replaces it atomically.
type targetsDoc struct {
	Targets []targetDoc `bson:"targets"`
	Changed time.Time   `bson:"changed"`
}

type targetDoc struct {
	Measure string  `bson:"measure"`
	Target  float64 `bson:"target"`
	By      int     `bson:"by"`
	Source  string  `bson:"source"`
}

const targetsID = "targets"

// Targets returns the stored targets; found is false if none were set
// through the administration yet (the configured file then applies).
func (d *DB) Targets(ctx context.Context) (ts []measure.Target, found bool, err error) {
	var doc targetsDoc
	if found, err = d.getMeta(ctx, targetsID, &doc); err != nil || !found {
		return nil, found, err
	}
	ts = make([]measure.Target, len(doc.Targets))
	for i, t := range doc.Targets {
		ts[i] = measure.Target{Measure: t.Measure, Target: t.Target, By: t.By, Source: t.Source}
	}
	return ts, true, nil
}

// ReplaceTargets stores a whole, checked list of targets.
func (d *DB) ReplaceTargets(ctx context.Context, ts []measure.Target) error {
	doc := targetsDoc{Targets: make([]targetDoc, len(ts)), Changed: time.Now().UTC()}
	for i, t := range ts {
		doc.Targets[i] = targetDoc{Measure: t.Measure, Target: t.Target, By: t.By, Source: t.Source}
	}
	return d.putMeta(ctx, targetsID, doc)
}
