package mongodb_test

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/rollup"
)

// TestJournalsAndSegments writes claims and dones into three journals and
// two segments, reads the tail from the second journal on, and drops what
// a state naming one segment and the third journal leaves stale.
func TestJournalsAndSegments(t *testing.T) {
	ctx := context.Background()
	db := ferrettest.Open(t)
	stamp := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	for seq := int64(1); seq <= 3; seq++ {
		r := hailong.Rating{ID: "r" + string(rune('0'+seq)), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
			Answers: hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("tốt")}}, Unit: "TT-1", At: stamp}
		c := ingest.Claim{Stamp: stamp.Add(time.Duration(seq) * time.Millisecond), Ratings: []hailong.Rating{r}, Digests: [][32]byte{{byte(seq)}}}
		if err := db.AppendClaim(ctx, seq, c); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendDone(ctx, seq, ingest.Done{Insert: c.Stamp, Counted: []ingest.Counted{{Stamp: c.Stamp, ID: r.ID}}}); err != nil {
			t.Fatal(err)
		}
	}
	if last, err := db.LastJournal(ctx); err != nil || last != 3 {
		t.Fatalf("last journal %d %v, want 3", last, err)
	}
	var got []string
	err := db.ReadJournals(ctx, 2, func(seq int64, c *ingest.Claim, d *ingest.Done) error {
		switch {
		case c != nil:
			if c.Ratings[0].Answers["comment"].Text != "tốt" || c.Digests[0][0] != byte(seq) {
				t.Errorf("journal %d: claim %+v", seq, c)
			}
			got = append(got, "claim "+c.Ratings[0].ID)
		case d != nil:
			got = append(got, "done "+d.Counted[0].ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"claim r2", "claim r3", "done r2", "done r3"}; !slices.Equal(got, want) {
		t.Fatalf("tail from journal 2: %q, want %q", got, want)
	}
	day := rollup.Day{Unit: "TT-1", Date: hailong.DateOf(stamp), Cells: []rollup.Cell{{Dims: rollup.Dims{Questionnaire: "counter-quick"}, Tally: rollup.Tally{N: 2}}}}
	m := rollup.MonthOf(day.Date)
	old, err := db.WriteSegment(ctx, false, m, []rollup.Day{day})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := db.WriteSegment(ctx, false, m, []rollup.Day{day, {Unit: "TT-2", Date: day.Date, Cells: day.Cells}})
	if err != nil {
		t.Fatal(err)
	}
	oldSum, err := db.WriteSummary(ctx, false, rollup.Summarise(m, []rollup.Day{day}))
	if err != nil {
		t.Fatal(err)
	}
	// Units past what one document of a summary holds.
	big := rollup.Summary{Month: m}
	for i := range 2500 {
		big.Units = append(big.Units, rollup.UnitSums{Unit: fmt.Sprintf("U-%04d", i), Cells: day.Cells})
	}
	keptSum, err := db.WriteSummary(ctx, false, big)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DropStale(ctx, rollup.State{Segments: []rollup.Segment{{Month: m, Collection: kept, Summary: keptSum}}, Journal: 3}); err != nil {
		t.Fatal(err)
	}
	sum, err := db.LoadSummary(ctx, keptSum)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(sum.Units, func(a, b rollup.UnitSums) int { return cmp.Compare(a.Unit, b.Unit) })
	if !reflect.DeepEqual(sum, big) {
		t.Fatalf("the kept summary reads back as %d units of month %s, want the %d written", len(sum.Units), sum.Month, len(big.Units))
	}
	if _, err := db.LoadSummary(ctx, oldSum); err == nil {
		t.Fatal("the stale summary still reads")
	}
	if _, err := db.LoadSummary(ctx, kept); err == nil {
		t.Fatal("a segment reads as a summary")
	}
	n := 0
	if err := db.LoadSegment(ctx, kept, func(d rollup.Day) {
		if d.Cells[0].N != 2 {
			t.Errorf("day %+v", d)
		}
		n++
	}); err != nil || n != 2 {
		t.Fatalf("the kept segment: %d days, %v; want 2", n, err)
	}
	n = 0
	if err := db.LoadSegment(ctx, old, func(rollup.Day) { n++ }); err != nil || n != 0 {
		t.Fatalf("the stale segment still holds %d days (%v)", n, err)
	}
	got = nil
	if err := db.ReadJournals(ctx, 0, func(seq int64, c *ingest.Claim, _ *ingest.Done) error {
		if c != nil {
			got = append(got, c.Ratings[0].ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"r3"}) {
		t.Fatalf("journals left: claims %q, want only journal 3's", got)
	}
}

// TestSegmentsLoadBack: a segment of many units' days, some with more
// cells than a document holds, loads back day by day as written, also with
// runs cut short by their size; and a segment written a document per day,
// as segments first were, still loads.
func TestSegmentsLoadBack(t *testing.T) {
	ctx := context.Background()
	db := ferrettest.Open(t)
	first := hailong.DateFromYMD(2026, time.March, 1)
	var days []rollup.Day
	for u := range 3 {
		for d := range 28 {
			day := rollup.Day{Unit: fmt.Sprintf("TT-%d", u), Date: first + hailong.Date(d)}
			for c := range 1 + (u*d*37)%700 { // up to 700 cells: runs of days are cut at 8,192
				day.Cells = append(day.Cells, rollup.Cell{Dims: rollup.Dims{Questionnaire: "sipas", Channel: hailong.ChannelQR, Official: fmt.Sprintf("cb-%d", c)},
					Tally: rollup.Tally{N: int64(c + 1), Satisfied: 1, Items: []rollup.Item{{Q: "a", N: 1, Sum: 2}}}})
			}
			days = append(days, day)
		}
	}
	days[5].Cells[0].Out = &rollup.Outcomes{Dossiers: 3, Bad: 1}
	load := func(name string) []rollup.Day {
		var got []rollup.Day
		if err := db.LoadSegment(ctx, name, func(d rollup.Day) { got = append(got, d) }); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b rollup.Day) int { return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Date, b.Date)) })
		return got
	}
	runs, err := db.WriteSegment(ctx, false, rollup.MonthOf(first), days)
	if err != nil {
		t.Fatal(err)
	}
	perDay, err := db.WriteDaySegment(ctx, "main_202603_1", days)
	if err != nil {
		t.Fatal(err)
	}
	restore := mongodb.SetSegmentRunBytes(4 << 10)
	short, err := db.WriteSegment(ctx, false, rollup.MonthOf(first), days)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, segment string }{{"runs of days", runs}, {"a document per day", perDay}, {"runs cut at 4 kB", short}} {
		t.Run(c.name, func(t *testing.T) {
			if got := load(c.segment); !reflect.DeepEqual(got, days) {
				t.Fatalf("loaded %d days, not the %d written", len(got), len(days))
			}
		})
	}
}
