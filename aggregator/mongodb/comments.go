package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/comments"
)

// The citizens' comments are kept twice: inside their ratings (the source
// of truth) and in a collection of their own, written by inserts only and
// read whole at start into the in-memory index, so that a start never
// scans the ratings for them. Like the rollups, the collection is rebuilt
// from the ratings after a crash.

func (d *DB) comments() *mongo.Collection { return d.db.Collection("comments") }

// commentsStateID names the meta document saying the comments collection
// was built from the ratings: a database from before it existed has none,
// and its first start builds it.
const commentsStateID = "comments"

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

// InsertComments stores comments of newly stored ratings. One already
// stored (the same rating's) is skipped.
func (d *DB) InsertComments(ctx context.Context, cs []comments.Comment) error {
	for start := 0; start < len(cs); start += maxInsertBatch {
		end := min(start+maxInsertBatch, len(cs))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, commentToDoc(&cs[i]))
		}
		_, err := d.comments().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if err != nil && errors.As(err, &bwe) && bwe.WriteConcernError == nil {
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return fmt.Errorf("insert comments: %w", err)
				}
			}
		} else if err != nil {
			return fmt.Errorf("insert comments: %w", err)
		}
	}
	return nil
}

// CommentsBuilt tells whether the comments collection was built from the
// ratings, without reading it.
func (d *DB) CommentsBuilt(ctx context.Context) (bool, error) {
	var state struct {
		Built bool `bson:"built"`
	}
	if _, err := d.getMeta(ctx, commentsStateID, &state); err != nil || !state.Built {
		return false, err
	}
	return true, nil
}

// LoadComments calls fn with every stored comment; built is false when the
// collection was never built from the ratings.
func (d *DB) LoadComments(ctx context.Context, fn func(comments.Comment)) (built bool, err error) {
	if built, err := d.CommentsBuilt(ctx); err != nil || !built {
		return false, err
	}
	ctx, cancel := scanContext(ctx)
	defer cancel()
	cur, err := d.comments().Find(ctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return false, fmt.Errorf("load comments: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc commentDoc
		if err := cur.Decode(&doc); err != nil {
			return false, fmt.Errorf("decode comment: %w", err)
		}
		fn(doc.comment())
	}
	return true, cur.Err()
}

// ReplaceComments replaces every stored comment by cs, built from the
// ratings, and marks the collection built.
func (d *DB) ReplaceComments(ctx context.Context, cs []comments.Comment) error {
	if err := d.putMeta(ctx, commentsStateID, bson.D{{Key: "built", Value: false}}); err != nil {
		return err
	}
	if err := d.comments().Drop(ctx); err != nil {
		return fmt.Errorf("drop comments: %w", err)
	}
	if err := d.InsertComments(ctx, cs); err != nil {
		return err
	}
	return d.putMeta(ctx, commentsStateID, bson.D{{Key: "built", Value: true}, {Key: "updated", Value: time.Now().UTC()}})
}
