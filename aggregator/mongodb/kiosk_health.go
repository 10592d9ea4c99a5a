package mongodb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong/aggregator/fleet"
	"hailong/syncapi"
)

// Kiosk health is kept in memory by package fleet and written behind, the
// whole set at once, as a generation: a fresh collection of one document
// per kiosk, written by inserts, which a state document then names, and the
// previous generation dropped. Replacing each kiosk's document by _id would
// be a filtered write, which scans the collection on FerretDB: measured at
// 12 ms a write among 3,000 kiosks (4 ms among 1,000), so a fleet reporting
// every minute would keep a core busy, growing with the square of the fleet.
// A generation of 3,000 reports is written in 0.2 s (same machine).
//
// Reasons are stored as a list, not a map: a reason is free text, and a
// field name with '.' or a leading '$' is refused by FerretDB.

// healthPrefix names the collections holding generations of kiosk health.
const healthPrefix = "kiosk_health_"

// healthStateID is the meta document naming the current generation.
const healthStateID = "kiosk_health"

type healthState struct {
	Collection string    `bson:"collection"`
	Updated    time.Time `bson:"updated"`
}

type reasonDoc struct {
	Reason string `bson:"reason"`
	N      int64  `bson:"n"`
}

type healthDoc struct {
	Kiosk       string      `bson:"_id"`
	Seen        time.Time   `bson:"seen"`
	OffsetMS    *int64      `bson:"clock_offset_ms,omitempty"`
	Reported    time.Time   `bson:"reported,omitempty"`
	HasReport   bool        `bson:"has_report"`
	Version     string      `bson:"version,omitempty"`
	Unit        string      `bson:"unit,omitempty"`
	Clock       time.Time   `bson:"clock,omitempty"`
	Queued      int64       `bson:"queued"`
	Oldest      time.Time   `bson:"oldest_queued,omitempty"`
	Failed      int64       `bson:"failed"`
	FailedWhy   []reasonDoc `bson:"failed_reasons,omitempty"`
	Quarantined int64       `bson:"quarantined"`
	QuarWhy     []reasonDoc `bson:"quarantine_reasons,omitempty"`
	FreeDisk    int64       `bson:"free_disk"`
	LastRating  time.Time   `bson:"last_rating,omitempty"`
	LastError   string      `bson:"last_error,omitempty"`
}

func encodeHealth(r fleet.Report) healthDoc {
	doc := healthDoc{Kiosk: r.Kiosk, Seen: r.Seen.UTC()}
	if r.OffsetKnown {
		ms := r.ClockOffset.Milliseconds()
		doc.OffsetMS = &ms
	}
	if h := r.Health; h != nil {
		doc.HasReport, doc.Reported = true, r.Reported.UTC()
		doc.Version, doc.Unit, doc.Clock = h.Version, h.Unit, h.Clock.UTC()
		doc.Queued, doc.Failed, doc.Quarantined, doc.FreeDisk = h.Queued, h.Failed, h.Quarantined, h.FreeDisk
		doc.FailedWhy, doc.QuarWhy = encodeReasons(h.FailedReasons), encodeReasons(h.QuarantineReasons)
		doc.Oldest, doc.LastRating = utcOrZero(h.OldestQueued), utcOrZero(h.LastRating)
		doc.LastError = h.LastError
	}
	return doc
}

func (doc *healthDoc) decode() fleet.Report {
	r := fleet.Report{Kiosk: doc.Kiosk, Seen: doc.Seen}
	if doc.OffsetMS != nil {
		r.ClockOffset, r.OffsetKnown = time.Duration(*doc.OffsetMS)*time.Millisecond, true
	}
	if doc.HasReport {
		r.Reported = doc.Reported
		r.Health = &syncapi.Health{Version: doc.Version, Unit: doc.Unit, Clock: doc.Clock,
			Queued: doc.Queued, OldestQueued: timeOrNil(doc.Oldest),
			Failed: doc.Failed, FailedReasons: decodeReasons(doc.FailedWhy),
			Quarantined: doc.Quarantined, QuarantineReasons: decodeReasons(doc.QuarWhy),
			FreeDisk: doc.FreeDisk, LastRating: timeOrNil(doc.LastRating), LastError: doc.LastError}
	}
	return r
}

func encodeReasons(m map[string]int64) []reasonDoc {
	if len(m) == 0 {
		return nil
	}
	out := make([]reasonDoc, 0, len(m))
	for reason, n := range m {
		out = append(out, reasonDoc{reason, n})
	}
	slices.SortFunc(out, func(a, b reasonDoc) int { return strings.Compare(a.Reason, b.Reason) })
	return out
}

func decodeReasons(rs []reasonDoc) map[string]int64 {
	if len(rs) == 0 {
		return nil
	}
	m := make(map[string]int64, len(rs))
	for _, r := range rs {
		m[r.Reason] = r.N
	}
	return m
}

func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// SaveKioskReports replaces the stored kiosk health with reports: a new
// generation, named once complete, so a crash half-way keeps the previous
// one.
func (d *DB) SaveKioskReports(ctx context.Context, reports []fleet.Report) error {
	name := fmt.Sprintf("%s%d", healthPrefix, time.Now().UnixNano())
	coll := d.db.Collection(name)
	for start := 0; start < len(reports); start += maxInsertBatch {
		batch := reports[start:min(start+maxInsertBatch, len(reports))]
		docs := make([]any, len(batch))
		for i, r := range batch {
			docs[i] = encodeHealth(r)
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("write kiosk health: %w", err)
		}
	}
	if err := d.putMeta(ctx, healthStateID, healthState{Collection: name, Updated: time.Now().UTC()}); err != nil {
		return err
	}
	return d.dropHealthExcept(ctx, name)
}

// dropHealthExcept drops every generation of kiosk health but keep,
// including those a crash left unnamed.
func (d *DB) dropHealthExcept(ctx context.Context, keep string) error {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, healthPrefix) && n != keep {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}

// KioskReports reads the stored kiosk health: the current generation.
func (d *DB) KioskReports(ctx context.Context) ([]fleet.Report, error) {
	var st healthState
	found, err := d.getMeta(ctx, healthStateID, &st)
	if err != nil || !found {
		return nil, err
	}
	if !strings.HasPrefix(st.Collection, healthPrefix) {
		return nil, fmt.Errorf("%q is not a generation of kiosk health", st.Collection)
	}
	cur, err := d.db.Collection(st.Collection).Find(ctx, bson.D{}, options.Find().SetBatchSize(100))
	if err != nil {
		return nil, fmt.Errorf("read kiosk health: %w", err)
	}
	var docs []healthDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read kiosk health: %w", err)
	}
	out := make([]fleet.Report, len(docs))
	for i := range docs {
		out[i] = docs[i].decode()
	}
	return out, nil
}
