package outcomes_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// memStore keeps records and flags in memory, as the database would: a
// saved book, and the log and flags stored after it.
type memStore struct {
	recs  []outcomes.Record
	flags []string
	saved *memSaved
	// wholes and deltas count the saves of each kind; during, if set, is
	// called by a save once begun.
	wholes, deltas int
	during         func()
	// written are the months of entries the last save wrote; loads
	// counts the months of entries read.
	written []outcomes.MonthEntries
	loads   int
	// fail, if set, fails the next save once begun.
	fail error
}

type memSaved struct {
	recs       []outcomes.Record   // of the last whole save
	deltas     [][]outcomes.Record // saved since, laid over recs by key
	seq        int64
	flags      []string
	log, flagN int // how much of recs and flags the book holds
	sums       []rollup.Summary
	months     map[rollup.Month]outcomes.MonthDays
	// untold are the flags of the log the save held that the book had
	// not been told of: saved, but not counted in its months.
	untold map[string]bool
	// entries hold the book by month, if saved so (then recs and deltas
	// are none), with its aliases.
	entries map[rollup.Month][]outcomes.SavedEntry
	aliases []outcomes.Alias
}

// all returns every record the save holds, by month or not.
func (s *memSaved) all() []outcomes.Record {
	recs := slices.Clone(s.recs)
	for _, m := range slices.Sorted(maps.Keys(s.entries)) {
		for _, e := range s.entries[m] {
			recs = append(recs, e.Record)
		}
	}
	return recs
}

func (m *memStore) PutOutcomes(_ context.Context, recs []outcomes.Record) error {
	m.recs = append(m.recs, recs...)
	return nil
}

func (m *memStore) ReadOutcomes(_ context.Context, saved, since func(outcomes.Record)) (outcomes.SavedBook, error) {
	from, found := 0, outcomes.SavedBook{}
	if m.saved != nil && m.saved.entries != nil {
		found.Months = map[rollup.Month]int64{}
		for month, es := range m.saved.entries {
			found.Months[month] = int64(len(es))
		}
		found.Read, found.Seq, found.Aliases = true, m.saved.seq, m.saved.aliases
		from = m.saved.log
	} else if m.saved != nil {
		over := map[string]outcomes.Record{}
		for _, d := range m.saved.deltas {
			for _, r := range d {
				over[r.Key] = r
			}
			found.Changed += len(d)
		}
		for _, r := range m.saved.recs {
			if _, ok := over[r.Key]; !ok {
				saved(r)
			}
		}
		for _, r := range over {
			if r.MergedInto == "" {
				saved(r)
			}
		}
		from = m.saved.log
		found.Read, found.Seq, found.Records, found.Saves = true, m.saved.seq, len(m.saved.recs), len(m.saved.deltas)
	}
	latest := map[string]outcomes.Record{}
	for _, r := range m.recs[from:] {
		if l, ok := latest[r.Key]; !ok || l.Seq < r.Seq {
			latest[r.Key] = r
		}
	}
	for _, r := range latest {
		since(r)
	}
	return found, nil
}

func (m *memStore) ScanDossierFlags(_ context.Context, saved, since func(string)) (bool, error) {
	from := 0
	if m.saved != nil {
		for _, f := range m.saved.flags {
			if m.saved.untold[f] {
				since(f)
			} else {
				saved(f)
			}
		}
		from = m.saved.flagN
	}
	for _, f := range m.flags[from:] {
		since(f)
	}
	return m.saved != nil, nil
}

func (m *memStore) ReadOutcomeMonths(context.Context) (outcomes.SavedMonths, error) {
	if m.saved == nil || m.saved.months == nil {
		return outcomes.SavedMonths{}, nil
	}
	months := map[rollup.Month]int64{}
	for month, md := range m.saved.months {
		months[month] = 0
		for _, d := range md.Days {
			for _, c := range d.Cells {
				months[month] += c.Out.Dossiers
			}
		}
	}
	return outcomes.SavedMonths{Months: months,
		Exact: len(m.recs) == m.saved.log && len(m.flags) == m.saved.flagN && len(m.saved.untold) == 0}, nil
}

func (m *memStore) LoadOutcomeMonth(_ context.Context, month rollup.Month) ([]rollup.Day, error) {
	if m.saved == nil || m.saved.months == nil {
		return nil, errors.New("no saved months")
	}
	md, ok := m.saved.months[month]
	if !ok {
		return nil, fmt.Errorf("no saved month %s", month)
	}
	return md.Days, nil
}

func (m *memStore) LoadOutcomeSummary(_ context.Context, month rollup.Month) (rollup.Summary, error) {
	if m.saved == nil || m.saved.months == nil {
		return rollup.Summary{}, errors.New("no saved months")
	}
	md, ok := m.saved.months[month]
	if !ok {
		return rollup.Summary{}, fmt.Errorf("no saved month %s", month)
	}
	return md.Summary, nil
}

func (m *memStore) LoadOutcomeEntries(_ context.Context, month rollup.Month) ([]outcomes.SavedEntry, error) {
	if m.saved == nil || m.saved.entries == nil {
		return nil, errors.New("no book saved by month")
	}
	es, ok := m.saved.entries[month]
	if !ok {
		return nil, fmt.Errorf("no saved month %s", month)
	}
	m.loads++
	return slices.Clone(es), nil
}

func (m *memStore) SaveOutcomes(_ context.Context, s outcomes.Snapshot, begun func()) error {
	// What is stored from begun on, the save does not hold.
	next := &memSaved{recs: s.Records, seq: s.Seq, flags: s.Flags, log: len(m.recs), flagN: len(m.flags), sums: s.Sums, untold: map[string]bool{}}
	// As the database: a flag of the log the book was not told of is
	// saved all the same.
	for _, f := range m.flags {
		if f = hailong.NormalizeDossierCode(f); !slices.Contains(next.flags, f) {
			next.flags = append(slices.Clip(next.flags), f)
			next.untold[f], next.sums = true, nil
		}
	}
	begun()
	if m.during != nil {
		m.during()
	}
	if err := m.fail; err != nil {
		m.fail = nil
		return err
	}
	switch s.MonthsSave {
	case outcomes.MonthsChanged:
		if m.saved == nil || m.saved.months == nil {
			return errors.New("no saved months to lay the changes over")
		}
		next.months = maps.Clone(m.saved.months)
	case outcomes.MonthsAll:
		next.months = map[rollup.Month]outcomes.MonthDays{}
	}
	for _, md := range s.Months {
		if len(md.Days) == 0 {
			delete(next.months, md.Month)
		} else {
			next.months[md.Month] = md
		}
	}
	switch s.EntriesSave {
	case outcomes.MonthsChanged:
		if m.saved == nil || m.saved.entries == nil {
			return errors.New("no book saved by month to lay the changed months over")
		}
		next.entries = maps.Clone(m.saved.entries)
	case outcomes.MonthsAll:
		next.entries = map[rollup.Month][]outcomes.SavedEntry{}
	}
	if s.EntriesSave != outcomes.MonthsNone {
		for _, me := range s.Entries {
			if len(me.Entries) == 0 {
				delete(next.entries, me.Month)
			} else {
				next.entries[me.Month] = me.Entries
			}
		}
		next.recs, next.aliases, m.written = nil, s.Aliases, s.Entries
		if s.EntriesSave == outcomes.MonthsAll {
			m.wholes++
		} else {
			m.deltas++
		}
		m.saved = next
		return nil
	}
	if !s.Whole {
		if m.saved == nil {
			return errors.New("no saved book to lay the changes over")
		}
		next.recs, next.deltas = m.saved.recs, m.saved.deltas
		if len(s.Records) > 0 { // as the database: nothing changed, nothing laid over
			next.deltas = append(slices.Clip(next.deltas), s.Records)
		}
		m.deltas++
	} else {
		m.wholes++
	}
	m.saved = next
	return nil
}

// ReadOutcomeSums returns the saved sums while nothing was stored after
// the save.
func (m *memStore) ReadOutcomeSums(context.Context) ([]rollup.Summary, error) {
	if m.saved == nil || len(m.recs) != m.saved.log || len(m.flags) != m.saved.flagN {
		return nil, nil
	}
	return m.saved.sums, nil
}

const (
	local    = "H22.39-260305-0101"
	national = "G09.20-20260305-0000101"
	other    = "H22.39-260305-0102"
)

func outcome(local, national string) hailong.Outcome {
	ret := hailong.DateFromYMD(2026, 3, 11)
	return hailong.Outcome{Dossier: local, NationalDossier: national, Unit: "TT-09190",
		Received: hailong.DateFromYMD(2026, 3, 5), Due: hailong.DateFromYMD(2026, 3, 12), Returned: &ret}
}

func anyUnit(string) bool { return true }

// TestBookMatchesEitherCode reports one dossier by its codes in turn and a
// rating by the other code, and expects one dossier, counted not satisfied,
// also when the book is read again from the store.
func TestBookMatchesEitherCode(t *testing.T) {
	tests := []struct {
		name    string
		reports [][]hailong.Outcome
		flag    string
		want    []outcomes.Status // of the last report
	}{
		{"national, then both; rating by the local code", [][]hailong.Outcome{{outcome("", national)}, {outcome(local, national)}}, local, []outcomes.Status{outcomes.Updated}},
		{"local, then both; rating by the national code", [][]hailong.Outcome{{outcome(local, "")}, {outcome(local, national)}}, national, []outcomes.Status{outcomes.Updated}},
		{"both in one batch after the national", [][]hailong.Outcome{{outcome("", national), outcome(local, national)}}, " " + local + " ", []outcomes.Status{outcomes.Created, outcomes.Updated}},
		{"both, then the national alone keeps the local", [][]hailong.Outcome{{outcome(local, national)}, {outcome("", national)}}, local, []outcomes.Status{outcomes.Unchanged}},
		{"rating by the local code written in lower case", [][]hailong.Outcome{{outcome(local, national)}}, "h22.39-260305-0101", []outcomes.Status{outcomes.Created}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			store := &memStore{}
			b, err := outcomes.Load(ctx, store)
			if err != nil {
				t.Fatal(err)
			}
			var res []outcomes.Result
			for _, r := range tt.reports {
				if res, err = b.Report(ctx, r, anyUnit); err != nil {
					t.Fatal(err)
				}
			}
			for i, r := range res {
				if r.Status != tt.want[i] {
					t.Errorf("result %d: %+v, want %s", i, r, tt.want[i])
				}
			}
			b.MarkUnhappy([]string{tt.flag})
			store.flags = append(store.flags, tt.flag)
			check := func(b *outcomes.Book, when string) {
				t.Helper()
				got := b.Query([]string{"TT-09190"}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
				if b.Dossiers() != 1 || got.Dossiers != 1 || got.Bad != 1 {
					t.Errorf("%s: %d dossiers in the book, tally %+v; want one, not satisfied", when, b.Dossiers(), got)
				}
				for _, c := range []string{local, national} {
					if codes, ok := b.Codes(c); !ok || codes != (hailong.DossierCodes{Local: local, National: national}) {
						t.Errorf("%s: Codes(%s) = %+v, %v", when, c, codes, ok)
					}
				}
			}
			check(b, "as reported")
			again, err := outcomes.Load(ctx, store)
			if err != nil {
				t.Fatal(err)
			}
			check(again, "read again")
		})
	}
}

// TestBookRefusesCodesOfTwoDossiers: a report may not join two dossiers
// already reported apart.
func TestBookRefusesCodesOfTwoDossiers(t *testing.T) {
	ctx := t.Context()
	b, _ := outcomes.Load(ctx, &memStore{})
	if _, err := b.Report(ctx, []hailong.Outcome{outcome(local, ""), outcome(other, national)}, anyUnit); err != nil {
		t.Fatal(err)
	}
	res, err := b.Report(ctx, []hailong.Outcome{outcome(local, national)}, anyUnit)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != outcomes.Rejected || res[0].Reason == "" || b.Dossiers() != 2 {
		t.Errorf("%+v, %d dossiers", res, b.Dossiers())
	}
}

// TestBookRefusesCodesThatContradictADossier: a known dossier's codes do
// not change. A report giving it another national code (or another local
// one) is refused and changes nothing, in a later batch or in the same
// one; the code it would have dropped still names the dossier, so that a
// report by that code alone (a DongBoHoSoMC record names only the
// national one) is the same dossier, not a second.
func TestBookRefusesCodesThatContradictADossier(t *testing.T) {
	const national2 = "G09.20-20260305-0000102"
	for _, tt := range []struct {
		name   string
		batch  []hailong.Outcome // the last report contradicts the first
		field  string
		status []outcomes.Status
	}{
		{"another national code, later", []hailong.Outcome{outcome(local, national2)}, "national_dossier", []outcomes.Status{outcomes.Rejected}},
		{"another local code, later", []hailong.Outcome{outcome(other, national)}, "dossier", []outcomes.Status{outcomes.Rejected}},
		{"another national code, in one batch", []hailong.Outcome{outcome(local, national), outcome(local, national2)}, "national_dossier",
			[]outcomes.Status{outcomes.Unchanged, outcomes.Rejected}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			b, _ := outcomes.Load(ctx, &memStore{})
			if _, err := b.Report(ctx, []hailong.Outcome{outcome(local, national)}, anyUnit); err != nil {
				t.Fatal(err)
			}
			res, err := b.Report(ctx, tt.batch, anyUnit)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Status != tt.status[i] {
					t.Errorf("result %d: %+v, want %s", i, r, tt.status[i])
				}
			}
			if last := res[len(res)-1]; !strings.Contains(last.Reason, "is known with") {
				t.Errorf("reason %q does not say which code the dossier is known with", last.Reason)
			}
			for _, c := range []string{local, national} {
				if codes, ok := b.Codes(c); !ok || codes != (hailong.DossierCodes{Local: local, National: national}) {
					t.Errorf("Codes(%s) = %+v, %v; want the codes first reported", c, codes, ok)
				}
			}
			res, err = b.Report(ctx, []hailong.Outcome{outcome("", national)}, anyUnit)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != outcomes.Unchanged || b.Dossiers() != 1 {
				t.Errorf("the dossier by its national code alone: %+v, %d dossiers; want it unchanged and one dossier", res[0], b.Dossiers())
			}
		})
	}
}

// TestBookAnswersRepeatsWithinABatch: a dossier reported twice in one batch
// is created by the first report and updated by the second if it says
// something else, unchanged if it says the same; the book keeps the last.
func TestBookAnswersRepeatsWithinABatch(t *testing.T) {
	later := outcome(local, "")
	ret := hailong.DateFromYMD(2026, 3, 20)
	later.Returned = &ret
	tests := []struct {
		name  string
		batch []hailong.Outcome
		want  []outcomes.Status
	}{
		{"the same twice", []hailong.Outcome{outcome(local, ""), outcome(local, "")}, []outcomes.Status{outcomes.Created, outcomes.Unchanged}},
		{"returned later", []hailong.Outcome{outcome(local, ""), later}, []outcomes.Status{outcomes.Created, outcomes.Updated}},
		{"returned later, then as first", []hailong.Outcome{outcome(local, ""), later, outcome(local, "")}, []outcomes.Status{outcomes.Created, outcomes.Updated, outcomes.Updated}},
		{"by its other code", []hailong.Outcome{outcome(local, national), outcome("", national)}, []outcomes.Status{outcomes.Created, outcomes.Unchanged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := outcomes.Load(context.Background(), &memStore{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := b.Report(context.Background(), tt.batch, anyUnit)
			if err != nil {
				t.Fatal(err)
			}
			var got []outcomes.Status
			for _, r := range res {
				got = append(got, r.Status)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses %v, want %v (%+v)", got, tt.want, res)
			}
			last := tt.batch[len(tt.batch)-1]
			units := []string{"TT-09190"}
			if n := b.Query(units, *last.Returned, *last.Returned, rollup.Filter{}).Dossiers; n != 1 || b.Dossiers() != 1 {
				t.Errorf("%d dossiers on the last report's day, %d in the book; want 1 and 1", n, b.Dossiers())
			}
		})
	}
}

// reportTo reports the same outcomes to each book, as a live book and one
// over a store are reported to alike.
func reportTo(t *testing.T, reports []hailong.Outcome, books ...*outcomes.Book) {
	t.Helper()
	for _, b := range books {
		if _, err := b.Report(t.Context(), reports, anyUnit); err != nil {
			t.Fatal(err)
		}
	}
}

// flagTo stores a flag as the ingest path does, then tells the books.
func flagTo(t *testing.T, store restartable, code string, books ...*outcomes.Book) {
	t.Helper()
	if err := store.AddDossierFlags(t.Context(), []string{code}); err != nil {
		t.Fatal(err)
	}
	for _, b := range books {
		b.MarkUnhappy([]string{code})
	}
}

// liveAndStored loads a live book in memory, which never stops, and a
// book over store, to be reported to alike (reportTo).
func liveAndStored(t *testing.T, store outcomes.Store) (live, b *outcomes.Book) {
	t.Helper()
	live, err := outcomes.Load(t.Context(), &memStore{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = outcomes.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	return live, b
}
