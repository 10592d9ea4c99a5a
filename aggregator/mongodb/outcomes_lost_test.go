package mongodb_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestAMonthLostPassesTheBookOverOnce: a month of entries dropped under a
// running process; a flag of it cannot read it (held unread), and every
// later report tries again: the saved book is passed over once, not one
// more state written per report (a hostile review found it was).
func TestAMonthLostPassesTheBookOverOnce(t *testing.T) {
	ctx := t.Context()
	open, raw := shared(t)
	april := "H22.39-260402-0001"
	march := "H22.39-260302-0001"
	book := rvLoad(t, open())
	rvPut(t, book, march, april)
	if saved, err := book.Compact(ctx); err != nil || !saved {
		t.Fatal(saved, err)
	}
	db := open()
	book = rvLoad(t, db)
	if err := db.DropOutcomeEntries(ctx, rollup.MonthOf(hailong.DateFromYMD(2026, 3, 1))); err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		var st struct {
			Version int64 `bson:"version"`
		}
		if err := raw.Collection("meta").FindOne(ctx, bson.D{{Key: "_id", Value: "outcomes_saved"}}).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st.Version
	}
	book.MarkUnhappy([]string{march})
	v0 := version()
	for i := range 3 {
		o := rvReport(april)
		o.Complaints = i + 1
		if _, err := book.Report(ctx, []hailong.Outcome{o}, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	if v := version(); v != v0 {
		t.Errorf("state version %d after 3 reports of another month, %d before: the book passed over again at each", v, v0)
	}
	_ = outcomes.MonthsAll
}
