package outcomes_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// restartable is a store a test can stop and start again, as a process
// would.
type restartable interface {
	outcomes.Store
	AddDossierFlags(ctx context.Context, dossiers []string) error
}

// memFlags lets memStore take flags as the ingest path writes them.
func (m *memStore) AddDossierFlags(_ context.Context, dossiers []string) error {
	m.flags = append(m.flags, dossiers...)
	return nil
}

// TestSavedBookReadsAsTheLiveOne reports random outcomes of a few dossiers,
// by either code or both (so that dossiers are merged), flags some of them
// not satisfied, saves the book now and then while running, and restarts,
// after a clean stop that saves the book or after a crash that does not. After every restart the book
// read back (the saved book and what was stored after it) answers as a
// book that never stopped: its dossiers, their codes and every tally.
func TestSavedBookReadsAsTheLiveOne(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) (store func() restartable, restart func())
		ops  int
		// budget bounds the cells of the book's rollup: 30 drops most
		// saved months, read again when a query needs them
		// (TestSavedMonthsCountWhatCameAfter does so on the embedded
		// database); 0, none: each is read once.
		budget int64
		// entries bounds the dossiers whose entries are held, once saved
		// by month: 3 of 12 drops most months, read again when a report,
		// a flag or a lookup names one of their codes.
		entries int
	}{
		{"in memory", inMemory, 400, 30, 3},
		{"on the embedded database", onTheEmbeddedDatabase, 120, 0, 3},
	}
	for _, tt := range tests {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seed), func(t *testing.T) {
				ctx := t.Context()
				rng := rand.New(rand.NewPCG(seed, 13))
				store, restart := tt.open(t)
				live, err := outcomes.Load(ctx, &memStore{})
				if err != nil {
					t.Fatal(err)
				}
				b, err := outcomes.Load(ctx, store())
				if err != nil {
					t.Fatal(err)
				}
				b.SetBudget(tt.budget)
				b.SetEntryBudget(tt.entries)
				saves, crashes := 0, 0
				for op := range tt.ops {
					switch k := rng.IntN(20); {
					case k < 14:
						batch := make([]hailong.Outcome, 1+rng.IntN(3))
						for i := range batch {
							batch[i] = randomOutcome(rng)
						}
						want, err := live.Report(ctx, batch, anyUnit)
						if err != nil {
							t.Fatal(err)
						}
						got, err := b.Report(ctx, batch, anyUnit)
						if err != nil {
							t.Fatal(err)
						}
						if fmt.Sprint(got) != fmt.Sprint(want) {
							t.Fatalf("op %d: report %+v answered %v, a book that never stopped %v", op, batch, got, want)
						}
					case k < 17:
						// As the ingest path does: the flag is written, then
						// the book told.
						code := randomCode(rng)
						if err := store().AddDossierFlags(ctx, []string{code}); err != nil {
							t.Fatal(err)
						}
						b.MarkUnhappy([]string{code})
						live.MarkUnhappy([]string{code})
					case k < 18:
						// Saved while running: what comes after must not be
						// taken for saved.
						if err := b.Save(ctx); err != nil {
							t.Fatal(err)
						}
						saves++
					default:
						if rng.IntN(3) > 0 {
							if err := b.Save(ctx); err != nil {
								t.Fatal(err)
							}
							saves++
						} else {
							crashes++
						}
						restart()
						if b, err = outcomes.Load(ctx, store()); err != nil {
							t.Fatal(err)
						}
						b.SetBudget(tt.budget)
						b.SetEntryBudget(tt.entries)
						sameBook(t, fmt.Sprintf("op %d, after %d saves and %d crashes", op, saves, crashes), b, live)
						// As a start does in the background: saved whole
						// if due, else the next saves lay changes over
						// the last whole one.
						if rng.IntN(2) == 0 {
							if _, err := b.Compact(ctx); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				if err := b.Save(ctx); err != nil {
					t.Fatal(err)
				}
				restart()
				if b, err = outcomes.Load(ctx, store()); err != nil {
					t.Fatal(err)
				}
				sameBook(t, "at the end", b, live)
				if saves == 0 || crashes == 0 {
					t.Errorf("%d saves, %d crashes: the seed tries too little", saves, crashes)
				}
				if m, ok := store().(*memStore); ok && (m.wholes == 0 || m.deltas == 0 || m.loads == 0 || len(m.saved.aliases) == 0) {
					t.Errorf("%d whole saves, %d of changes, %d months of entries read, %d aliases: the seed tries too little",
						m.wholes, m.deltas, m.loads, len(m.saved.aliases))
				}
			})
		}
	}
}

// inMemory is a restartable store in memory, which a restart keeps as it
// is, as a process's database.
func inMemory(*testing.T) (store func() restartable, restart func()) {
	m := &memStore{}
	return func() restartable { return m }, func() {}
}

// onTheEmbeddedDatabase is a restartable store on the embedded database:
// a restart closes it and opens its files again.
func onTheEmbeddedDatabase(t *testing.T) (store func() restartable, restart func()) {
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	return func() restartable { return db }, func() {
		closeDB()
		db, closeDB = ferrettest.OpenDir(t, dir)
	}
}

// The dossiers of TestSavedBookReadsAsTheLiveOne: a few, so that reports
// of one by either code meet, returned on days of three months, so that
// the book's rollup is saved in months, some cold after a start.
var (
	savedUnits = []string{"TT-09190", "TT-09250", "UB-20007"}
	savedDays  = 20
	savedFirst = hailong.DateFromYMD(2026, 2, 21)
)

// savedDay returns the i-th day of TestSavedBookReadsAsTheLiveOne, 0 to
// savedDays-1: every third from savedFirst.
func savedDay(i int) hailong.Date { return savedFirst + hailong.Date(3*i) }

// savedCodes returns the codes of dossier i of TestSavedBookReadsAsTheLiveOne:
// received in one of three months, so that the book's entries are saved
// in months, some cold after a start; the national code of one dossier in
// two carries another month than the local one, so that the book finds a
// dossier by a code whose month is not its entry's.
func savedCodes(i int) (local, national string) {
	return fmt.Sprintf("H22.39-26%02d05-%04d", 2+i%3, i), fmt.Sprintf("G09.20-2026%02d05-%07d", 2+(i/2)%3, i)
}

func randomCode(rng *rand.Rand) string {
	local, national := savedCodes(rng.IntN(12))
	if rng.IntN(2) == 0 {
		return local
	}
	return national
}

func randomOutcome(rng *rand.Rand) hailong.Outcome {
	i := rng.IntN(12)
	local, national := savedCodes(i)
	switch rng.IntN(3) {
	case 0:
		national = ""
	case 1:
		local = ""
	}
	o := hailong.Outcome{Dossier: local, NationalDossier: national, Unit: savedUnits[i%len(savedUnits)],
		Procedure: fmt.Sprintf("1.%06d", rng.IntN(3)), Official: fmt.Sprintf("cb-%d", rng.IntN(2)),
		Received: hailong.DateFromYMD(2026, 2, 20), Due: savedDay(rng.IntN(savedDays)),
		Complaints: rng.IntN(4) / 3}
	if rng.IntN(4) > 0 {
		ret := savedDay(rng.IntN(savedDays))
		o.Returned = &ret
	}
	if rng.IntN(3) == 0 {
		o.Indices = map[string]int{"2": rng.IntN(3), "5": rng.IntN(3)}
	}
	return o
}

// sameBook fails the test unless got answers as want: dossiers, codes and
// tallies per unit, day and procedure.
func sameBook(t *testing.T, when string, got, want *outcomes.Book) {
	t.Helper()
	if got.Dossiers() != want.Dossiers() {
		t.Fatalf("%s: %d dossiers, want %d", when, got.Dossiers(), want.Dossiers())
	}
	// The tallies before and after every code is looked up, which reads
	// every month of entries: a month read must count as its save did,
	// and nothing may wait for its month to be read to be counted.
	sameTallies(t, when, got, want)
	for i := range 12 {
		local, national := savedCodes(i)
		for _, c := range []string{local, national} {
			g, gok := got.Codes(c)
			w, wok := want.Codes(c)
			if g != w || gok != wok {
				t.Fatalf("%s: Codes(%s) = %+v %v, want %+v %v", when, c, g, gok, w, wok)
			}
		}
	}
	sameTallies(t, when+", every code looked up", got, want)
}

// sameTallies fails the test unless got's tallies per unit, month, day and
// procedure are want's.
func sameTallies(t *testing.T, when string, got, want *outcomes.Book) {
	t.Helper()
	for _, u := range savedUnits {
		// Whole months first, while cold months are not loaded: their
		// saved summaries answer.
		for m := 2; m <= 4; m++ {
			from, to := hailong.DateFromYMD(2026, time.Month(m), 1), hailong.DateFromYMD(2026, time.Month(m+1), 1)-1
			if g, w := got.Query([]string{u}, from, to, rollup.Filter{}), want.Query([]string{u}, from, to, rollup.Filter{}); g != w {
				t.Fatalf("%s: %s in month %d: %+v, want %+v", when, u, m, g, w)
			}
		}
		for d := range savedDays {
			day := savedDay(d)
			for _, p := range []string{"", "1.000000", "1.000001", "1.000002"} {
				f := rollup.Filter{Procedure: p}
				if g, w := got.Query([]string{u}, day, day, f), want.Query([]string{u}, day, day, f); g != w {
					t.Fatalf("%s: %s on %s, procedure %q: %+v, want %+v", when, u, day, p, g, w)
				}
			}
		}
	}
}
