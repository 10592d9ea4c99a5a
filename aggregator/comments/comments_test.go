package comments_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/comments/commentstest"
)

// query is Index.Query, failing the test on an error.
func query(t *testing.T, x *comments.Index, f comments.Filter, after comments.Cursor, limit int) comments.Page {
	t.Helper()
	p, err := x.Query(context.Background(), f, after, limit)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func comment(i int, at time.Time) comments.Comment {
	return comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: at, Unit: "U", Mood: comments.Neutral, Text: fmt.Sprint(i)}
}

// TestIndexOrdersWhateverTheArrival checks that comments added in any
// order, late ones and repeats included, read back newest first, once
// each, the same as an index built at once.
func TestIndexOrdersWhateverTheArrival(t *testing.T) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var all []comments.Comment
	for i := range 500 { // over five months
		all = append(all, comment(i, base.Add(time.Duration(i)*7*time.Hour)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		build func() *comments.Index
	}{
		{"in order", func() *comments.Index {
			x := comments.New()
			x.Add(all...)
			return x
		}},
		{"shuffled, one at a time, with repeats", func() *comments.Index {
			x := comments.New()
			for _, i := range rng.Perm(len(all)) {
				x.Add(all[i], all[i])
			}
			return x
		}},
		{"stored months read by the query, new ones added before, some of them stored too", func() *comments.Index {
			store := commentstest.New(all[:450]...)
			x := comments.Open(store, 0, store.Months(), nil)
			x.Add(all[400:]...) // uploads after a start
			return x
		}},
		{"stored months read and dropped again for a budget of about one month", func() *comments.Index {
			store := commentstest.New(all...)
			return comments.Open(store, 100, store.Months(), nil)
		}},
		{"at once", func() *comments.Index {
			shuffled := slices.Clone(all)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			return comments.NewOf(append(shuffled, shuffled[:10]...))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.build()
			var got []string
			var after comments.Cursor
			for {
				p := query(t, x, comments.Filter{Units: []string{"U"}}, after, 64)
				if p.Total != len(all) {
					t.Fatalf("%d comments in all, want %d", p.Total, len(all))
				}
				for _, c := range p.Comments {
					got = append(got, c.Text)
				}
				if p.Next.ID == "" {
					break
				}
				c, err := comments.ParseCursor(p.Next.String())
				if err != nil || c != p.Next {
					t.Fatalf("cursor %q reads back as %v, %v", p.Next.String(), c, err)
				}
				after = c
			}
			for i, text := range got {
				if want := fmt.Sprint(len(all) - 1 - i); text != want {
					t.Fatalf("comment %d is %s, want %s", i, text, want)
				}
			}
			if len(got) != len(all) {
				t.Fatalf("%d read, want %d", len(got), len(all))
			}
		})
	}
}

// TestQueryReadsThePeriodInVietnam checks that a period's days are cut in
// Asia/Ho_Chi_Minh.
func TestQueryReadsThePeriodInVietnam(t *testing.T) {
	x := comments.New()
	x.Add(comment(1, time.Date(2026, 2, 28, 16, 59, 0, 0, time.UTC)), // 23:59 on 28/2 in Hanoi
		comment(2, time.Date(2026, 2, 28, 17, 0, 0, 0, time.UTC)),  // 00:00 on 1/3
		comment(3, time.Date(2026, 3, 31, 16, 59, 0, 0, time.UTC)), // 23:59 on 31/3
		comment(4, time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)))  // 00:00 on 1/4
	p := query(t, x, comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2026, 3, 1), To: hailong.DateFromYMD(2026, 3, 31)}, comments.Cursor{}, 10)
	var got []string
	for _, c := range p.Comments {
		got = append(got, c.Text)
	}
	if !slices.Equal(got, []string{"3", "2"}) || p.Total != 2 {
		t.Errorf("March holds %v (total %d), want [3 2]", got, p.Total)
	}
	if p := query(t, x, comments.Filter{Units: []string{"V"}}, comments.Cursor{}, 10); p.Total != 0 {
		t.Errorf("another unit sees %d comments", p.Total)
	}
}

// TestIndexSharesTheCodes checks that comments read with their own copies
// of the same codes (as a start reads them from the database) are held
// with one copy of each: a start's heap held 80 bytes a comment more.
func TestIndexSharesTheCodes(t *testing.T) {
	made := func(i int) comments.Comment {
		c := comment(i, time.Date(2026, 5, 1, 8, i, 0, 0, time.UTC))
		c.Unit, c.Procedure, c.Official, c.Counter = strings.Clone("TT-09190"), strings.Clone("1.001234"), strings.Clone("cb-017"), strings.Clone("3")
		c.Questionnaire, c.Channel, c.Mood = strings.Clone("counter-quick"), hailong.Channel(strings.Clone("qr")), comments.Mood(strings.Clone("neutral"))
		return c
	}
	for _, tc := range []struct {
		name string
		idx  func() *comments.Index
	}{
		{"loaded at once", func() *comments.Index { return comments.NewOf([]comments.Comment{made(1), made(2), made(3)}) }},
		{"added one by one", func() *comments.Index {
			x := comments.New()
			for i := range 3 {
				x.Add(made(3 - i))
			}
			return x
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var held []comments.Comment
			tc.idx().All(func(c comments.Comment) bool { held = append(held, c); return true })
			fields := func(c comments.Comment) []string {
				return []string{c.Unit, c.Procedure, c.Official, c.Counter, c.Questionnaire, string(c.Channel), string(c.Mood)}
			}
			first := fields(held[0])
			for _, c := range held[1:] {
				for i, f := range fields(c) {
					if f != first[i] || unsafe.StringData(f) != unsafe.StringData(first[i]) {
						t.Fatalf("field %d of comment %s is %q held apart from %q", i, c.ID, f, first[i])
					}
				}
			}
		})
	}
}

// TestIndexKeepsEveryField checks that a comment reads back as it was
// added, whatever the index keeps of it, with its time in UTC.
func TestIndexKeepsEveryField(t *testing.T) {
	in := comments.Comment{ID: "0190b000-0000-7000-8000-000000000001", At: time.Date(2026, 5, 1, 15, 4, 5, 123456789, hailong.Location),
		Unit: "TT-09190", Procedure: "1.001234", Official: "cb-017", Counter: "3", Channel: hailong.ChannelQR,
		Questionnaire: "sipas", Version: 3, Level: 4, Mood: comments.Dissatisfied, Text: "Phải chờ lâu.\nPhòng chờ nóng."}
	bare := comments.Comment{ID: "0190b000-0000-7000-8000-000000000002", At: in.At.Add(time.Second), Unit: "TT-09190", Text: "Tốt."}
	// Back in UTC and to the millisecond, as the database keeps time.
	want := in
	want.At = in.At.UTC().Truncate(time.Millisecond)
	wantBare := bare
	wantBare.At = bare.At.UTC().Truncate(time.Millisecond)
	for _, tc := range []struct {
		name string
		idx  *comments.Index
	}{
		{"loaded at once", comments.NewOf([]comments.Comment{bare, in})},
		{"added", func() *comments.Index { x := comments.New(); x.Add(bare, in); return x }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []comments.Comment
			tc.idx.All(func(c comments.Comment) bool { got = append(got, c); return true })
			if len(got) != 2 || got[0] != want || got[1] != wantBare {
				t.Fatalf("read back\n%+v\nwant\n%+v\n%+v", got, want, wantBare)
			}
			page := query(t, tc.idx, comments.Filter{Units: []string{"TT-09190"}}, comments.Cursor{}, 10)
			if len(page.Comments) != 2 || page.Comments[1] != want || page.Comments[0] != wantBare {
				t.Fatalf("page %+v, want %+v then %+v", page.Comments, wantBare, want)
			}
		})
	}
}

// TestACommentAddedAndReadBackIsHeldOnce: a comment added as its rating is
// stored, to the nanosecond, and the same one read back from the
// database after a start, to the millisecond, are one comment, whichever
// comes first; two comments of one millisecond are two.
func TestACommentAddedAndReadBackIsHeldOnce(t *testing.T) {
	live := comment(1, time.Date(2026, 5, 1, 8, 4, 6, 123456789, time.UTC))
	stored := live
	stored.At = live.At.Truncate(time.Millisecond)
	other := comment(2, stored.At) // another rating of the same millisecond
	tests := []struct {
		name  string
		build func() *comments.Index
	}{
		{"added, then read", func() *comments.Index {
			store := commentstest.New(stored)
			x := comments.Open(store, 0, store.Months(), nil)
			x.Add(live, other)
			query(t, x, comments.Filter{Units: []string{"U"}}, comments.Cursor{}, 10)
			return x
		}},
		{"read, then added again", func() *comments.Index {
			store := commentstest.New(stored, other)
			x := comments.Open(store, 0, store.Months(), nil)
			query(t, x, comments.Filter{Units: []string{"U"}}, comments.Cursor{}, 10)
			x.Add(live, other, live)
			return x
		}},
		{"at once", func() *comments.Index { return comments.NewOf([]comments.Comment{live, other, stored, live}) }},
		{"added after a later one", func() *comments.Index {
			x := comments.New()
			x.Add(other, comment(3, live.At.Add(time.Hour)), live, stored)
			x.Add(live)
			return x
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.build()
			var ids []string
			x.All(func(c comments.Comment) bool { ids = append(ids, c.ID); return true })
			if n := strings.Count(strings.Join(ids, " "), live.ID); n != 1 {
				t.Errorf("the comment is held %d times: %v", n, ids)
			}
			if !slices.Contains(ids, other.ID) {
				t.Errorf("the other comment of the same millisecond is lost: %v", ids)
			}
		})
	}
}

// TestACursorToTheNanosecondPagesOn: a cursor made before comments were
// held to the millisecond (of a comment added live, to the nanosecond)
// still begins the next page just past the comment it names.
func TestACursorToTheNanosecondPagesOn(t *testing.T) {
	ms := time.Date(2026, 5, 1, 8, 4, 6, 123000000, time.UTC)
	a, b, c := comment(1, ms), comment(2, ms), comment(3, ms.Add(time.Second))
	x := comments.NewOf([]comments.Comment{a, b, c})
	page := query(t, x, comments.Filter{Units: []string{"U"}}, comments.Cursor{At: ms.Add(456789), ID: b.ID}, 10)
	if len(page.Comments) != 1 || page.Comments[0].ID != a.ID {
		t.Fatalf("the page after %s is %+v, want %s alone", b.ID, page.Comments, a.ID)
	}
}

// TestABudgetBoundsTheMonthsHeld reads a year of stored comments month by
// month, and at random, through an index with a budget of about two
// months: every page is what an index holding everything answers, the
// index holds no more than the budget once each query is done, and a
// month read again is read from the store again.
func TestABudgetBoundsTheMonthsHeld(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all []comments.Comment
	for i := range 1200 {
		c := comment(i, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(365*24*time.Hour)))))
		c.Unit = []string{"A", "B", "C"}[rng.IntN(3)]
		c.Mood = comments.Moods[rng.IntN(3)]
		c.At = c.At.Truncate(time.Millisecond)
		all = append(all, c)
	}
	st := commentstest.New(all...)
	const budget = 220
	x := comments.Open(st, budget, st.Months(), nil)
	whole := comments.NewOf(all)
	if n := x.Len(); n != 0 {
		t.Fatalf("a start holds %d comments, want none before a query", n)
	}
	for i := range 60 {
		from := hailong.DateFromYMD(2025, time.Month(1+i%12), 1)
		to := from + hailong.Date(rng.IntN(70)) // one to three months
		if i >= 12 {
			from += hailong.Date(rng.IntN(20))
		}
		f := comments.Filter{Units: []string{"A", "C"}, From: from, To: to}
		if i%3 == 0 {
			f.Mood = comments.Dissatisfied
		}
		var after comments.Cursor
		for {
			got, want := query(t, x, f, after, 7), query(t, whole, f, after, 7)
			if got.Total != want.Total || !slices.Equal(got.Comments, want.Comments) || got.Next != want.Next {
				t.Fatalf("query %d (%v..%v) after %v: %d comments %v, want %d %v", i, from, to, after, got.Total, ids(got), want.Total, ids(want))
			}
			if got.Next.ID == "" {
				break
			}
			after = got.Next
		}
		if n := x.Len(); n > budget {
			t.Fatalf("after query %d the index holds %d comments, past its budget of %d", i, n, budget)
		}
	}
	// A query of the whole year holds at most the budget and the two
	// months it is reading (about 100 comments each).
	var mu sync.Mutex
	most := 0
	st.OnRead(func() {
		mu.Lock()
		defer mu.Unlock()
		most = max(most, x.Len())
	})
	whole2025 := comments.Filter{Units: []string{"A", "B", "C"}, From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 12, 31)}
	if got, want := query(t, x, whole2025, comments.Cursor{}, 5), query(t, whole, whole2025, comments.Cursor{}, 5); got.Total != want.Total || got.Total != len(all) {
		t.Fatalf("the year holds %d comments, want %d", got.Total, want.Total)
	}
	mu.Lock()
	held := most
	mu.Unlock()
	if held > budget+250 {
		t.Errorf("a query of the year held %d comments as it read a month, past the budget of %d and two months", held, budget)
	}
	res := x.Residence()
	if res.Drops == 0 || res.Reads <= res.Months || st.Reads() != res.Reads {
		t.Errorf("residence %+v, %d reads of the store: want months dropped and read again", res, st.Reads())
	}
}

func ids(p comments.Page) []string {
	var out []string
	for _, c := range p.Comments {
		out = append(out, c.Text)
	}
	return out
}

// TestACommentNotYetStoredStaysHeld: a comment added to a month that is
// cold, or dropped from memory, is found by every query until it is
// stored, whether or not the store ever holds it; and once stored, it is
// held once.
func TestACommentNotYetStoredStaysHeld(t *testing.T) {
	jan, feb, mar := time.Date(2025, 1, 10, 3, 0, 0, 0, time.UTC), time.Date(2025, 2, 10, 3, 0, 0, 0, time.UTC), time.Date(2025, 3, 10, 3, 0, 0, 0, time.UTC)
	var stored []comments.Comment
	for i := range 30 {
		stored = append(stored, comment(i, jan.Add(time.Duration(i)*time.Hour)), comment(100+i, feb.Add(time.Duration(i)*time.Hour)),
			comment(200+i, mar.Add(time.Duration(i)*time.Hour)))
	}
	late := comment(999, jan.Add(90*time.Minute)) // an offline kiosk's, of a cold month
	januaryHas := func(t *testing.T, x *comments.Index, want int) {
		t.Helper()
		p := query(t, x, comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 1, 31)}, comments.Cursor{}, 100)
		if p.Total != want || strings.Count(strings.Join(ids(p), " "), "999") != 1 {
			t.Fatalf("January holds %d comments %v, want %d with the late one once", p.Total, ids(p), want)
		}
	}
	everyOtherMonth := func(t *testing.T, x *comments.Index) {
		t.Helper()
		for _, m := range []time.Time{feb, mar} {
			query(t, x, comments.Filter{Units: []string{"U"}, From: hailong.DateOf(m), To: hailong.DateOf(m) + 25}, comments.Cursor{}, 10)
		}
	}
	for _, tt := range []struct {
		name   string
		stored bool // the late comment's write succeeds, and the index is told
	}{
		{"its write failed", false},
		{"stored and told", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := commentstest.New(stored...)
			x := comments.Open(st, 40, st.Months(), nil)
			x.Add(late)
			januaryHas(t, x, 31)
			if tt.stored {
				st.Put(late)
				x.Stored(late)
			}
			everyOtherMonth(t, x) // past the budget: January is the least recently used
			januaryHas(t, x, 31)
			if res := x.Residence(); res.Drops == 0 {
				t.Fatalf("no month dropped: %+v", res)
			}
		})
	}
	t.Run("stored while its cold month is being read", func(t *testing.T) {
		st := commentstest.New(stored...)
		x := comments.Open(st, 40, st.Months(), nil)
		began, release := st.Hold()
		done := make(chan comments.Page)
		go func() {
			p, err := x.Query(context.Background(), comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 1, 31)}, comments.Cursor{}, 100)
			if err != nil {
				t.Error(err)
			}
			done <- p
		}()
		<-began // the read has what the store held: not the late comment
		x.Add(late)
		st.Put(late)
		x.Stored(late)
		release()
		p := <-done
		if p.Total != 31 || !slices.Contains(ids(p), "999") {
			t.Fatalf("the read under way holds %d comments %v, want 31 with the late one", p.Total, ids(p))
		}
		januaryHas(t, x, 31)
	})
}

// TestAMonthThatCannotBeReadIsTriedAgain: a query whose month the store
// fails to read says so, and the next one, the store mended, reads it.
func TestAMonthThatCannotBeReadIsTriedAgain(t *testing.T) {
	at := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	st := commentstest.New(comment(1, at), comment(2, at.Add(time.Hour)))
	x := comments.Open(st, 0, st.Months(), nil)
	x.Add(comment(3, at.Add(2*time.Hour)))
	injected := errors.New("injected: connection reset")
	st.Fail(injected)
	f := comments.Filter{Units: []string{"U"}, From: hailong.DateOf(at), To: hailong.DateOf(at)}
	if _, err := x.Query(context.Background(), f, comments.Cursor{}, 10); !errors.Is(err, injected) {
		t.Fatalf("a failed read answers %v, want the store's error", err)
	}
	st.Fail(nil)
	if p := query(t, x, f, comments.Cursor{}, 10); p.Total != 3 {
		t.Fatalf("read again: %d comments %v, want 3", p.Total, ids(p))
	}
}

// TestAMonthSlowerThanTheRequestIsKept: a month whose read outlasts the
// query that began it is read all the same, and the next query finds it
// in memory rather than begin again.
func TestAMonthSlowerThanTheRequestIsKept(t *testing.T) {
	at := time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)
	st := commentstest.New(comment(1, at), comment(2, at.Add(time.Hour)))
	x := comments.Open(st, 0, st.Months(), nil)
	_, release := st.Hold()
	f := comments.Filter{Units: []string{"U"}, From: hailong.DateOf(at), To: hailong.DateOf(at)}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := x.Query(ctx, f, comments.Cursor{}, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a query that gave up answers %v, want its deadline", err)
	}
	release()
	for x.Residence().Resident == 0 {
		time.Sleep(time.Millisecond)
	}
	if p := query(t, x, f, comments.Cursor{}, 10); p.Total != 2 || st.Reads() != 1 {
		t.Fatalf("the next query: %d comments after %d reads of the store; want 2 after the one read", p.Total, st.Reads())
	}
}

// TestTheOldestMonthsGoFirst: of the months read in the background (which
// no query has read yet), a budget drops the oldest.
func TestTheOldestMonthsGoFirst(t *testing.T) {
	var stored []comments.Comment
	for m := range 6 {
		for i := range 50 {
			stored = append(stored, comment(m*100+i, time.Date(2025, time.Month(1+m), 2, 3, i, 0, 0, time.UTC)))
		}
	}
	for range 20 { // the months' order in a map varies from run to run
		st := commentstest.New(stored...)
		x := comments.Open(st, 180, st.Months(), nil)
		if n, err := x.Warm(context.Background(), 3); err != nil || n != 3 {
			t.Fatalf("warmed %d months, %v; want the 3 newest", n, err)
		}
		// A query of January reads it: past the budget, the oldest month
		// warmed (April) goes, not the newest (June).
		query(t, x, comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 1, 31)}, comments.Cursor{}, 10)
		reads := st.Reads()
		query(t, x, comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2025, 5, 1), To: hailong.DateFromYMD(2025, 6, 30)}, comments.Cursor{}, 10)
		if st.Reads() != reads {
			t.Fatalf("May and June were read again (%d reads, %d before): a newer month went before April", st.Reads(), reads)
		}
	}
}
