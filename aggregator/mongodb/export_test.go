package mongodb

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
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

// InsertRawWebhookBatch inserts a queued batch as a document of the given
// shape, as an older aggregator wrote it.
func (d *DB) InsertRawWebhookBatch(ctx context.Context, seg int, doc any) error {
	_, err := d.webhookSegment(seg).InsertOne(ctx, doc)
	return err
}

// WriteDaySegment writes a segment as segments were first written: a
// document per day.
func (d *DB) WriteDaySegment(ctx context.Context, name string, days []rollup.Day) (string, error) {
	name = segmentPrefix + name
	for i := range days {
		doc, err := encodeDay(&days[i])
		if err != nil {
			return "", err
		}
		if _, err := d.db.Collection(name).InsertOne(ctx, doc); err != nil {
			return "", err
		}
	}
	return name, nil
}

// SetSegmentRunBytes bounds the bytes of a run of days of a segment until
// the returned function puts the bound back.
func SetSegmentRunBytes(n int) (restore func()) {
	old := segmentRunBytes
	segmentRunBytes = n
	return func() { segmentRunBytes = old }
}

// InsertRaw inserts a document into a collection as it is, as an older
// aggregator or a fault left it.
func (d *DB) InsertRaw(ctx context.Context, coll string, doc any) error {
	_, err := d.db.Collection(coll).InsertOne(ctx, doc)
	return err
}

// SavedOutcomes names the collections of the saved outcome book and the
// outcome logs it holds.
func (d *DB) SavedOutcomes(ctx context.Context) (records, flags string, logs []string, err error) {
	var st outcomesSaved
	_, err = d.getMeta(ctx, outcomesSavedID, &st)
	switch {
	case st.Format == savedFormat:
		st.Records = st.Whole
	case st.Format == byMonthFormat && len(st.Entries) > 0:
		st.Records = st.Entries[0].Name // the first month of entries
	}
	return st.Records, st.Flags, st.Logs, err
}

// SavedEntryMonths names the collection of each month of the saved
// outcome book's entries, by month, and counts their entries.
func (d *DB) SavedEntryMonths(ctx context.Context) (names map[string]string, counts map[string]int, err error) {
	var st outcomesSaved
	_, err = d.getMeta(ctx, outcomesSavedID, &st)
	names, counts = map[string]string{}, map[string]int{}
	for _, e := range st.Entries {
		names[rollup.Month(e.Month).String()], counts[rollup.Month(e.Month).String()] = e.Name, e.Count
	}
	return names, counts, err
}

// ReplaceRaw replaces a collection by one holding doc alone.
func (d *DB) ReplaceRaw(ctx context.Context, coll string, doc any) error {
	if err := d.db.Collection(coll).Drop(ctx); err != nil {
		return err
	}
	return d.InsertRaw(ctx, coll, doc)
}

// SavedDeltas returns the counts of records of the saves of changes laid
// over the saved outcome book's last whole save, and its records' count.
func (d *DB) SavedDeltas(ctx context.Context) (records int, deltas []int, err error) {
	var st outcomesSaved
	_, err = d.getMeta(ctx, outcomesSavedID, &st)
	for _, p := range st.Deltas {
		deltas = append(deltas, p.Count)
	}
	return st.RecordCount, deltas, err
}

// EncodeCommentRun encodes comments as a run of a month's collection.
func EncodeCommentRun(cs []comments.Comment) ([]byte, error) {
	vs := make([]commentDoc, 0, len(cs))
	for i := range cs {
		vs = append(vs, commentToDoc(&cs[i]))
	}
	return encodeRun(vs)
}

// DropOutcomeMonth drops the collection holding the days of month m of the
// saved outcome book, as a deposed owner's save could have under a running
// process.
func (d *DB) DropOutcomeMonth(ctx context.Context, m rollup.Month) error {
	sm, err := d.savedMonth(m)
	if err != nil {
		return err
	}
	return d.db.Collection(sm.Days).Drop(ctx)
}

// DropOutcomeEntries drops the collection holding month m of the saved
// outcome book's entries, as a deposed owner's save could have under a
// running process.
func (d *DB) DropOutcomeEntries(ctx context.Context, m rollup.Month) error {
	d.outcomeLogs.mu.Lock()
	e, ok := d.outcomeLogs.entries[m]
	d.outcomeLogs.mu.Unlock()
	if !ok {
		return fmt.Errorf("no saved month %s of entries", m)
	}
	return d.db.Collection(e.Name).Drop(ctx)
}

// SavedVersion returns the version of the saved outcome book's state.
func (d *DB) SavedVersion(ctx context.Context) (int64, error) {
	var st outcomesSaved
	_, err := d.getMeta(ctx, outcomesSavedID, &st)
	return st.Version, err
}
