package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/rollup"
	"hailong/syncapi"
)

// commentStore is the real store, but for comments: failing their
// inserts, or saying they were never built.
type commentStore struct {
	*mongodb.DB
	failInserts bool
	neverBuilt  bool
}

func (s *commentStore) InsertComments(ctx context.Context, cs []comments.Comment) error {
	if s.failInserts {
		return errors.New("injected: no space left on device")
	}
	return s.DB.InsertComments(ctx, cs)
}

func (s *commentStore) CommentMonths(ctx context.Context) ([]rollup.Month, bool, error) {
	if s.neverBuilt {
		return nil, false, nil
	}
	return s.DB.CommentMonths(ctx)
}

// texts returns the comments' texts, oldest first, reading them as a
// page of comments does.
func texts(t *testing.T, in *ingest.Ingester) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := in.Comments().Query(ctx, comments.Filter{Units: []string{kiosk.Unit}}, comments.Cursor{}, 100)
	if err != nil {
		t.Fatalf("the stored comments were not read: %v", err)
	}
	var out []string
	for _, c := range slices.Backward(p.Comments) {
		out = append(out, c.Text+"|"+string(c.Mood))
	}
	return out
}

// TestCommentsAreKeptLikeTheRollups checks that the comment of every
// stored rating reaches the index once, and is found again after a clean
// stop, a crash, a failed write of the comments and on a database from
// before comments had a collection.
func TestCommentsAreKeptLikeTheRollups(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	commented := func(overall int, text string) hailong.Rating {
		r := rating(overall, at)
		r.Answers["comment"] = hailong.Str(text)
		at = at.Add(time.Second)
		return r
	}
	lastMonth := rating(1, at.AddDate(0, -1, -3)) // stored in a month of its own
	lastMonth.Answers["comment"] = hailong.Str("Tháng trước cũng vậy")
	batch := []hailong.Rating{lastMonth, commented(1, "Chờ quá lâu"), rating(3, at), commented(3, "  Cán bộ tận tình  "), commented(2, " ")}
	want := []string{"Tháng trước cũng vậy|dissatisfied", "Chờ quá lâu|dissatisfied", "Cán bộ tận tình|satisfied"}
	tests := []struct {
		name string
		// restart starts a new ingester on the same data after the first.
		restart func(t *testing.T, first *ingest.Ingester, store *commentStore) *ingest.Ingester
	}{
		{"at once", nil},
		{"after a clean stop", func(t *testing.T, first *ingest.Ingester, store *commentStore) *ingest.Ingester {
			if err := first.Close(ctx); err != nil {
				t.Fatal(err)
			}
			return start(t, store)
		}},
		{"after a crash", func(t *testing.T, first *ingest.Ingester, store *commentStore) *ingest.Ingester {
			return start(t, store)
		}},
		{"after their write failed", func(t *testing.T, first *ingest.Ingester, store *commentStore) *ingest.Ingester {
			store.failInserts = false
			if err := first.Close(ctx); err != nil {
				t.Fatal(err)
			}
			return start(t, store)
		}},
		{"on a database from before comments", func(t *testing.T, first *ingest.Ingester, store *commentStore) *ingest.Ingester {
			if err := first.Close(ctx); err != nil {
				t.Fatal(err)
			}
			store.neverBuilt = true
			in := start(t, store)
			store.neverBuilt = false
			return in
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &commentStore{DB: ferrettest.Open(t)}
			store.failInserts = tt.name == "after their write failed"
			in := start(t, store)
			res, err := in.Ingest(ctx, kiosk, 0, batch)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := in.Ingest(ctx, kiosk, 0, batch); err != nil { // again: duplicates
				t.Fatal(err)
			}
			for _, st := range statuses(res) {
				if st != syncapi.Accepted {
					t.Fatalf("statuses %v, want every rating accepted", statuses(res))
				}
			}
			if got := texts(t, in); !slices.Equal(got, want) {
				t.Fatalf("comments %q, want %q", got, want)
			}
			if tt.restart == nil {
				return
			}
			again := tt.restart(t, in, store)
			if got := texts(t, again); !slices.Equal(got, want) {
				t.Errorf("after restart: comments %q, want %q", got, want)
			}
		})
	}
}

func start(t *testing.T, store ingest.Store) *ingest.Ingester {
	t.Helper()
	in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return in
}

// monthsAgo returns a time i months before now's month, in Vietnam (now
// itself, less a minute, for 0), each in a month of its own whatever the
// day.
func monthsAgo(now time.Time, i int) time.Time {
	if i == 0 {
		return now.Add(-time.Minute)
	}
	vn := now.In(hailong.Location)
	return time.Date(vn.Year(), vn.Month()-time.Month(i), 10, 9, 0, 0, 0, hailong.Location)
}

// monthReadStore counts the months of comments read.
type monthReadStore struct {
	*mongodb.DB
	reads atomic.Int32
}

func (s *monthReadStore) LoadCommentMonth(ctx context.Context, m rollup.Month, fn func(comments.Comment)) error {
	s.reads.Add(1)
	return s.DB.LoadCommentMonth(ctx, m, fn)
}

// TestAStartReadsNoComment: a start reads no month of comments before
// serving, and a query reads the months of its period once.
func TestAStartReadsNoComment(t *testing.T) {
	ctx := context.Background()
	store := &monthReadStore{DB: ferrettest.Open(t)}
	never := make(chan struct{}) // nothing left for once serving runs
	cfg := ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler), CommentsAfter: never}
	in := ingest.New(cfg)
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var batch []hailong.Rating
	for i := range 5 {
		r := rating(1, monthsAgo(now, i))
		r.Answers["comment"] = hailong.Str("Chờ lâu")
		batch = append(batch, r)
	}
	if _, err := in.Ingest(ctx, kiosk, 0, batch); err != nil {
		t.Fatal(err)
	}
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	store.reads.Store(0)
	again := ingest.New(cfg)
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	if n := store.reads.Load(); n != 0 {
		t.Errorf("a start read %d months of comments", n)
	}
	for range 2 {
		p, err := again.Comments().Query(ctx, comments.Filter{Units: []string{kiosk.Unit}}, comments.Cursor{}, 10)
		if err != nil || p.Total != 5 {
			t.Fatalf("the comments after a start: %d, %v; want 5", p.Total, err)
		}
	}
	if n := store.reads.Load(); n != 5 {
		t.Errorf("two queries read %d months of comments, want the 5 once", n)
	}
}

// packingStore tells each month packed.
type packingStore struct {
	*mongodb.DB
	packed chan rollup.Month
}

func (s *packingStore) PackCommentMonth(ctx context.Context, m rollup.Month) (int, error) {
	n, err := s.DB.PackCommentMonth(ctx, m)
	if err == nil {
		s.packed <- m
	}
	return n, err
}

// TestClosedMonthsOfCommentsArePacked: once serving, the comments of the
// months before the previous one are packed, not the two newest, and read
// back the same after a start.
func TestClosedMonthsOfCommentsArePacked(t *testing.T) {
	ctx := context.Background()
	store := &packingStore{DB: ferrettest.Open(t), packed: make(chan rollup.Month, 10)}
	in := start(t, store)
	now := time.Now()
	var batch []hailong.Rating
	for i := range 4 {
		r := rating(1, monthsAgo(now, i))
		r.Answers["comment"] = hailong.Str(fmt.Sprintf("tháng %d", i))
		batch = append(batch, r)
	}
	if _, err := in.Ingest(ctx, kiosk, 0, batch); err != nil {
		t.Fatal(err)
	}
	want := texts(t, in)
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again := start(t, store)
	thisMonth := comments.MonthOf(now)
	var packed []rollup.Month
	for len(packed) < 2 {
		select {
		case m := <-store.packed:
			packed = append(packed, m)
		case <-time.After(time.Minute):
			t.Fatalf("packed %v in a minute, want two months", packed)
		}
	}
	slices.Sort(packed)
	if !slices.Equal(packed, []rollup.Month{thisMonth - 3, thisMonth - 2}) {
		t.Errorf("packed %v, want the two months before the previous one (this is %v)", packed, thisMonth)
	}
	if due, err := store.CommentMonthsToPack(ctx, thisMonth+1); err != nil || !slices.Equal(due, []rollup.Month{thisMonth - 1, thisMonth}) {
		t.Errorf("months left to pack %v, %v; want the previous one and this one", due, err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}
	third := start(t, store)
	defer third.Close(ctx)
	if got := texts(t, third); !slices.Equal(got, want) {
		t.Errorf("after packing: %q, want %q", got, want)
	}
}
