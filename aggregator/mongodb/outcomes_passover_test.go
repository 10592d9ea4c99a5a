package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong"
	"hailong/aggregator/outcomes"
)

// TestAPassOverThatFailsIsTriedAgain: a month of entries found damaged
// while the book is read (a report of it came after the save, then a
// crash), and the state's pass-over write fails once (a lease renewal
// late: claimVersion within the fence). The read is tried again, as
// readBookLater does every 10 s, and opens once the pass-over is written:
// the book read from every log. (A hostile review found the month taken
// for lost before the write, never written: the book never opened.)
func TestAPassOverThatFailsIsTriedAgain(t *testing.T) {
	for _, fails := range []int{0, 1} {
		t.Run(fmt.Sprintf("the pass-over failing %d times", fails), func(t *testing.T) { passOverFailing(t, fails) })
	}
}

func passOverFailing(t *testing.T, fails int) {
	ctx := t.Context()
	open, raw := shared(t)
	march, april := "H22.39-260302-0001", "H22.39-260402-0001"
	book := rvLoad(t, open())
	rvPut(t, book, march, april)
	if saved, err := book.Compact(ctx); err != nil || !saved {
		t.Fatal(saved, err)
	}
	// A report of March after the save, then a crash (no Save).
	book = rvLoad(t, open())
	later := rvReport(march)
	later.Complaints = 1
	if _, err := book.Report(ctx, []hailong.Outcome{later}, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	names, _, err := open().SavedEntryMonths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// March damaged: a run that does not decode.
	if _, err := raw.Collection(names["202603"]).InsertOne(ctx, bson.D{{Key: "_id", Value: 5}, {Key: "run", Value: []byte("x")}}); err != nil {
		t.Fatal(err, names)
	}
	db := open()
	db.SetOutcomesFence(func(ctx context.Context) (context.Context, context.CancelFunc, error) {
		if fails > 0 {
			fails--
			return nil, nil, errors.New("injected: lease renewal late")
		}
		return ctx, func() {}, nil
	})
	b := outcomes.New(db)
	var last error
	for try := range 4 { // readBookLater: Prepare, Read, Open, every 10 s
		_ = b.Prepare(ctx)
		if last = b.Read(ctx); last == nil {
			if last = b.Open(ctx); last == nil {
				if got := rvMarch(b); b.Dossiers() != 2 || got.Dossiers != 2 || got.Complained != 1 {
					t.Errorf("opened at try %d: %d dossiers, March %+v; want the 2 of the logs, one complained of", try, b.Dossiers(), got)
				}
				return
			}
		}
	}
	t.Errorf("the book never opens in this process after one failed pass-over: %v", last)
}
