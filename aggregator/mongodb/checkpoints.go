package mongodb

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/ingest"
	"hailong/aggregator/rollup"
)

// The rollups are persisted as checkpoints (ingest.Checkpoints): a segment
// per month and rollup, a journal of what was counted since, and the state
// document naming both (rollup.State, in meta). Every piece is a
// collection of its own, written by inserts only and read whole, never
// filtered: on FerretDB every filtered find, update or delete scans its
// collection, while an insert, a whole-collection read, the listing of
// collection names and the drop of a collection are cheap. A month
// rewritten (a late rating) is a new segment; the old one is dropped once
// the state no longer names it. So a crash between any two writes leaves
// the last state's segments and journals in place.

// segmentPrefix names the collections holding one month of a rollup:
// rollup_seg_<main|flagged>_<YYYYMM>_<unix ns>.
const segmentPrefix = "rollup_seg_"

// journalPrefix names the journals: rollup_journal_<sequence, 12 digits>,
// so that names sort as sequences do.
const journalPrefix = "rollup_journal_"

func journalName(seq int64) string { return fmt.Sprintf("%s%012d", journalPrefix, seq) }

// segmentRunCells and segmentRunBytes bound one document of a segment: a
// run of days, gob-encoded together (runDoc). segmentReadBatch documents
// are read at a time: FerretDB does not cut a batch at 16 MB as MongoDB
// does, and a reply past 48 MB fails.
const (
	segmentRunCells  = 8192
	segmentReadBatch = 32
)

var segmentRunBytes = 512 << 10 // a variable for tests

// runDoc holds a run of days of a segment (of one unit or several, in the
// order written), gob-encoded in one binary field: FerretDB stores a binary
// field as one string, where it would turn nested BSON into JSON and back.
// One document per day (dayDoc, as segments were first written, still
// read) made a segment's load cost a gob decoder per day, whose compiling
// of the types was most of the decoding, and FerretDB's cost per document
// on top; a run of up to segmentRunCells cells pays them once. (BSON in the
// binary field needs no compiling but is about five times the bytes, which
// FerretDB encodes and decodes as JSON: slower to read.)
type runDoc struct {
	ID   string `bson:"_id"`
	Days []byte `bson:"days,omitempty"`
	// Cells is set instead of Days in a document of one day (dayDoc).
	Unit  string       `bson:"unit,omitempty"`
	Date  hailong.Date `bson:"date,omitempty"`
	Cells []byte       `bson:"cells,omitempty"`
}

// monthName names a new collection of one month of a rollup:
// <prefix><main|flagged>_<YYYYMM>_<unix ns>.
func monthName(prefix string, flagged bool, m rollup.Month) string {
	kind := "main"
	if flagged {
		kind = "flagged"
	}
	return fmt.Sprintf("%s%s_%s_%d", prefix, kind, m, time.Now().UnixNano())
}

// WriteSegment writes the days of one month of a rollup into a new
// collection and returns its name.
func (d *DB) WriteSegment(ctx context.Context, flagged bool, m rollup.Month, days []rollup.Day) (string, error) {
	name := monthName(segmentPrefix, flagged, m)
	return name, d.writeDays(ctx, name, days)
}

// writeDays writes days into the new collection name, in runs (runDoc).
func (d *DB) writeDays(ctx context.Context, name string, days []rollup.Day) error {
	w := inserter{coll: d.db.Collection(name), batch: maxInsertBatch}
	for start := 0; start < len(days); {
		end, cells := start, 0
		for end < len(days) && (end == start || cells+len(days[end].Cells) <= segmentRunCells) {
			cells += len(days[end].Cells)
			end++
		}
		var b bytes.Buffer
		for {
			b.Reset()
			if err := gob.NewEncoder(&b).Encode(days[start:end]); err != nil {
				return fmt.Errorf("encode rollup days: %w", err)
			}
			if b.Len() <= segmentRunBytes || end-start == 1 {
				break
			}
			end = start + (end-start)/2 // cells with many answers: a shorter run
		}
		if err := w.add(ctx, runDoc{ID: dayID(&days[start]), Days: bytes.Clone(b.Bytes())}); err != nil {
			return fmt.Errorf("write rollup segment: %w", err)
		}
		start = end
	}
	if err := w.flush(ctx); err != nil {
		return fmt.Errorf("write rollup segment: %w", err)
	}
	return nil
}

// LoadSegment calls fn for every day of a segment.
func (d *DB) LoadSegment(ctx context.Context, name string, fn func(rollup.Day)) error {
	if !strings.HasPrefix(name, segmentPrefix) {
		return fmt.Errorf("%q is not a rollup segment", name)
	}
	return d.loadDays(ctx, name, fn)
}

// loadDays calls fn for every day writeDays wrote into name.
func (d *DB) loadDays(ctx context.Context, name string, fn func(rollup.Day)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	return eachDoc(ctx, d.db.Collection(name), segmentReadBatch, func(doc *runDoc) error {
		if doc.Days == nil {
			day, err := (&dayDoc{ID: doc.ID, Unit: doc.Unit, Date: doc.Date, Cells: doc.Cells}).decode()
			if err != nil {
				return err
			}
			fn(day)
			return nil
		}
		var days []rollup.Day
		if err := gob.NewDecoder(bytes.NewReader(doc.Days)).Decode(&days); err != nil {
			return fmt.Errorf("decode rollup days %s: %w", doc.ID, err)
		}
		for _, day := range days {
			fn(day)
		}
		return nil
	})
}

// summaryPrefix names the collections holding the summary of a segment
// (rollup.Summary): rollup_sum_<main|flagged>_<YYYYMM>_<unix ns>. A
// summary is a collection of its own, and not a document of its segment,
// because a query reading it must not read the segment: on FerretDB a
// find of one document by _id scans its collection.
const summaryPrefix = "rollup_sum_"

// summaryRunUnits bounds the units of one document of a summary: a
// province's are a few hundred, a national rollup's could pass 16 MB.
const summaryRunUnits = 1024

// WriteSummary writes the summary of one month of a rollup into a new
// collection and returns its name.
func (d *DB) WriteSummary(ctx context.Context, flagged bool, s rollup.Summary) (string, error) {
	name := monthName(summaryPrefix, flagged, s.Month)
	return name, d.writeSummary(ctx, name, s)
}

// writeSummary writes a summary into the new collection name.
func (d *DB) writeSummary(ctx context.Context, name string, s rollup.Summary) error {
	w := inserter{coll: d.db.Collection(name), batch: maxInsertBatch}
	for start := 0; start == 0 || start < len(s.Units); start += summaryRunUnits {
		part := rollup.Summary{Month: s.Month, Units: s.Units[start:min(start+summaryRunUnits, len(s.Units))]}
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(part); err != nil {
			return fmt.Errorf("encode rollup summary: %w", err)
		}
		if err := w.add(ctx, runDoc{ID: strconv.Itoa(start), Days: b.Bytes()}); err != nil {
			return fmt.Errorf("write rollup summary: %w", err)
		}
	}
	if err := w.flush(ctx); err != nil {
		return fmt.Errorf("write rollup summary: %w", err)
	}
	return nil
}

// LoadSummary reads a summary WriteSummary wrote.
func (d *DB) LoadSummary(ctx context.Context, name string) (rollup.Summary, error) {
	if !strings.HasPrefix(name, summaryPrefix) {
		return rollup.Summary{}, fmt.Errorf("%q is not a rollup summary", name)
	}
	return d.loadSummary(ctx, name)
}

// loadSummary reads the summary writeSummary wrote into name.
func (d *DB) loadSummary(ctx context.Context, name string) (rollup.Summary, error) {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	var s rollup.Summary
	docs := 0
	err := eachDoc(ctx, d.db.Collection(name), segmentReadBatch, func(doc *runDoc) error {
		var part rollup.Summary
		if err := gob.NewDecoder(bytes.NewReader(doc.Days)).Decode(&part); err != nil {
			return fmt.Errorf("decode rollup summary %s: %w", name, err)
		}
		s.Month = part.Month
		s.Units = append(s.Units, part.Units...)
		docs++
		return nil
	})
	if err == nil && docs == 0 {
		err = fmt.Errorf("rollup summary %s is empty or missing", name)
	}
	return s, err
}

// SummaryNames names every summary stored. Listing names reads the
// catalogue, not any collection.
func (d *DB) SummaryNames(ctx context.Context) (map[string]bool, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	out := map[string]bool{}
	for _, n := range names {
		if strings.HasPrefix(n, summaryPrefix) {
			out[n] = true
		}
	}
	return out, nil
}

// journalDoc is one entry of a journal: a claim or a done, gob-encoded in
// one binary field for the reason dayDoc's cells are. Its _id is left to
// the driver; entries are read whole and matched by stamp, in any order.
type journalDoc struct {
	Claim []byte `bson:"claim,omitempty"`
	Done  []byte `bson:"done,omitempty"`
}

// AppendClaim writes a claim into journal seq.
func (d *DB) AppendClaim(ctx context.Context, seq int64, c ingest.Claim) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(c); err != nil {
		return fmt.Errorf("encode journal claim: %w", err)
	}
	if _, err := d.db.Collection(journalName(seq)).InsertOne(ctx, journalDoc{Claim: b.Bytes()}); err != nil {
		return fmt.Errorf("write journal claim: %w", err)
	}
	return nil
}

// AppendDone writes a done into journal seq.
func (d *DB) AppendDone(ctx context.Context, seq int64, done ingest.Done) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(done); err != nil {
		return fmt.Errorf("encode journal done: %w", err)
	}
	if _, err := d.db.Collection(journalName(seq)).InsertOne(ctx, journalDoc{Done: b.Bytes()}); err != nil {
		return fmt.Errorf("write journal done: %w", err)
	}
	return nil
}

// journals lists the sequences of the journals, ascending. Listing names
// reads the catalogue, not any collection.
func (d *DB) journals(ctx context.Context) ([]int64, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var seqs []int64
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, journalPrefix); ok {
			if seq, err := strconv.ParseInt(rest, 10, 64); err == nil {
				seqs = append(seqs, seq)
			}
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// LastJournal returns the highest sequence of any journal, 0 if none.
func (d *DB) LastJournal(ctx context.Context) (int64, error) {
	seqs, err := d.journals(ctx)
	if err != nil || len(seqs) == 0 {
		return 0, err
	}
	return seqs[len(seqs)-1], nil
}

// ReadJournals calls fn with every entry of every journal from sequence
// from on, journal by journal: the tail a start replays. Each journal is
// read whole, so the read never scans more than the tail.
func (d *DB) ReadJournals(ctx context.Context, from int64, fn func(seq int64, c *ingest.Claim, done *ingest.Done) error) error {
	seqs, err := d.journals(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	for _, seq := range seqs {
		if seq < from {
			continue
		}
		// A batch of a few documents: a claim holds a whole upload, and
		// FerretDB does not cut a batch at 16 MB as MongoDB does.
		cur, err := d.db.Collection(journalName(seq)).Find(ctx, bson.D{}, options.Find().SetBatchSize(16))
		if err != nil {
			return fmt.Errorf("read journal %d: %w", seq, err)
		}
		for cur.Next(ctx) {
			var doc journalDoc
			if err := cur.Decode(&doc); err != nil {
				cur.Close(ctx)
				return fmt.Errorf("decode journal entry: %w", err)
			}
			var c *ingest.Claim
			var done *ingest.Done
			var dst any
			if doc.Claim != nil {
				c = &ingest.Claim{}
				dst = c
			} else {
				done = &ingest.Done{}
				dst = done
			}
			if err := gob.NewDecoder(bytes.NewReader(append(doc.Claim, doc.Done...))).Decode(dst); err != nil {
				cur.Close(ctx)
				return fmt.Errorf("decode journal %d entry: %w", seq, err)
			}
			if err := fn(seq, c, done); err != nil {
				cur.Close(ctx)
				return err
			}
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return fmt.Errorf("read journal %d: %w", seq, err)
		}
	}
	return nil
}

// DropStale drops the segments and summaries the state does not name and the journals
// before its own: what a crash mid-checkpoint, or an older checkpoint,
// left behind.
func (d *DB) DropStale(ctx context.Context, st rollup.State) error {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	named := make(map[string]bool, 2*len(st.Segments))
	for _, s := range st.Segments {
		named[s.Collection] = true
		named[s.Summary] = true
	}
	for _, n := range names {
		stale := (strings.HasPrefix(n, segmentPrefix) || strings.HasPrefix(n, summaryPrefix)) && !named[n]
		if rest, ok := strings.CutPrefix(n, journalPrefix); ok {
			seq, err := strconv.ParseInt(rest, 10, 64)
			stale = err == nil && seq < st.Journal
		}
		if stale {
			if err := d.db.Collection(n).Drop(ctx); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
	}
	return nil
}
