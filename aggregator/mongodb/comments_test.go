package mongodb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
				// A comment may come twice (one stored again beside the
				// runs of a rebuild); the index holds it once.
				slices.SortFunc(read, func(a, b comments.Comment) int { return strings.Compare(a.ID, b.ID) })
				read = slices.Compact(read)
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

// TestCommentMonthsPacked checks that a month packed into runs reads back
// every comment it held, with those inserted after, that a pack cut short
// is made whole by the next, and which months are due.
func TestCommentMonthsPacked(t *testing.T) {
	ctx := context.Background()
	open, raw := shared(t)
	db := open()
	jan, feb := time.Date(2025, 1, 5, 3, 0, 0, 0, time.UTC), time.Date(2025, 2, 5, 3, 0, 0, 0, time.UTC)
	var janC, febC []comments.Comment
	for i := range 4500 {
		c := comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: jan.Add(time.Duration(i) * time.Minute).Truncate(time.Millisecond),
			Unit: "TT-09190", Channel: hailong.ChannelQR, Questionnaire: "sipas", Version: 2, Level: 1 + i%5, Mood: comments.Moods[i%3],
			Text: fmt.Sprintf("ý kiến %d", i)}
		janC = append(janC, c)
		if i < 50 {
			c.ID, c.At = fmt.Sprintf("0190c000-0000-7000-8000-%012d", i), feb.Add(time.Duration(i)*time.Minute)
			febC = append(febC, c)
		}
	}
	if err := db.ReplaceComments(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertComments(ctx, append(slices.Clone(janC), febC...)); err != nil {
		t.Fatal(err)
	}
	janM, febM := comments.MonthOf(jan), comments.MonthOf(feb)
	readBack := func(t *testing.T, m rollup.Month, want []comments.Comment) {
		t.Helper()
		seen := map[string]int{}
		if err := db.LoadCommentMonth(ctx, m, func(c comments.Comment) {
			seen[c.ID]++
			if i := slices.IndexFunc(want, func(w comments.Comment) bool { return w.ID == c.ID }); i < 0 || want[i] != c {
				t.Fatalf("read back %+v, not a comment of the month as stored", c)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != len(want) {
			t.Fatalf("read back %d comments, want %d", len(seen), len(want))
		}
	}
	docs := func(t *testing.T, m rollup.Month) int64 {
		t.Helper()
		y, mo := m.YearMonth()
		n, err := raw.Collection(fmt.Sprintf("comments_%04d_%02d", y, mo)).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if due, err := db.CommentMonthsToPack(ctx, febM+1); err != nil || !slices.Equal(due, []rollup.Month{janM, febM}) {
		t.Fatalf("months due %v, %v; want January and February (March on is not asked)", due, err)
	}
	if due, err := db.CommentMonthsToPack(ctx, febM); err != nil || !slices.Equal(due, []rollup.Month{janM}) {
		t.Fatalf("months before February due %v, %v; want January", due, err)
	}
	if n, err := db.PackCommentMonth(ctx, janM); err != nil || n != len(janC) {
		t.Fatalf("packed %d, %v; want %d", n, err, len(janC))
	}
	if n := docs(t, janM); n != 3 {
		t.Errorf("January packed into %d documents, want 3 runs", n)
	}
	readBack(t, janM, janC)
	// A late comment, and one stored again (a journal replayed after a
	// crash): beside the runs.
	late := janC[0]
	late.ID, late.Text = "0190d000-0000-7000-8000-000000000001", "đến muộn"
	if err := db.InsertComments(ctx, []comments.Comment{late, janC[7]}); err != nil {
		t.Fatal(err)
	}
	janC = append(janC, late)
	readBack(t, janM, janC)
	// A pack cut short after writing its runs: the next one packs every
	// comment once and leaves only its own runs.
	if err := db.InsertRaw(ctx, "comments_2025_01", bson.D{{Key: "_id", Value: "run:7:0"}, {Key: "run", Value: mustRun(t, janC[:10])}}); err != nil {
		t.Fatal(err)
	}
	readBack(t, janM, janC)
	if n, err := db.PackCommentMonth(ctx, janM); err != nil || n != len(janC) {
		t.Fatalf("packed again %d, %v; want %d", n, err, len(janC))
	}
	if n := docs(t, janM); n != 3 {
		t.Errorf("January packed again into %d documents, want 3 runs", n)
	}
	readBack(t, janM, janC)
	readBack(t, febM, febC)
	if due, err := db.CommentMonthsToPack(ctx, febM+1); err != nil || !slices.Equal(due, []rollup.Month{febM}) {
		t.Errorf("months due after January's pack %v, %v; want February", due, err)
	}
	// A rebuild writes its months packed.
	if err := db.ReplaceComments(ctx, append(slices.Clone(janC), febC...)); err != nil {
		t.Fatal(err)
	}
	if due, err := db.CommentMonthsToPack(ctx, febM+1); err != nil || len(due) != 0 {
		t.Errorf("months due after a rebuild %v, %v; want none", due, err)
	}
	readBack(t, janM, janC)
	readBack(t, febM, febC)
}

// mustRun is a run of comments as PackCommentMonth writes one.
func mustRun(t *testing.T, cs []comments.Comment) []byte {
	t.Helper()
	run, err := mongodb.EncodeCommentRun(cs)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestPacksOfOneMonthAtOnceLoseNothing: processes packing one month at
// once (an owner past its lease and the standby that took over) may fail,
// but lose no comment.
func TestPacksOfOneMonthAtOnceLoseNothing(t *testing.T) {
	ctx := context.Background()
	open, _ := shared(t)
	dbs := []*mongodb.DB{open(), open(), open()}
	at := time.Date(2025, 4, 2, 3, 0, 0, 0, time.UTC)
	m := comments.MonthOf(at)
	var all []comments.Comment
	// Three rounds of 800: by the last, the month holds more than a run
	// (2,000), packed runs and loose comments together.
	const perRound = 800
	for round := range 3 {
		for i := range perRound {
			all = append(all, comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8%03d-%012d", round, i), At: at.Add(time.Duration(round*perRound+i) * time.Minute),
				Unit: "TT-09190", Channel: hailong.ChannelKiosk, Questionnaire: "counter-quick", Version: 1, Level: 3, Mood: comments.Neutral, Text: "ổn"})
		}
		if err := dbs[0].InsertComments(ctx, all[round*perRound:]); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var packed atomic.Int32
		for _, db := range dbs {
			wg.Go(func() {
				if _, err := db.PackCommentMonth(ctx, m); err == nil {
					packed.Add(1)
				} else {
					t.Logf("round %d: a pack at once failed: %v", round, err)
				}
			})
		}
		wg.Wait()
		if packed.Load() == 0 {
			t.Fatalf("round %d: no pack of three succeeded", round)
		}
		seen := map[string]bool{}
		if err := dbs[1].LoadCommentMonth(ctx, m, func(c comments.Comment) { seen[c.ID] = true }); err != nil {
			t.Fatal(err)
		}
		for _, c := range all {
			if !seen[c.ID] {
				t.Fatalf("round %d: comment %s lost by packs at once (%d of %d read)", round, c.ID, len(seen), len(all))
			}
		}
	}
}
