package outcomes_test

import (
	"context"
	"fmt"
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
)

// dossiers makes n returned dossiers of 40 centres, 300 procedures and 500
// officials, each with the five one-stop scores.
func dossiers(n int) []hailong.Outcome {
	out := make([]hailong.Outcome, n)
	for i := range out {
		ret := hailong.DateFromYMD(2025, 1, 1) + hailong.Date(i%700)
		out[i] = hailong.Outcome{Dossier: fmt.Sprintf("H22.39-250101-%07d", i), Unit: fmt.Sprintf("TT-%d", i%40),
			Procedure: fmt.Sprintf("1.%06d", 1000+i%300), Official: fmt.Sprintf("cb-%d", i%500), Counter: fmt.Sprintf("Q%d", i%8),
			Via: hailong.OutcomeCounter, Received: ret - 5, Due: ret, Returned: &ret,
			Indices: map[string]int{"2": i % 3, "5": 1, "6": 2, "8": 2, "9": 1}}
	}
	return out
}

// BenchmarkLoad reads and opens a book of 200,000 dossiers from a store in
// memory: what a start does in the background once the store has read
// them, without the database.
//
//	go test -run '^$' -bench Load -benchmem ./aggregator/outcomes
func BenchmarkLoad(b *testing.B) {
	store := &memStore{}
	for i, o := range dossiers(200_000) {
		store.recs = append(store.recs, outcomes.Record{Key: o.Dossier, Outcome: o, Digest: o.Digest(), Seq: int64(i + 1)})
	}
	for b.Loop() {
		if _, err := outcomes.Load(context.Background(), store); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportUnchanged sends a book of 10,000 dossiers the same
// 10,000 reports again, as one-stop software that resends whole exports
// does: each is compared with the outcome the book keeps, under its lock.
//
//	go test -run '^$' -bench ReportUnchanged -benchmem ./aggregator/outcomes
func BenchmarkReportUnchanged(b *testing.B) {
	ctx := context.Background()
	book, err := outcomes.Load(ctx, &memStore{})
	if err != nil {
		b.Fatal(err)
	}
	batch := dossiers(10_000)
	if _, err := book.Report(ctx, batch, anyUnit); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := book.Report(ctx, batch, anyUnit)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].Status != outcomes.Unchanged {
			b.Fatalf("a report sent again: %s %s", res[0].Status, res[0].Reason)
		}
	}
}
