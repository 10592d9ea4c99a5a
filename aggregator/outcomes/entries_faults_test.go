package outcomes_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// faulty is a memStore whose months of entries fail to be read when
// failLoads is positive (counted down at each read).
type faulty struct {
	*memStore
	failIn int // fail the failIn-th read from now; 0: never
}

func (f *faulty) LoadOutcomeEntries(ctx context.Context, m rollup.Month) ([]outcomes.SavedEntry, error) {
	if f.failIn > 0 {
		f.failIn--
		if f.failIn == 0 {
			return nil, errors.New("injected")
		}
	}
	return f.memStore.LoadOutcomeEntries(ctx, m)
}

const manyN = 24

func manyCodes(i int) (string, string) {
	return fmt.Sprintf("H22.39-26%02d05-%04d", 1+i%6, i), fmt.Sprintf("G09.20-2026%02d05-%07d", 1+(i/4)%6, i)
}

var manyFirst = hailong.DateFromYMD(2026, 1, 3)

func manyOutcome(rng *rand.Rand) hailong.Outcome {
	i := rng.IntN(manyN)
	local, national := manyCodes(i)
	switch rng.IntN(3) {
	case 0:
		national = ""
	case 1:
		local = ""
	}
	o := hailong.Outcome{Dossier: local, NationalDossier: national, Unit: savedUnits[i%len(savedUnits)],
		Procedure: fmt.Sprintf("1.%06d", rng.IntN(2)), Received: hailong.DateFromYMD(2025, 12, 20),
		Due: manyFirst + hailong.Date(rng.IntN(170)), Complaints: rng.IntN(5) / 4}
	if rng.IntN(4) > 0 {
		ret := manyFirst + hailong.Date(rng.IntN(170))
		o.Returned = &ret
	}
	return o
}

func manyCode(rng *rand.Rand) string {
	l, n := manyCodes(rng.IntN(manyN))
	if rng.IntN(2) == 0 {
		return l
	}
	return n
}

func sameAsLive(t *testing.T, when string, got, want *outcomes.Book) {
	t.Helper()
	if g, w := got.Dossiers(), want.Dossiers(); g != w {
		t.Fatalf("%s: %d dossiers, want %d", when, g, w)
	}
	tallies := func(tag string) {
		for _, u := range savedUnits {
			for m := 1; m <= 7; m++ {
				from, to := hailong.DateFromYMD(2026, time.Month(m), 1), hailong.DateFromYMD(2026, time.Month(m+1), 1)-1
				if g, w := got.Query([]string{u}, from, to, rollup.Filter{}), want.Query([]string{u}, from, to, rollup.Filter{}); g != w {
					t.Fatalf("%s%s: %s month %d: %+v, want %+v", when, tag, u, m, g, w)
				}
			}
			for d := manyFirst; d < manyFirst+170; d++ {
				for _, p := range []string{"", "1.000001"} {
					f := rollup.Filter{Procedure: p}
					if g, w := got.Query([]string{u}, d, d, f), want.Query([]string{u}, d, d, f); g != w {
						t.Fatalf("%s%s: %s on %s %q: %+v, want %+v", when, tag, u, d, p, g, w)
					}
				}
			}
		}
	}
	tallies("")
	for i := range manyN {
		l, n := manyCodes(i)
		for _, c := range []string{l, n} {
			g, gok := got.Codes(c)
			w, wok := want.Codes(c)
			if g != w || gok != wok {
				t.Fatalf("%s: Codes(%s) = %+v %v, want %+v %v", when, c, g, gok, w, wok)
			}
		}
	}
	tallies(", every code looked up")
}

// TestTheBookThroughFaultsAnswersAsTheLiveOne: random reports of dossiers
// of six months (half known by a code of another month), flags told at
// once, late, before Open or with a month that cannot be read, saves that
// fail or take reports while written, compactions, lookups, and restarts
// after a clean stop or a crash whose Open may fail and be tried again,
// within a budget of 0 to 2 dossiers: after each restart and at the end,
// the book answers as one that never stopped (written by a hostile review).
func TestTheBookThroughFaultsAnswersAsTheLiveOne(t *testing.T) {
	const seeds = 12
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(seed, 77))
			mem := &memStore{}
			store := &faulty{memStore: mem}
			live, _ := outcomes.Load(ctx, &memStore{})
			budget := rng.IntN(3)
			b, err := outcomes.Load(ctx, store)
			if err != nil {
				t.Fatal(err)
			}
			b.SetEntryBudget(budget)
			var pendingFlags []string // stored, told to live, not yet to b
			var log []string
			defer func() {
				if t.Failed() {
					t.Logf("ops: %v", log)
				}
			}()
			report := func(batch []hailong.Outcome) {
				want, err := live.Report(ctx, batch, anyUnit)
				if err != nil {
					t.Fatal(err)
				}
				got, err := b.Report(ctx, batch, anyUnit)
				if err != nil {
					t.Fatalf("report: %v", err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("report %+v answered %v, want %v", batch, got, want)
				}
			}
			for op := range 300 {
				switch k := rng.IntN(30); {
				case k < 16:
					batch := make([]hailong.Outcome, 1+rng.IntN(3))
					for i := range batch {
						batch[i] = manyOutcome(rng)
					}
					log = append(log, "report")
					report(batch)
				case k < 19:
					code := manyCode(rng)
					mem.AddDossierFlags(ctx, []string{code})
					live.MarkUnhappy([]string{code})
					switch rng.IntN(3) {
					case 0:
						pendingFlags = append(pendingFlags, code)
						log = append(log, "flag-late "+code)
					default:
						log = append(log, "flag "+code)
						b.MarkUnhappy([]string{code})
					}
				case k < 20:
					log = append(log, "tell-late")
					b.MarkUnhappy(pendingFlags)
					pendingFlags = nil
				case k < 21:
					// a flag whose month cannot be read
					code := manyCode(rng)
					mem.AddDossierFlags(ctx, []string{code})
					live.MarkUnhappy([]string{code})
					store.failIn = 1
					b.MarkUnhappy([]string{code})
					store.failIn = 0
					log = append(log, "flag-unread "+code)
				case k < 22:
					log = append(log, "lookup")
					b.Codes(manyCode(rng))
				case k < 24:
					log = append(log, "save")
					if rng.IntN(4) == 0 {
						mem.fail = errors.New("cut short")
						log = append(log, "(fails)")
						if err := b.Save(ctx); err == nil {
							t.Fatal("no failure")
						}
					} else if rng.IntN(3) == 0 {
						log = append(log, "(during)")
						batch, batch2 := []hailong.Outcome{manyOutcome(rng)}, []hailong.Outcome{manyOutcome(rng)}
						mem.during = func() { mem.during = nil; report(batch); report(batch2) }
						if rng.IntN(2) == 0 {
							mem.fail = errors.New("cut short")
							log = append(log, "(fails)")
						}
						b.Save(ctx)
					} else if err := b.Save(ctx); err != nil {
						t.Fatalf("save: %v", err)
					}
				case k < 25:
					log = append(log, "compact")
					if rng.IntN(5) == 0 {
						mem.fail = errors.New("cut short")
						b.Compact(ctx)
						mem.fail = nil
					} else if _, err := b.Compact(ctx); err != nil {
						t.Fatalf("compact: %v", err)
					}
				default:
					clean := rng.IntN(2) == 0
					if clean {
						if err := b.Save(ctx); err != nil {
							t.Fatalf("save: %v", err)
						}
					}
					// flags told late are in the store: the new book reads them
					pendingFlags = nil
					b = outcomes.New(store)
					b.SetEntryBudget(budget)
					if err := b.Prepare(ctx); err != nil {
						t.Fatal(err)
					}
					mode := rng.IntN(3)
					log = append(log, fmt.Sprintf("restart clean=%v mode=%d", clean, mode))
					if mode == 1 {
						// a flag before Open
						code := manyCode(rng)
						mem.AddDossierFlags(ctx, []string{code})
						live.MarkUnhappy([]string{code})
						b.MarkUnhappy([]string{code})
						log = append(log, "early "+code)
					}
					for try := 0; ; try++ {
						if mode == 2 && try == 0 {
							store.failIn = 1 + rng.IntN(3)
						}
						err := b.Read(ctx)
						if err == nil {
							err = b.Open(ctx)
						}
						store.failIn = 0
						if err == nil {
							break
						}
						if try > 3 {
							t.Fatalf("open: %v", err)
						}
						log = append(log, "open failed: "+err.Error())
						if err := b.Prepare(ctx); err != nil {
							t.Fatal(err)
						}
					}
					sameAsLive(t, fmt.Sprintf("op %d after restart", op), b, live)
				}
			}
			b.MarkUnhappy(pendingFlags)
			// A flag whose month could not be read counts once the next
			// report or save reads it.
			if err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
			sameAsLive(t, "at the end, live", b, live)
			again, err := outcomes.Load(ctx, mem)
			if err != nil {
				t.Fatal(err)
			}
			sameAsLive(t, "at the end, restarted", again, live)
		})
	}
}
