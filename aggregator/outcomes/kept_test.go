package outcomes_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// TestTheBookKeepsEveryField: what the book keeps of a dossier (its codes
// as numbers, its return day in place, no digest) makes the outcome again
// whole: a whole save holds each as reported, and the same reports sent
// again are unchanged, before and after the book is read from that save,
// while a report that changes any one field is an update, and the sums
// after all of them are those of the reports as first sent.
func TestTheBookKeepsEveryField(t *testing.T) {
	// The fields this test changes one by one; a field added to the
	// outcome must be kept (kept), made again (outcome) and compared (same)
	// by the book, and changed below.
	if n := reflect.TypeFor[hailong.Outcome]().NumField(); n != 13 {
		t.Fatalf("hailong.Outcome has %d fields, this test knows 13: keep the new one in the book and change it here", n)
	}
	ctx := context.Background()
	day := hailong.DateFromYMD
	ret, same, first := day(2026, 3, 11), day(2026, 3, 6), day(2000, 1, 3)
	reported := []hailong.Outcome{
		{Dossier: "H22.39-260305-0001", NationalDossier: "G09.20-20260305-0000001", Unit: "TT-09190", Agency: "000.00.22.H39",
			Via: hailong.OutcomeOnline, Procedure: "1.001234", Official: "can-bo-7", Counter: "Q3", Received: day(2026, 3, 5),
			Due: day(2026, 3, 12), Returned: &ret, Complaints: 2, Indices: map[string]int{"2": 2, "5": 1, "6": 0, "8": 2, "9": 1}},
		{Dossier: "H22.39-260305-0002", Unit: "TT-09250", Via: hailong.OutcomeCounter, Received: day(2026, 3, 5), Due: day(2026, 3, 20)},
		{NationalDossier: "G09.20-20260305-0000003", Unit: "TT-09190", Via: hailong.OutcomePost, Procedure: "1.001234",
			Received: same, Due: same, Returned: &same},
		// Returned on the first days a report may name (a day 0, 1
		// January 1970, of an earlier version's reports is read in
		// aggregator/mongodb's TestDossierReturnedOnDayZeroIsSaved).
		{Dossier: "H22.39-000101-0004", Unit: "TT-09250", Received: first - 2, Due: first - 1, Returned: &first, Complaints: 1},
	}
	store := &memStore{}
	b, err := outcomes.Load(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(b *outcomes.Book, reports []hailong.Outcome) []outcomes.Status {
		t.Helper()
		res, err := b.Report(ctx, reports, anyUnit)
		if err != nil {
			t.Fatal(err)
		}
		var got []outcomes.Status
		for _, r := range res {
			got = append(got, r.Status)
		}
		return got
	}
	all := func(s outcomes.Status) []outcomes.Status { return slices.Repeat([]outcomes.Status{s}, len(reported)) }
	if got := statuses(b, reported); !slices.Equal(got, all(outcomes.Created)) {
		t.Fatalf("first reports: %v", got)
	}
	if got := statuses(b, reported); !slices.Equal(got, all(outcomes.Unchanged)) {
		t.Fatalf("the same reports again: %v, want unchanged", got)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if store.saved == nil || len(store.saved.all()) != len(reported) {
		t.Fatalf("a whole save of %d dossiers holds %+v", len(reported), store.saved)
	}
	for _, r := range store.saved.all() {
		i := slices.IndexFunc(reported, func(o hailong.Outcome) bool { return o.Code() == r.Outcome.Code() })
		if i < 0 || !reflect.DeepEqual(r.Outcome, reported[i]) {
			t.Errorf("saved %+v, reported %+v", r.Outcome, reported[max(i, 0)])
		}
	}
	if b, err = outcomes.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	if got := statuses(b, reported); !slices.Equal(got, all(outcomes.Unchanged)) {
		t.Fatalf("the same reports after a read of the saved book: %v, want unchanged", got)
	}
	changes := []struct {
		name   string
		change func(o *hailong.Outcome)
	}{
		{"unit", func(o *hailong.Outcome) { o.Unit = "TT-09250" }},
		{"agency", func(o *hailong.Outcome) { o.Agency = "000.00.22.H40" }},
		{"via", func(o *hailong.Outcome) { o.Via = hailong.OutcomeCounter }},
		{"procedure", func(o *hailong.Outcome) { o.Procedure = "1.009999" }},
		{"official", func(o *hailong.Outcome) { o.Official = "can-bo-8" }},
		{"counter", func(o *hailong.Outcome) { o.Counter = "Q4" }},
		{"received", func(o *hailong.Outcome) { o.Received-- }},
		{"due", func(o *hailong.Outcome) { o.Due++ }},
		{"returned", func(o *hailong.Outcome) { d := *o.Returned + 1; o.Returned = &d }},
		{"in progress again", func(o *hailong.Outcome) { o.Returned = nil }},
		{"complaints", func(o *hailong.Outcome) { o.Complaints++ }},
		{"scores", func(o *hailong.Outcome) { o.Indices = map[string]int{"2": 2, "5": 1, "6": 0, "8": 2, "9": 2} }},
	}
	for _, c := range changes {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			o := reported[0]
			c.change(&o)
			if got := statuses(b, []hailong.Outcome{o}); got[0] != outcomes.Updated {
				t.Errorf("a report changing the %s: %v, want updated", c.name, got)
			}
			if got := statuses(b, reported[:1]); got[0] != outcomes.Updated {
				t.Errorf("the report as first sent, after: %v, want updated", got)
			}
		})
	}
	// The sums after every change and its undoing are those of a book
	// told only of the reports as first sent.
	want, err := outcomes.Load(ctx, &memStore{})
	if err != nil {
		t.Fatal(err)
	}
	statuses(want, reported)
	units := []string{"TT-09190", "TT-09250"}
	for _, period := range [][2]hailong.Date{{first - 2, day(2026, 12, 31)}, {first, first}, {ret, ret}, {same, same}} {
		got, wantSums := b.Query(units, period[0], period[1], rollup.Filter{}), want.Query(units, period[0], period[1], rollup.Filter{})
		if got != wantSums || wantSums.Dossiers == 0 {
			t.Errorf("%v–%v: sums %+v, want %+v", period[0], period[1], got, wantSums)
		}
	}
}
