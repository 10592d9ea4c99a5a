package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/rollup"
	"hailong/syncapi"
)

// journalStore is the real store with faults injected into the write path
// and the checkpoints, and a record of the segments written.
type journalStore struct {
	*mongodb.DB
	mu             sync.Mutex
	segments       []string // "main 202506", "flagged 202507", …
	insertThenFail bool     // store the next batch, then report failure
	failDone       bool     // fail the next done written
	failSegments   int      // > 0: fail the segment after this many more
	failState      bool     // fail the next state written by a checkpoint
}

func (s *journalStore) InsertRatings(ctx context.Context, rs []hailong.Rating, ds [][32]byte, at time.Time) ([]int, error) {
	dups, err := s.DB.InsertRatings(ctx, rs, ds, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.insertThenFail {
		s.insertThenFail = false
		return nil, errors.New("injected: the answer of the insert was lost")
	}
	return dups, err
}

func (s *journalStore) AppendDone(ctx context.Context, seq int64, d ingest.Done) error {
	s.mu.Lock()
	fail := s.failDone
	s.failDone = false
	s.mu.Unlock()
	if fail {
		return errors.New("injected: the done was not written")
	}
	return s.DB.AppendDone(ctx, seq, d)
}

func (s *journalStore) WriteSegment(ctx context.Context, flagged bool, m rollup.Month, days []rollup.Day) (string, error) {
	s.mu.Lock()
	if s.failSegments > 0 {
		if s.failSegments--; s.failSegments == 0 {
			s.mu.Unlock()
			return "", errors.New("injected: the segment was not written")
		}
	}
	kind := "main"
	if flagged {
		kind = "flagged"
	}
	s.segments = append(s.segments, kind+" "+m.String())
	s.mu.Unlock()
	return s.DB.WriteSegment(ctx, flagged, m, days)
}

func (s *journalStore) SetRollupState(ctx context.Context, st rollup.State) error {
	s.mu.Lock()
	fail := s.failState && st.Journal > 0
	if fail {
		s.failState = false
	}
	s.mu.Unlock()
	if fail {
		return errors.New("injected: the state was not written")
	}
	return s.DB.SetRollupState(ctx, st)
}

// written returns the segments written since it was last called, sorted.
func (s *journalStore) written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Sorted(slices.Values(s.segments))
	s.segments = nil
	return out
}

// logBuffer collects an ingester's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkRecomputed fails unless both rollups equal a recomputation from the
// raw ratings.
func checkRecomputed(t *testing.T, in *ingest.Ingester, db *mongodb.DB) {
	t.Helper()
	want, wantFlagged, err := ingest.RecomputeAll(context.Background(), db, catalog(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want *rollup.Rollup
	}{{"rollups", in.Rollup(), want}, {"rollups of flagged ratings", in.Flagged(), wantFlagged}} {
		if c.got.Ratings() != c.want.Ratings() || !reflect.DeepEqual(normalise(slices.Collect(c.got.Days())), normalise(slices.Collect(c.want.Days()))) {
			t.Fatalf("%s (%d ratings) differ from recomputation (%d ratings)", c.name, c.got.Ratings(), c.want.Ratings())
		}
	}
}

// TestCheckpointsAndCrashesKeepTheRollupsEqualToRecomputation ingests
// random ratings in rounds, takes checkpoints at random points, and ends
// each round with a crash at a random step: mid-insert (stored, its answer
// lost), after counting but before the journal says so, or mid-checkpoint
// (after some segments, or before the state). After every checkpoint and
// every restart the rollups equal a recomputation from the raw ratings,
// the restart replays the journal rather than rebuilding, and the upload
// the crash interrupted, sent again, is counted once. It runs with every
// month in memory, and with months left cold at each start (only the
// current one loaded: every month of the ratings is cold) under a budget
// of a few cells, so that checkpoints, crashes and replays meet months
// not loaded, partly counted, dropped and loaded again.
func TestCheckpointsAndCrashesKeepTheRollupsEqualToRecomputation(t *testing.T) {
	for _, c := range []struct {
		name     string
		resident int
		budget   int64
	}{{"every month in memory", 0, 0}, {"cold months under a budget", 1, 30}} {
		t.Run(c.name, func(t *testing.T) { checkpointsAndCrashes(t, c.resident, c.budget) })
	}
}

func checkpointsAndCrashes(t *testing.T, resident int, budget int64) {
	ctx := context.Background()
	dir := t.TempDir()
	parent := t
	db, closeDB := ferrettest.OpenDir(t, dir)
	rng := rand.New(rand.NewPCG(3, 4))
	var logs *logBuffer
	store := &journalStore{DB: db}
	start := func(t *testing.T) *ingest.Ingester {
		t.Helper()
		logs = &logBuffer{}
		in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: 50, Logger: slog.New(slog.NewTextHandler(logs, nil)),
			ResidentMonths: resident, RollupBudget: budget})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return in
	}
	in := start(t)
	checkpoints := 0
	crashes := []string{"mid-insert", "before the done", "mid-segments", "before the state"}
	for round, crash := range crashes {
		t.Run(crash, func(t *testing.T) {
			for u, rs := range randomRatings(rng, 100+rng.IntN(100)) {
				for len(rs) > 0 {
					n := min(len(rs), 1+rng.IntN(60))
					if _, err := in.Ingest(ctx, kioskOf(u), 0, rs[:n]); err != nil {
						t.Fatal(err)
					}
					rs = rs[n:]
					if rng.IntN(5) == 0 {
						if err := in.Checkpoint(ctx); err != nil {
							t.Fatal(err)
						}
						checkpoints++
						checkRecomputed(t, in, store.DB)
					}
				}
			}
			var unanswered []hailong.Rating // the upload the crash interrupted
			switch crash {
			case "mid-insert", "before the done":
				store.mu.Lock()
				store.insertThenFail, store.failDone = crash == "mid-insert", crash == "before the done"
				store.mu.Unlock()
				unanswered = []hailong.Rating{rating(1+rng.IntN(3), time.Now()), rating(1+rng.IntN(3), time.Now())}
				if _, err := in.Ingest(ctx, kiosk, 0, unanswered); err == nil {
					t.Fatal("the injected fault should fail the upload")
				}
			case "mid-segments", "before the state":
				store.mu.Lock()
				store.failSegments, store.failState = map[bool]int{true: 2}[crash == "mid-segments"], crash == "before the state"
				store.mu.Unlock()
				if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, time.Now()), rating(3, time.Now().AddDate(0, -2, 0))}); err != nil {
					t.Fatal(err)
				}
				if err := in.Checkpoint(ctx); err == nil {
					t.Fatal("the injected fault should fail the checkpoint")
				}
				if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(1, time.Now())}); err != nil {
					t.Fatal(err)
				}
			}
			closeDB() // no Close: as if the process died
			db, closeDB = ferrettest.OpenDir(parent, dir)
			store = &journalStore{DB: db}
			in = start(t)
			if len(unanswered) > 0 { // the kiosk sends it again
				res, err := in.Ingest(ctx, kiosk, 0, unanswered)
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Duplicate}) {
					t.Fatalf("the interrupted upload sent again: %v, want duplicates", got)
				}
			}
			// A checkpoint waits for the claims the crash left to be
			// settled in the background, as it waits for any ingest.
			if err := in.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			checkRecomputed(t, in, db)
			if log := logs.String(); !strings.Contains(log, "journal tail replayed") || strings.Contains(log, "rebuil") {
				t.Fatalf("round %d: the start should have replayed the journal, not rebuilt:\n%s", round, log)
			}
		})
	}
	if checkpoints == 0 {
		t.Fatal("no checkpoint taken")
	}
}

// TestCheckpointsWriteOnlyChangedMonths: a checkpoint writes the months
// changed since the last, a late rating rewrites its closed month alone,
// and a clean stop after a checkpoint writes only what changed since; a
// rebuild writes every month.
func TestCheckpointsWriteOnlyChangedMonths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, _ := ferrettest.OpenDir(t, dir)
	store := &journalStore{DB: db}
	in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	store.written()
	thisMonth := time.Now().Add(-time.Minute)
	closed := time.Date(2025, 3, 10, 9, 0, 0, 0, hailong.Location)
	month := func(at time.Time) string { return rollup.MonthOf(hailong.DateOf(at)).String() }
	flaggedAt := func(at time.Time) hailong.Rating {
		r := rating(2, at)
		r.Flags = []string{hailong.FlagBurst}
		return r
	}
	steps := []struct {
		name    string
		ratings []hailong.Rating
		stop    bool // Close instead of Checkpoint
		want    []string
	}{
		{"first checkpoint", []hailong.Rating{rating(3, closed), rating(1, thisMonth), flaggedAt(thisMonth)},
			false, []string{"flagged " + month(thisMonth), "main " + month(closed), "main " + month(thisMonth)}},
		{"nothing changed", nil, false, nil},
		{"a late rating in a closed month", []hailong.Rating{rating(2, closed.AddDate(0, 0, 5))}, false, []string{"main " + month(closed)}},
		{"clean stop after a checkpoint", []hailong.Rating{rating(3, thisMonth)}, true, []string{"main " + month(thisMonth)}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if len(s.ratings) > 0 {
				if _, err := in.Ingest(ctx, kiosk, 0, s.ratings); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if s.stop {
				err = in.Close(ctx)
			} else {
				err = in.Checkpoint(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := store.written(); !slices.Equal(got, s.want) {
				t.Fatalf("segments written %q, want %q", got, s.want)
			}
		})
	}
	t.Run("a clean start loads them", func(t *testing.T) {
		again := newIngester(t, db, 10)
		defer again.Close(ctx)
		checkRecomputed(t, again, db)
		if got := store.written(); len(got) != 0 {
			t.Fatalf("a clean start wrote segments %q", got)
		}
		st, err := db.RollupState(ctx)
		if err != nil || len(st.Segments) != 3 {
			t.Fatalf("state %+v %v, want 3 segments named", st, err)
		}
	})
	t.Run("a rebuild writes every month", func(t *testing.T) {
		rebuilt := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
		if _, err := rebuilt.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := store.written(), []string{"flagged " + month(thisMonth), "main " + month(closed), "main " + month(thisMonth)}; !slices.Equal(got, want) {
			t.Fatalf("segments written %q, want %q", got, want)
		}
	})
}

// TestCheckpointsStopWhenFenced runs the checkpoint loop with a fence, as
// an aggregator holding a lease does: while the fence lets it, ratings
// counted make a checkpoint; once ownership is lost, none is written.
func TestCheckpointsStopWhenFenced(t *testing.T) {
	ctx := context.Background()
	db, _ := ferrettest.OpenDir(t, t.TempDir())
	store := &journalStore{DB: db}
	var lost atomic.Bool
	fence := func(ctx context.Context) (context.Context, context.CancelFunc, error) {
		if lost.Load() {
			return ctx, func() {}, errors.New("the lease is lost")
		}
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, nil
	}
	in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler),
		CheckpointEvery: time.Hour, CheckpointRatings: 1, Fence: fence})
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	store.written()
	at := time.Now().Add(-time.Minute)
	deadline := time.Now().Add(time.Minute)
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(3, at)}); err != nil {
		t.Fatal(err)
	}
	for len(store.written()) == 0 { // the loop's checkpoint, woken by the rating
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint while the fence allows it")
		}
		time.Sleep(20 * time.Millisecond)
	}
	lost.Store(true)
	for i := range 3 {
		if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, at.Add(time.Duration(i+1)*time.Second))}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond) // the loop has been woken three times
	if got := store.written(); len(got) != 0 {
		t.Fatalf("segments %q written after the fence refused", got)
	}
}

// loadCountingStore is the journal store counting the segments loaded.
type loadCountingStore struct {
	*journalStore
	loads atomic.Int64
}

func (s *loadCountingStore) LoadSegment(ctx context.Context, name string, fn func(rollup.Day)) error {
	s.loads.Add(1)
	return s.journalStore.LoadSegment(ctx, name, fn)
}

// TestColdMonthsStayExactAcrossCheckpointsAndCrashes extends the property
// test to months not in memory: ratings over three years, then starts that
// load only the last three months. Queries reaching into the older months
// answer as a recomputation from raw ratings does, and load only what they
// cover; under a budget of a few cells months are dropped and loaded again;
// a late rating into a month not in memory, checkpointed, and one left in
// the journal by a crash, are exact after a restart; no start rebuilds. A
// checkpoint written before segments carried their counts loads every
// month; a segment whose count contradicts the state marks the rollups for
// repair, and the next start rebuilds them.
func TestColdMonthsStayExactAcrossCheckpointsAndCrashes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	parent := t
	db, closeDB := ferrettest.OpenDir(t, dir)
	rng := rand.New(rand.NewPCG(13, 31))
	var logs *logBuffer
	store := &loadCountingStore{journalStore: &journalStore{DB: db}}
	// The ratings are of fixed months (randomRatings), so the clock that
	// sets the resident window is fixed too, and runs on: the recent
	// months must not empty as the calendar moves on.
	shift := time.Date(2026, 11, 20, 12, 0, 0, 0, hailong.Location).Sub(time.Now())
	clock := func() time.Time { return time.Now().Add(shift) }
	start := func(t *testing.T, resident int, budget int64) *ingest.Ingester {
		t.Helper()
		logs = &logBuffer{}
		store.loads.Store(0)
		in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: 50, Logger: slog.New(slog.NewTextHandler(logs, nil)),
			ResidentMonths: resident, RollupBudget: budget, Now: clock})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if log := logs.String(); strings.Contains(log, "rebuilding") {
			t.Fatalf("the start rebuilt the rollups:\n%s", log)
		}
		return in
	}
	crash := func(t *testing.T) {
		closeDB() // no Close: as if the process died
		db, closeDB = ferrettest.OpenDir(parent, dir)
		store = &loadCountingStore{journalStore: &journalStore{DB: db}}
	}
	units := []string{"TT-1", "TT-2", "MC-3"}
	// checkQueries fails unless measures over each year, main and flagged,
	// equal those of a recomputation.
	checkQueries := func(t *testing.T, in *ingest.Ingester) {
		t.Helper()
		want, wantFlagged, err := ingest.RecomputeAll(ctx, store.DB, catalog(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		for y := 2022; y <= 2026; y++ {
			from, to := hailong.DateFromYMD(y, time.January, 1), hailong.DateFromYMD(y, time.December, 31)
			// Whole months read the cold ones' summaries; a period cut
			// by a day and a grouping by procedure load them.
			if !reflect.DeepEqual(in.Rollup().Query(units, from, to, rollup.Filter{}), want.Query(units, from, to, rollup.Filter{})) ||
				!reflect.DeepEqual(in.Flagged().Query(units, from, to, rollup.Filter{}), wantFlagged.Query(units, from, to, rollup.Filter{})) ||
				!reflect.DeepEqual(in.Rollup().Query(units, from+1, to, rollup.Filter{}), want.Query(units, from+1, to, rollup.Filter{})) ||
				!reflect.DeepEqual(in.Rollup().GroupBy(units, from, to, rollup.Filter{}, rollup.ByProcedure), want.GroupBy(units, from, to, rollup.Filter{}, rollup.ByProcedure)) {
				t.Fatalf("the measures of %d differ from a recomputation's", y)
			}
		}
	}
	late := func(t *testing.T, in *ingest.Ingester, at time.Time) {
		t.Helper()
		if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(1, at), rating(3, at.Add(time.Hour))}); err != nil {
			t.Fatal(err)
		}
	}

	in := start(t, 0, 0)
	for u, rs := range randomRatings(rng, 600) {
		for i := range rs {
			rs[i].At = rs[i].At.AddDate(0, 14-rng.IntN(30), 0) // over three years up to last month
		}
		if _, err := in.Ingest(ctx, kioskOf(u), 0, rs); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := db.RollupState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := rollup.MonthOf(hailong.DateOf(clock()))
	recent := 0 // segments of the three months up to now
	for _, s := range st.Segments {
		if s.Month > now-3 {
			recent++
		}
	}
	oldest := time.Date(2024, 2, 10, 10, 0, 0, 0, hailong.Location)

	t.Run("a start loads the recent months only, once serving", func(t *testing.T) {
		in = start(t, 3, 0)
		<-in.Warmed()
		if got := store.loads.Load(); got != int64(recent) || recent == 0 {
			t.Fatalf("the start loaded %d segments, want the %d of the last three months (of %d)", got, recent, len(st.Segments))
		}
		if log := logs.String(); !strings.Contains(log, "cold months") {
			t.Fatalf("the start does not log what it holds:\n%s", log)
		}
		checkQueries(t, in)
		checkRecomputed(t, in, db)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a budget leaves the resident months past it cold", func(t *testing.T) {
		var window []rollup.Month // of the main rollup, in the last six months
		for _, s := range st.Segments {
			if s.Month > now-6 && !s.Flagged {
				window = append(window, s.Month)
			}
		}
		if len(window) < 2 {
			t.Fatalf("segments %+v: want two in the last six months", st.Segments)
		}
		newest := slices.Max(window)
		// A budget of two cells is full (three quarters of it held) once
		// any month is in: only the newest is loaded. Loading them all
		// held them past the budget until a query or a checkpoint dropped
		// some.
		in = start(t, 6, 2)
		<-in.Warmed()
		cold := in.Rollup().Cold()
		for _, m := range window {
			if slices.Contains(cold, m) != (m != newest) {
				t.Fatalf("cold after the start: %v; want every month of %v but the newest", cold, window)
			}
		}
		want := fmt.Sprintf(`"left cold for the budget"=%d `, len(window)-1)
		if log := logs.String(); !strings.Contains(log, want) {
			t.Fatalf("the start does not log the months left cold:\n%s", log)
		}
		checkQueries(t, in)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// wholeYears fails unless the queries of whole cold years answer as a
	// recomputation without loading a segment.
	wholeYears := func(t *testing.T, in *ingest.Ingester) {
		t.Helper()
		<-in.Warmed()
		before := store.loads.Load()
		want, _, err := ingest.RecomputeAll(ctx, store.DB, catalog(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		for y := 2022; y <= 2025; y++ {
			from, to := hailong.DateFromYMD(y, time.January, 1), hailong.DateFromYMD(y, time.December, 31)
			for _, f := range []rollup.Filter{{}, {Channel: hailong.ChannelKiosk}} {
				if got, want := in.Rollup().Query(units, from, to, f), want.Query(units, from, to, f); !reflect.DeepEqual(got, want) {
					t.Fatalf("the measures of %d (%+v) differ from a recomputation's:\n%+v\nwant\n%+v", y, f, got.Total, want.Total)
				}
			}
		}
		if got := store.loads.Load() - before; got != 0 {
			t.Fatalf("queries of whole cold years loaded %d segments, want none (their summaries read)", got)
		}
		if res := in.Rollup().Residence(); res.Summaries == 0 {
			t.Fatalf("residence %+v: no summary held", res)
		}
	}
	t.Run("whole cold years read the summaries", func(t *testing.T) {
		if st, err := db.RollupState(ctx); err != nil || slices.ContainsFunc(st.Segments, func(s rollup.Segment) bool { return s.Summary == "" }) {
			t.Fatalf("state %+v %v: want a summary named for every segment", st, err)
		}
		in = start(t, 3, 0)
		wholeYears(t, in)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("segments persisted without a summary get one once serving", func(t *testing.T) {
		st, err := db.RollupState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// One summary lost (its collection dropped, its name still in the
		// state), the others never written.
		last := len(st.Segments) - 1
		forDrop := st
		forDrop.Segments = slices.Clone(st.Segments)
		forDrop.Segments[last].Summary = ""
		if err := db.DropStale(ctx, forDrop); err != nil {
			t.Fatal(err)
		}
		for i := range st.Segments[:last] {
			st.Segments[i].Summary = ""
		}
		if err := db.SetRollupState(ctx, st); err != nil {
			t.Fatal(err)
		}
		logs = &logBuffer{}
		serving := make(chan struct{})
		in = ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: 50, Logger: slog.New(slog.NewTextHandler(logs, nil)),
			ResidentMonths: 3, CommentsAfter: serving, Now: clock})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// Until they have one, whole cold months are loaded.
		before := store.loads.Load()
		y, m := in.Rollup().Cold()[0].YearMonth()
		from := hailong.DateFromYMD(y, time.Month(m), 1)
		in.Rollup().Query(units, from, hailong.DateFromYMD(y, time.Month(m)+1, 1)-1, rollup.Filter{})
		if store.loads.Load() == before {
			t.Fatalf("a whole year without summaries loaded no segment: %+v\n%s", in.Rollup().Residence(), logs.String())
		}
		close(serving)
		deadline := time.Now().Add(time.Minute)
		for {
			st, err := db.RollupState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := db.SummaryNames(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(st.Segments, func(s rollup.Segment) bool { return !stored[s.Summary] }) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a minute after the start, segments still without a summary: %+v\n%s", st.Segments, logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		crash(t) // the summaries are named by the checkpoint after them
		in = start(t, 3, 0)
		wholeYears(t, in)
		checkQueries(t, in)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a budget of a few cells", func(t *testing.T) {
		in = start(t, 3, 20)
		checkQueries(t, in)
		checkQueries(t, in)
		if res := in.Rollup().Residence(); res.Drops == 0 || res.Loads <= int64(res.Cold) {
			t.Fatalf("residence %+v: months should have been dropped and loaded again", res)
		}
	})
	t.Run("a late rating into a month dropped, checkpointed", func(t *testing.T) {
		late(t, in, oldest)
		if err := in.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		checkQueries(t, in)
		crash(t)
		in = start(t, 3, 20)
		checkQueries(t, in)
		checkRecomputed(t, in, db)
	})
	t.Run("a late rating into a month not loaded, left in the journal by a crash", func(t *testing.T) {
		crash(t)
		in = start(t, 3, 20) // nothing loaded but the recent months
		late(t, in, oldest.AddDate(0, 2, 0))
		crash(t)
		in = start(t, 3, 20)
		if log := logs.String(); !strings.Contains(log, "journal tail replayed") {
			t.Fatalf("the start should have replayed the journal:\n%s", log)
		}
		if err := in.Checkpoint(ctx); err != nil { // writes the month whole
			t.Fatal(err)
		}
		crash(t)
		in = start(t, 3, 20)
		checkQueries(t, in)
		checkRecomputed(t, in, db)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// rewrite changes the stored state.
	rewrite := func(t *testing.T, change func(*rollup.State)) rollup.State {
		t.Helper()
		st, err := db.RollupState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		change(&st)
		if err := db.SetRollupState(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	t.Run("a checkpoint written before segments were counted loads every month", func(t *testing.T) {
		st := rewrite(t, func(st *rollup.State) {
			st.Counted = false
			for i := range st.Segments {
				st.Segments[i].Ratings = 0
			}
		})
		in = start(t, 3, 0)
		if got := store.loads.Load(); got != int64(len(st.Segments)) {
			t.Fatalf("the start loaded %d segments, want all %d", got, len(st.Segments))
		}
		checkRecomputed(t, in, db)
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if st, err := db.RollupState(ctx); err != nil || !st.Counted {
			t.Fatalf("the clean stop's state %+v %v should count its segments", st, err)
		}
	})
	t.Run("a segment that does not add up marks the rollups for repair", func(t *testing.T) {
		rewrite(t, func(st *rollup.State) {
			st.Segments[0].Ratings++ // the oldest month: cold
			st.Ratings++
		})
		in = start(t, 3, 0)
		in.Rollup().Query(units, hailong.DateFromYMD(2020, time.January, 1), hailong.DateFromYMD(2026, time.December, 31), rollup.Filter{})
		if log := logs.String(); !strings.Contains(log, "does not add up") {
			t.Fatalf("no error logged:\n%s", log)
		}
		if st, err := db.RollupState(ctx); err != nil || st.Journal != 0 {
			t.Fatalf("state %+v %v: want it marked for repair", st, err)
		}
		in.Close(ctx)
		logs = &logBuffer{}
		in = ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.NewTextHandler(logs, nil)), ResidentMonths: 3})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if log := logs.String(); !strings.Contains(log, "rebuilding") {
			t.Fatalf("the start after should rebuild:\n%s", log)
		}
		checkRecomputed(t, in, db)
	})
}
