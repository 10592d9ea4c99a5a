package mongodb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/rollup"
)

// TestCommentsKeptByMonth checks the comments' collections: each month's
// comments read back alone, the one collection of earlier versions moved
// into months at the first start (also after a move cut short), and a
// rebuild that replaces every month.
func TestCommentsKeptByMonth(t *testing.T) {
	ctx := context.Background()
	mar := time.Date(2026, 2, 28, 17, 30, 0, 0, time.UTC) // 00:30 on 1 March in Vietnam
	var cs []comments.Comment
	for i := range 30 {
		cs = append(cs, comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: mar.AddDate(0, i%3, i).Truncate(time.Millisecond),
			Unit: "TT-09190", Channel: hailong.ChannelKiosk, Questionnaire: "counter-quick", Version: 1, Level: 1 + i%5,
			Mood: comments.Moods[i%3], Text: fmt.Sprintf("góp ý %d", i)})
	}
	months := []rollup.Month{rollup.MonthOf(hailong.DateFromYMD(2026, 3, 1)), rollup.MonthOf(hailong.DateFromYMD(2026, 4, 1)),
		rollup.MonthOf(hailong.DateFromYMD(2026, 5, 1)), rollup.MonthOf(hailong.DateFromYMD(2026, 6, 1))}
	legacy := func(t *testing.T, db *mongodb.DB, raw *mongo.Database, moved int) {
		t.Helper()
		for i := range cs {
			c := &cs[i]
			doc := bson.D{{Key: "_id", Value: c.ID}, {Key: "at", Value: c.At}, {Key: "unit", Value: c.Unit}, {Key: "channel", Value: string(c.Channel)},
				{Key: "questionnaire", Value: c.Questionnaire}, {Key: "version", Value: c.Version}, {Key: "level", Value: c.Level},
				{Key: "mood", Value: string(c.Mood)}, {Key: "text", Value: c.Text}}
			if err := db.InsertRaw(ctx, "comments", doc); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InsertComments(ctx, cs[:moved]); err != nil { // a move cut short
			t.Fatal(err)
		}
		if _, err := raw.Collection("meta").ReplaceOne(ctx, bson.D{{Key: "_id", Value: "comments"}}, bson.D{{Key: "built", Value: true}},
			options.Replace().SetUpsert(true)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, db *mongodb.DB, raw *mongo.Database)
	}{
		{"built from the ratings", func(t *testing.T, db *mongodb.DB, _ *mongo.Database) {
			if err := db.ReplaceComments(ctx, cs[:7]); err != nil {
				t.Fatal(err)
			}
			if err := db.ReplaceComments(ctx, cs[5:]); err != nil { // rebuilt, then more stored
				t.Fatal(err)
			}
			if err := db.InsertComments(ctx, cs[:6]); err != nil {
				t.Fatal(err)
			}
		}},
		{"in the one collection of earlier versions", func(t *testing.T, db *mongodb.DB, raw *mongo.Database) { legacy(t, db, raw, 0) }},
		{"moved in part when the move was cut short", func(t *testing.T, db *mongodb.DB, raw *mongo.Database) { legacy(t, db, raw, 17) }},
		{"rebuilt by an earlier version started after the move", func(t *testing.T, db *mongodb.DB, raw *mongo.Database) {
			legacy(t, db, raw, 0)
			if _, _, err := db.CommentMonths(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.InsertComments(ctx, cs[:12]); err != nil { // stored by this version since
				t.Fatal(err)
			}
			// An earlier version must not take its collection, gone, for
			// built: it would serve no comment, and write new ones where
			// this version does not read.
			var state struct {
				Built bool `bson:"built"`
			}
			if err := raw.Collection("meta").FindOne(ctx, bson.D{{Key: "_id", Value: "comments"}}).Decode(&state); err != nil || state.Built {
				t.Fatalf("after the move, the earlier versions' state says built %v (%v); want not built", state.Built, err)
			}
			if err := raw.Collection("comments").Drop(ctx); err != nil {
				t.Fatal(err)
			}
			legacy(t, db, raw, 0) // its rebuild: every comment, with those it stored
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, raw := shared(t)
			db := open()
			if _, built, err := db.CommentMonths(ctx); err != nil || built {
				t.Fatalf("a new database's comments: built %v, %v; want not built", built, err)
			}
			tt.prepare(t, db, raw)
			for range 2 { // the second start finds them moved
				got, built, err := db.CommentMonths(ctx)
				if err != nil || !built || !slices.Equal(got, months[:3]) {
					t.Fatalf("months %v, built %v, %v; want %v", got, built, err, months[:3])
				}
				var read []comments.Comment
				for _, m := range months {
					if err := db.LoadCommentMonth(ctx, m, func(c comments.Comment) {
						if comments.MonthOf(c.At) != m {
							t.Errorf("comment %s of %v read with %v", c.ID, comments.MonthOf(c.At), m)
						}
						read = append(read, c)
					}); err != nil {
						t.Fatal(err)
					}
				}
				slices.SortFunc(read, func(a, b comments.Comment) int { return strings.Compare(a.ID, b.ID) })
				if !slices.EqualFunc(read, cs, func(a, b comments.Comment) bool { return a == b }) {
					t.Fatalf("read back %d comments\n%+v\nwant %d\n%+v", len(read), read, len(cs), cs)
				}
			}
			names, err := raw.ListCollectionNames(ctx, bson.D{{Key: "name", Value: "comments"}})
			if err != nil || len(names) != 0 {
				t.Errorf("the one collection of earlier versions is left: %v, %v", names, err)
			}
		})
	}
}
