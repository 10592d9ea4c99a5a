package comments_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"hailong"
	"hailong/aggregator/comments"
)

func comment(i int, at time.Time) comments.Comment {
	return comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: at, Unit: "U", Mood: comments.Neutral, Text: fmt.Sprint(i)}
}

// TestIndexOrdersWhateverTheArrival checks that comments added in any
// order, late ones and repeats included, read back newest first, once
// each, the same as an index built at once.
func TestIndexOrdersWhateverTheArrival(t *testing.T) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var all []comments.Comment
	for i := range 500 {
		all = append(all, comment(i, base.Add(time.Duration(i)*time.Minute)))
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
		{"loaded after a start, new ones added before, some of them stored too", func() *comments.Index {
			x := comments.NewLoading()
			if x.IsLoaded() {
				t.Fatal("an index still loading says it is loaded")
			}
			x.Add(all[400:]...) // uploads while the stored comments are read
			x.Loaded(all[:450])
			if !x.IsLoaded() {
				t.Fatal("a loaded index says it is loading")
			}
			x.Loaded(all[:10]) // a second load changes nothing
			return x
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
			if x.Len() != len(all) {
				t.Fatalf("%d comments, want %d", x.Len(), len(all))
			}
			var got []string
			var after comments.Cursor
			for {
				p := x.Query(comments.Filter{Units: []string{"U"}}, after, 64)
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
	p := x.Query(comments.Filter{Units: []string{"U"}, From: hailong.DateFromYMD(2026, 3, 1), To: hailong.DateFromYMD(2026, 3, 31)}, comments.Cursor{}, 10)
	var got []string
	for _, c := range p.Comments {
		got = append(got, c.Text)
	}
	if !slices.Equal(got, []string{"3", "2"}) || p.Total != 2 {
		t.Errorf("March holds %v (total %d), want [3 2]", got, p.Total)
	}
	if p := x.Query(comments.Filter{Units: []string{"V"}}, comments.Cursor{}, 10); p.Total != 0 {
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
			page := tc.idx.Query(comments.Filter{Units: []string{"TT-09190"}}, comments.Cursor{}, 10)
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
		{"added, then loaded", func() *comments.Index {
			x := comments.NewLoading()
			x.Add(live, other)
			x.Loaded([]comments.Comment{stored})
			return x
		}},
		{"loaded, then added again", func() *comments.Index {
			x := comments.NewLoading()
			x.Loaded([]comments.Comment{stored, other})
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
	page := x.Query(comments.Filter{Units: []string{"U"}}, comments.Cursor{At: ms.Add(456789), ID: b.ID}, 10)
	if len(page.Comments) != 1 || page.Comments[0].ID != a.ID {
		t.Fatalf("the page after %s is %+v, want %s alone", b.ID, page.Comments, a.ID)
	}
}
