package mongodb

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
)

// The citizens' comments are kept twice: inside their ratings (the source
// of truth) and in collections of their own, one a month
// (comments_YYYY_MM, the month of the rating's day in Vietnam), written by
// inserts only. The in-memory index reads a month whole when a query first
// needs it (comments.Store), so that neither a start nor a query reads
// every comment ever stored: on FerretDB any filtered find, even by _id,
// scans its collection, so a month's own collection is the way to read a
// month alone. Like the rollups, they are rebuilt from the ratings after a
// crash.
//
// Versions before kept every comment in one collection, "comments": the
// first start of this one moves it into the months (CommentMonths), and
// so does the first start after an earlier version ran again.

// legacyComments is the one collection of comments of earlier versions.
func (d *DB) legacyComments() *mongo.Collection { return d.db.Collection("comments") }

// commentMonthPrefix begins the name of a month's collection of comments.
const commentMonthPrefix = "comments_"

// commentMonth returns the collection of a month's comments.
func (d *DB) commentMonth(m rollup.Month) *mongo.Collection {
	y, mo := m.YearMonth()
	return d.db.Collection(fmt.Sprintf("%s%04d_%02d", commentMonthPrefix, y, mo))
}

// monthOfCollection reads the month a collection of comments is named
// for; ok is false for any other name.
func monthOfCollection(name string) (m rollup.Month, ok bool) {
	var y, mo int
	rest, found := strings.CutPrefix(name, commentMonthPrefix)
	if !found || len(rest) != 7 {
		return 0, false
	}
	if n, err := fmt.Sscanf(rest, "%04d_%02d", &y, &mo); n != 2 || err != nil || mo < 1 || mo > 12 {
		return 0, false
	}
	return rollup.MonthOf(hailong.DateFromYMD(y, time.Month(mo), 1)), true
}

// commentMonthsStateID names the meta document saying the months'
// collections of comments were built from the ratings: a database from
// before they existed has none, and its first start builds them, or moves
// the one collection of earlier versions into them.
const commentMonthsStateID = "comment_months"

// legacyCommentsStateID names the meta document of earlier versions,
// saying their one collection of comments was built. This version keeps
// it false, so that an earlier version started on the database (a
// rollback, a standby not yet upgraded) rebuilds that collection from the
// ratings rather than serve it empty; once it has, it says true again,
// and the next start of this version moves what it wrote into the months.
const legacyCommentsStateID = "comments"

type commentsState struct {
	Built bool `bson:"built"`
}

type commentDoc struct {
	ID            string    `bson:"_id"`
	At            time.Time `bson:"at"`
	Unit          string    `bson:"unit"`
	Procedure     string    `bson:"procedure,omitempty"`
	Official      string    `bson:"official,omitempty"`
	Counter       string    `bson:"counter,omitempty"`
	Channel       string    `bson:"channel"`
	Questionnaire string    `bson:"questionnaire"`
	Version       int       `bson:"version"`
	Level         int       `bson:"level"`
	Mood          string    `bson:"mood"`
	Text          string    `bson:"text"`
}

func commentToDoc(c *comments.Comment) commentDoc {
	return commentDoc{ID: c.ID, At: c.At.UTC(), Unit: c.Unit, Procedure: c.Procedure, Official: c.Official, Counter: c.Counter,
		Channel: string(c.Channel), Questionnaire: c.Questionnaire, Version: c.Version, Level: c.Level, Mood: string(c.Mood), Text: c.Text}
}

func (doc *commentDoc) comment() comments.Comment {
	return comments.Comment{ID: doc.ID, At: doc.At.UTC(), Unit: doc.Unit, Procedure: doc.Procedure, Official: doc.Official, Counter: doc.Counter,
		Channel: hailong.Channel(doc.Channel), Questionnaire: doc.Questionnaire, Version: doc.Version, Level: doc.Level,
		Mood: comments.Mood(doc.Mood), Text: doc.Text}
}

// InsertComments stores comments of newly stored ratings, each in its
// month's collection. One already stored (the same rating's) is skipped.
func (d *DB) InsertComments(ctx context.Context, cs []comments.Comment) error {
	for m, cs := range comments.ByMonth(cs) {
		docs := make([]any, 0, len(cs))
		for i := range cs {
			docs = append(docs, commentToDoc(&cs[i]))
		}
		if err := insertSkippingStored(ctx, d.commentMonth(m), docs); err != nil {
			return fmt.Errorf("insert comments: %w", err)
		}
	}
	return nil
}

// insertSkippingStored inserts docs, skipping those whose _id is stored.
func insertSkippingStored(ctx context.Context, coll *mongo.Collection, docs []any) error {
	for start := 0; start < len(docs); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(docs))
		_, err := coll.InsertMany(ctx, docs[start:end], options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if err != nil && errors.As(err, &bwe) && bwe.WriteConcernError == nil {
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return err
				}
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// CommentMonths returns the months of which comments are stored; built is
// false when the comments were never built from the ratings. It lists the
// collections, reading none, but for the first start after an earlier
// version ran on the database, which moves the one collection of comments
// it wrote into the months.
func (d *DB) CommentMonths(ctx context.Context) (months []rollup.Month, built bool, err error) {
	var state, legacy commentsState
	if _, err := d.getMeta(ctx, commentMonthsStateID, &state); err != nil {
		return nil, false, err
	}
	if _, err := d.getMeta(ctx, legacyCommentsStateID, &legacy); err != nil {
		return nil, false, err
	}
	if legacy.Built {
		if err := d.moveCommentsIntoMonths(ctx); err != nil {
			return nil, false, err
		}
		state.Built = true
	}
	if !state.Built {
		return nil, false, nil
	}
	months, err = d.storedCommentMonths(ctx)
	return months, err == nil, err
}

// storedCommentMonths returns the months that have a collection of
// comments, in order, by the list of collections.
func (d *DB) storedCommentMonths(ctx context.Context) ([]rollup.Month, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var months []rollup.Month
	for _, n := range names {
		if m, ok := monthOfCollection(n); ok {
			months = append(months, m)
		}
	}
	slices.Sort(months)
	return months, nil
}

// moveCommentsIntoMonths copies the one collection of comments of earlier
// versions into the months', says the months built and that collection
// not, then drops it. Cut short, it is made again at the next start: the
// copies already made are skipped. Over months already built it adds what
// an earlier version stored since (its rebuild holds every comment).
func (d *DB) moveCommentsIntoMonths(ctx context.Context) error {
	sctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.legacyComments().Find(sctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return fmt.Errorf("read the comments to move them into months: %w", err)
	}
	defer cur.Close(sctx)
	var batch []comments.Comment
	for cur.Next(sctx) {
		var doc commentDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode comment: %w", err)
		}
		if batch = append(batch, doc.comment()); len(batch) == 10*maxInsertBatch {
			if err := d.InsertComments(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read the comments to move them into months: %w", err)
	}
	if err := d.InsertComments(ctx, batch); err != nil {
		return err
	}
	// Every month may hold comments one a document again, beside runs
	// holding the same: each is packed again.
	if err := d.setPacked(ctx, nil, true); err != nil {
		return err
	}
	if err := d.putMeta(ctx, commentMonthsStateID, commentsState{Built: true}); err != nil {
		return err
	}
	if err := d.putMeta(ctx, legacyCommentsStateID, commentsState{}); err != nil {
		return err
	}
	if err := d.legacyComments().Drop(ctx); err != nil {
		return fmt.Errorf("drop the comments moved into months: %w", err)
	}
	return nil
}

// A month's comments are inserted one document each, as their ratings
// are stored, and read back at about 4,500-7,000 a second on FerretDB (a
// province's month of 15,000 in 2-3 s, a year in 40). A closed month is
// packed once (PackCommentMonth): its comments gob-encoded into runs of
// at most commentsPerRun and commentRunBytes, a document each, which read
// back about twelve times faster. A run's _id is commentRunPrefix, the
// pack's own random token and the run's number: no rating's id begins so,
// and no writer makes another's, so a pack's delete of what it read never
// hits a run another pack or a rebuild wrote since. Comments of a packed
// month coming late (an offline kiosk's) are inserted one a document as
// ever, beside the runs; a rebuild packs them.
const (
	commentRunPrefix = "run:"
	commentsPerRun   = 2000
	// commentRunBytes bounds a run's comments' text and codes: a run of
	// 2,000 comments at their longest would pass a document's 16 MiB.
	commentRunBytes = 4 << 20
	// packDeleteBatch is how many documents a pack deletes in one command
	// (about 45 bytes of _id each, well within a command's 16 MB).
	packDeleteBatch = 50000
)

// commentPacksID names the meta document listing the months packed
// (commentPacks).
const commentPacksID = "comment_packs"

type commentPacks struct {
	Months []int32 `bson:"months"`
}

// commentRunDoc is a run of a month's comments.
type commentRunDoc struct {
	ID  string `bson:"_id"`
	Run []byte `bson:"run"`
}

// LoadCommentMonth calls fn with every stored comment of month m: the
// runs' and the ones inserted one a document. A comment may come twice (a
// pack cut short); the index holds it once.
func (d *DB) LoadCommentMonth(ctx context.Context, m rollup.Month, fn func(comments.Comment)) error {
	return d.readCommentMonth(ctx, m, func(_ string, c comments.Comment) { fn(c) })
}

// readCommentMonth calls fn with every stored comment of month m and the
// _id of the document holding it.
func (d *DB) readCommentMonth(ctx context.Context, m rollup.Month, fn func(doc string, c comments.Comment)) error {
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.commentMonth(m).Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return fmt.Errorf("load comments: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("_id").StringValueOK()
		if strings.HasPrefix(id, commentRunPrefix) {
			var run commentRunDoc
			if err := cur.Decode(&run); err != nil {
				return fmt.Errorf("decode comments %s: %w", id, err)
			}
			var docs []commentDoc
			if err := decodeRun(run.Run, &docs); err != nil {
				return fmt.Errorf("decode comments %s: %w", id, err)
			}
			for i := range docs {
				// gob reads a run of another shape as zero values.
				if docs[i].ID == "" || docs[i].At.IsZero() {
					return fmt.Errorf("decode comments %s: a comment without an id or a time", id)
				}
				fn(id, docs[i].comment())
			}
			continue
		}
		var doc commentDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("decode comment: %w", err)
		}
		fn(id, doc.comment())
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("load comments: %w", err)
	}
	return nil
}

// CommentMonthsToPack returns the months before the given one that hold
// comments and were not packed, by the list of collections and the months
// packed, reading no comment (counting a collection reads every document
// on FerretDB).
func (d *DB) CommentMonthsToPack(ctx context.Context, before rollup.Month) ([]rollup.Month, error) {
	var packs commentPacks
	if _, err := d.getMeta(ctx, commentPacksID, &packs); err != nil {
		return nil, err
	}
	months, err := d.storedCommentMonths(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(months, func(m rollup.Month) bool { return m >= before || slices.Contains(packs.Months, int32(m)) }), nil
}

// setPacked records which months are packed: add to those recorded, or
// the months alone if replace.
func (d *DB) setPacked(ctx context.Context, months []rollup.Month, replace bool) error {
	var packs commentPacks
	if !replace {
		if _, err := d.getMeta(ctx, commentPacksID, &packs); err != nil {
			return err
		}
	}
	for _, m := range months {
		if !slices.Contains(packs.Months, int32(m)) {
			packs.Months = append(packs.Months, int32(m))
		}
	}
	slices.Sort(packs.Months)
	return d.putMeta(ctx, commentPacksID, packs)
}

// PackCommentMonth packs month m's comments into runs, and returns how
// many it packed. It writes the new runs before it deletes the documents
// it read, only those, so that a read meanwhile finds every comment (some
// twice), a comment inserted meanwhile stays, a pack cut short is made
// whole by the next, and packs of one month at once (a deposed owner's and
// the new one's, or its rebuild) lose none: each deletes only documents
// whose comments it wrote again. It then records the month packed.
func (d *DB) PackCommentMonth(ctx context.Context, m rollup.Month) (int, error) {
	held := map[string]comments.Comment{}
	var docs []string // the documents read: runs and comments
	err := d.readCommentMonth(ctx, m, func(doc string, c comments.Comment) {
		if len(docs) == 0 || docs[len(docs)-1] != doc {
			docs = append(docs, doc)
		}
		held[c.ID] = c
	})
	if err != nil {
		return 0, err
	}
	coll := d.commentMonth(m)
	all := slices.Collect(maps.Values(held))
	if err := writeCommentRuns(ctx, coll, all); err != nil {
		return 0, err
	}
	// Every delete reads the whole collection on FerretDB (each document
	// decoded and its _id compared with every one listed), so as many as
	// a command holds at once.
	for start := 0; start < len(docs); start += packDeleteBatch {
		ids := docs[start:min(start+packDeleteBatch, len(docs))]
		if _, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
			return 0, fmt.Errorf("delete the comments packed: %w", err)
		}
	}
	if err := d.setPacked(ctx, []rollup.Month{m}, false); err != nil {
		return 0, err
	}
	return len(all), nil
}

// writeCommentRuns writes cs, of one month, into coll as runs under a
// token of their own (in any order: the index orders a month as it reads
// it).
func writeCommentRuns(ctx context.Context, coll *mongo.Collection, cs []comments.Comment) error {
	token := rand.Text()
	var runs []any
	for start := 0; start < len(cs); {
		vs := make([]commentDoc, 0, min(commentsPerRun, len(cs)-start))
		size := 0
		for start < len(cs) && len(vs) < commentsPerRun {
			c := &cs[start]
			n := len(c.ID) + len(c.Text) + len(c.Unit) + len(c.Procedure) + len(c.Official) + len(c.Counter) + len(c.Questionnaire) + 64
			if len(vs) > 0 && size+n > commentRunBytes {
				break
			}
			vs = append(vs, commentToDoc(c))
			size += n
			start++
		}
		run, err := encodeRun(vs)
		if err != nil {
			return fmt.Errorf("encode comments: %w", err)
		}
		runs = append(runs, commentRunDoc{ID: fmt.Sprintf("%s%s:%d", commentRunPrefix, token, len(runs)), Run: run})
	}
	for _, run := range runs {
		// One a command: a command of several passes 16 MiB.
		if _, err := coll.InsertOne(ctx, run); err != nil {
			return fmt.Errorf("write the runs of comments: %w", err)
		}
	}
	return nil
}

// ReplaceComments replaces every stored comment by cs, built from the
// ratings, packed, and marks the months built (and the collection of earlier
// versions not).
func (d *DB) ReplaceComments(ctx context.Context, cs []comments.Comment) error {
	if err := d.putMeta(ctx, commentMonthsStateID, commentsState{}); err != nil {
		return err
	}
	if err := d.putMeta(ctx, legacyCommentsStateID, commentsState{}); err != nil {
		return err
	}
	stored, err := d.storedCommentMonths(ctx)
	if err != nil {
		return err
	}
	colls := []*mongo.Collection{d.legacyComments()}
	for _, m := range stored {
		colls = append(colls, d.commentMonth(m))
	}
	for _, coll := range colls {
		if err := coll.Drop(ctx); err != nil {
			return fmt.Errorf("drop comments: %w", err)
		}
	}
	// Packed, as they are all here.
	byMonth := comments.ByMonth(cs)
	for m, cs := range byMonth {
		if err := writeCommentRuns(ctx, d.commentMonth(m), cs); err != nil {
			return err
		}
	}
	if err := d.setPacked(ctx, slices.Collect(maps.Keys(byMonth)), true); err != nil {
		return err
	}
	return d.putMeta(ctx, commentMonthsStateID, bson.D{{Key: "built", Value: true}, {Key: "updated", Value: time.Now().UTC()}})
}
