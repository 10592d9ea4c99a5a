package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/ferret"
)

func someComments(n int, at time.Time, text string) []comments.Comment {
	var cs []comments.Comment
	for i := range n {
		cs = append(cs, comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: at.Add(time.Duration(i) * time.Second),
			Unit: "TT-09190", Channel: hailong.ChannelKiosk, Questionnaire: "counter-quick", Version: 1, Level: 3, Mood: comments.Neutral, Text: text})
	}
	return cs
}

// startEmbedded starts an embedded database and opens a handle on it.
func startEmbedded(t *testing.T) (string, *DB) {
	t.Helper()
	ctx := context.Background()
	emb, err := ferret.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	d, err := Open(ctx, emb.URI(), "hailong_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(ctx) })
	return emb.URI(), d
}

// TestADeposedPackAfterARebuildLosesNothing: an owner past its lease,
// stalled between its pack's runs and its delete while the new owner
// rebuilt the comments, deletes none of the rebuild's runs (found by a
// review: runs' ids were made again by every writer, and a rebuild's were
// deleted as the ones the stalled pack had read).
func TestADeposedPackAfterARebuildLosesNothing(t *testing.T) {
	ctx := context.Background()
	uri, b := startEmbedded(t) // the new owner
	paused, resume := make(chan struct{}), make(chan struct{})
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName == "delete" {
			close(paused)
			<-resume // the old owner's process stalls here (GC, VM), past its lease
		}
	}}
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetMonitor(mon))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	a := &DB{client: c, db: c.Database("hailong_test")} // the old owner
	at := time.Date(2025, 3, 2, 3, 0, 0, 0, time.UTC)
	cs := someComments(3000, at, "ổn")
	m := comments.MonthOf(at)
	if err := b.ReplaceComments(ctx, cs); err != nil { // a rebuild long ago
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := a.PackCommentMonth(ctx, m); done <- err }()
	<-paused // the old owner wrote its runs, about to delete what it read
	if err := b.ReplaceComments(ctx, cs); err != nil {
		t.Fatal(err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	if err := b.LoadCommentMonth(ctx, m, func(c comments.Comment) { seen[c.ID] = true }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(cs) {
		t.Errorf("after the rebuild and the stalled pack, the month holds %d comments, want %d", len(seen), len(cs))
	}
}

// TestARunStaysWellUnderADocument: runs of comments at their longest (two
// text answers of MaxTextAnswer four-byte characters) are cut by bytes,
// well under a document's 16 MiB, which MongoDB enforces (FerretDB does
// not).
func TestARunStaysWellUnderADocument(t *testing.T) {
	ctx := context.Background()
	_, d := startEmbedded(t)
	long := strings.Repeat("😀", hailong.MaxTextAnswer)
	// About 16 KB a comment: 1,100 of them pass four runs' worth of
	// bytes, while a cut by count alone (commentsPerRun) makes one run.
	cs := someComments(1100, time.Date(2025, 3, 2, 3, 0, 0, 0, time.UTC), long+"\n"+long)
	if err := d.ReplaceComments(ctx, cs); err != nil {
		t.Fatal(err)
	}
	cur, err := d.commentMonth(comments.MonthOf(cs[0].At)).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	runs := 0
	for cur.Next(ctx) {
		runs++
		if n := len(cur.Current); n > 8<<20 {
			t.Errorf("a run of %d bytes, past half a document's 16 MiB", n)
		}
	}
	if runs < 4 {
		t.Errorf("%d runs, want the comments cut by bytes", runs)
	}
	n := 0
	if err := d.LoadCommentMonth(ctx, comments.MonthOf(cs[0].At), func(comments.Comment) { n++ }); err != nil || n != len(cs) {
		t.Errorf("read back %d, %v; want %d", n, err, len(cs))
	}
}
