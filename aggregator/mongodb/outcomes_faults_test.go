package mongodb_test

// The saved outcome book against faults: other processes, lost leases,
// older versions, a damaged book (found by a review of the first version).

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
)

// shared starts one embedded database and returns a function that opens a
// new handle on it: one per aggregator process sharing it (owner, standby,
// a later start), and a raw client for faults.
func shared(t testing.TB) (open func() *mongodb.DB, raw *mongo.Database) {
	t.Helper()
	ctx := context.Background()
	emb, err := ferret.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	open = func() *mongodb.DB {
		db, err := mongodb.Open(ctx, emb.URI(), "hailong_test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(ctx) })
		return db
	}
	c, err := mongo.Connect(options.Client().ApplyURI(emb.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(ctx) })
	return open, c.Database("hailong_test")
}

const rvUnit = "TT-09190"

func rvReport(code string) hailong.Outcome {
	returned := hailong.DateFromYMD(2026, 3, 10)
	return hailong.Outcome{Dossier: code, Unit: rvUnit, Received: hailong.DateFromYMD(2026, 3, 2),
		Due: hailong.DateFromYMD(2026, 3, 12), Returned: &returned}
}

func rvPut(t *testing.T, b *outcomes.Book, codes ...string) {
	t.Helper()
	var os []hailong.Outcome
	for _, c := range codes {
		os = append(os, rvReport(c))
	}
	if _, err := b.Report(t.Context(), os, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
}

func rvLoad(t *testing.T, db outcomes.Store) *outcomes.Book {
	t.Helper()
	b, err := outcomes.Load(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rvMarch(b *outcomes.Book) rollup.Outcomes {
	return b.Query([]string{rvUnit}, hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31), rollup.Filter{})
}

// A deposed owner's save (paused past its lease between its check and the
// save; the app also bounds the save by the lease) must not overwrite the
// new owner's state: here the new owner rebuilt the flags (the rating
// behind a's flag no longer counts), and the late save would bring the
// stale flag back for good. It is refused.
func TestDeposedOwnersSaveIsRefused(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	open, _ := shared(t)
	dbA := open()
	bookA := rvLoad(t, dbA)
	rvPut(t, bookA, a, b)
	if err := dbA.AddDossierFlags(t.Context(), []string{a}); err != nil {
		t.Fatal(err)
	}
	bookA.MarkUnhappy([]string{a})

	dbB := open() // takes over after A's lease passed; its start rebuilds
	if err := dbB.ReplaceDossierFlags(t.Context(), []string{b}); err != nil {
		t.Fatal(err)
	}
	bookB := rvLoad(t, dbB)
	if got := rvMarch(bookB).Bad; got != 1 {
		t.Fatalf("the new owner counts %d bad, want 1", got)
	}

	if err := bookA.Save(t.Context()); err == nil { // A wakes inside Close
		t.Error("the deposed owner's save was taken")
	}
	if got := rvMarch(rvLoad(t, open())).Bad; got != 1 {
		t.Errorf("after the deposed owner's late save a start counts %d bad dossiers, want 1 (a's flag was rebuilt away)", got)
	}
}

// TestADeposedOwnersSaveLeavesTheNewOwnersMonths: the old owner A writes
// its saved state within its lease, then pauses past it (here in the
// fence's release, which follows the state's write); B takes over, reads
// the book and saves it, writing new month collections; A resumes. A must
// not drop the collections of B's state, which names months B reads again
// when its budget dropped them (FerretDB reads a dropped collection as
// empty).
func TestADeposedOwnersSaveLeavesTheNewOwnersMonths(t *testing.T) {
	ctx := t.Context()
	open, _ := shared(t)
	dbA, dbB := open(), open()

	// A pauses in the fence's release that follows its state's write,
	// once; its fence then goes on granting its writes, as one that has
	// not noticed the lease lost: the state's version must stop them.
	var pause atomic.Bool
	paused, resume := make(chan struct{}), make(chan struct{})
	dbA.SetOutcomesFence(func(ctx context.Context) (context.Context, context.CancelFunc, error) {
		if !pause.CompareAndSwap(true, false) {
			return ctx, func() {}, nil
		}
		return ctx, func() { close(paused); <-resume }, nil
	})

	day := func(m, d int) *hailong.Date { x := hailong.DateFromYMD(2026, time.Month(m), d); return &x }
	dossier := func(i int, ret *hailong.Date) hailong.Outcome {
		return hailong.Outcome{Dossier: fmt.Sprintf("H22.39-260202-%04d", i), Unit: rvUnit, Procedure: "1.000001",
			Received: hailong.DateFromYMD(2026, 2, 2), Due: hailong.DateFromYMD(2026, 5, 1), Returned: ret}
	}
	live, a := rvLoad(t, outcomes.Discard), rvLoad(t, dbA)
	both := func(b *outcomes.Book, os ...hailong.Outcome) {
		t.Helper()
		for _, book := range []*outcomes.Book{live, b} {
			if _, err := book.Report(ctx, os, func(string) bool { return true }); err != nil {
				t.Fatal(err)
			}
		}
	}
	both(a, dossier(0, day(2, 10)), dossier(1, day(3, 10)), dossier(2, day(4, 10)))
	if _, err := a.Compact(ctx); err != nil { // the months saved whole
		t.Fatal(err)
	}
	both(a, dossier(3, day(3, 11)))
	// A's clean stop: its state is written within the lease, then A pauses.
	pause.Store(true)
	saved := make(chan error, 1)
	go func() { saved <- a.Save(ctx) }()
	<-paused

	// B takes over: reads the book A saved, takes a report, saves.
	b := outcomes.New(dbB)
	b.SetBudget(1)
	if err := b.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Open(ctx); err != nil {
		t.Fatal(err)
	}
	both(b, dossier(4, day(3, 12)))
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	march, marchEnd := hailong.DateFromYMD(2026, 3, 1), hailong.DateFromYMD(2026, 3, 31)
	f := rollup.Filter{Procedure: "1.000001"} // read from the month's days
	if g, w := b.Query([]string{rvUnit}, march, marchEnd, f), live.Query([]string{rvUnit}, march, marchEnd, f); g != w {
		t.Fatalf("before A resumes: %+v, want %+v", g, w)
	}
	// A resumes past its lease and finishes its save.
	close(resume)
	<-saved // its state was written: it answers as it may
	// B's March is dropped within its budget and read again.
	b.Query([]string{rvUnit}, hailong.DateFromYMD(2026, 2, 1), hailong.DateFromYMD(2026, 2, 28), f)
	b.Query([]string{rvUnit}, hailong.DateFromYMD(2026, 4, 1), hailong.DateFromYMD(2026, 4, 30), f)
	if res := b.Rollup().Residence(); res.Cold == 0 {
		t.Fatalf("%+v: nothing dropped", res)
	}
	if g, w := b.Query([]string{rvUnit}, march, marchEnd, f), live.Query([]string{rvUnit}, march, marchEnd, f); g != w {
		t.Errorf("B's March after A dropped its collections: %+v, want %+v", g, w)
	}
}

// A flag written to the process's log but not (yet) told to the book (the
// ingest path writes a flag, then tells the book) is saved all the same:
// the save holds the process's own flag log.
func TestFlagInLogNotInBookIsSaved(t *testing.T) {
	const a = "H22.39-260302-0001"
	open, _ := shared(t)
	db := open()
	book := rvLoad(t, db)
	rvPut(t, book, a)
	// What flagUnhappy does with onUnhappy not yet set.
	if err := db.AddDossierFlags(t.Context(), []string{a}); err != nil {
		t.Fatal(err)
	}
	if err := book.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := rvMarch(rvLoad(t, open())).Bad; got != 1 {
		t.Errorf("a flag stored in the database: %d bad after a clean stop, want 1", got)
	}
}

// savedTwo reports two dossiers into a new book on db, saves it and
// returns the collection of its saved records.
func savedTwo(t *testing.T, db *mongodb.DB) string {
	t.Helper()
	book := rvLoad(t, db)
	rvPut(t, book, "H22.39-260302-0001", "H22.39-260302-0002")
	if err := book.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	recs, _, _, err := db.SavedOutcomes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// A month of the saved book whose collection lost runs (or was dropped and
// is found empty: on FerretDB a find on a collection dropped meanwhile is
// empty, not an error) is never read as a smaller month: its first use
// fails, storing nothing, and passes the saved book over, every log read at
// the next start.
func TestSavedBookMissingRunsIsPassedOver(t *testing.T) {
	open, raw := shared(t)
	recs := savedTwo(t, open())
	// The collection named by the state is there, but empty.
	if _, err := raw.Collection(recs).DeleteMany(t.Context(), bson.D{}); err != nil {
		t.Fatal(err)
	}
	book := rvLoad(t, open())
	if _, err := book.Report(t.Context(), []hailong.Outcome{rvReport("H22.39-260302-0003")}, func(string) bool { return true }); err == nil {
		t.Fatal("a report of a month emptied was taken")
	}
	again := rvLoad(t, open())
	if got := again.Dossiers(); got != 2 {
		t.Errorf("saved book emptied: %d dossiers read, want 2 (the logs are all there)", got)
	}
	if got := rvMarch(again); got.Dossiers != 2 {
		t.Errorf("saved book emptied: %+v counted, want the 2 dossiers of the logs", got)
	}
}

// A process that wrote nothing adds no log to the state: the state
// document does not grow with the number of clean stops.
func TestStateKeepsItsSizeOverIdleStops(t *testing.T) {
	open, _ := shared(t)
	db := open()
	book := rvLoad(t, db)
	rvPut(t, book, "H22.39-260302-0001")
	if err := book.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _, first, err := db.SavedOutcomes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var last []string
	for range 5 { // five starts and clean stops, no report
		d := open()
		if err := rvLoad(t, d).Save(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, _, last, err = d.SavedOutcomes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(last) != len(first) {
		t.Errorf("logs named: %d after the first stop, %d after five more stops with nothing written: %v", len(first), len(last), last)
	}
}

// A state written before states had versions is replaced by the next save.
func TestStateWithoutVersionIsReplaced(t *testing.T) {
	open, raw := shared(t)
	db := open()
	book := rvLoad(t, db)
	rvPut(t, book, "H22.39-260302-0001")
	if _, err := raw.Collection("meta").InsertOne(t.Context(), bson.D{{Key: "_id", Value: "outcomes_saved"}, {Key: "records", Value: ""}}); err != nil {
		t.Fatal(err)
	}
	book = rvLoad(t, open())
	if err := book.Save(t.Context()); err != nil {
		t.Fatalf("save over a state without a version: %v", err)
	}
	if recs, _, _, err := db.SavedOutcomes(t.Context()); err != nil || recs == "" {
		t.Errorf("saved book %q, %v", recs, err)
	}
}

// A dossier returned on 1970-01-01 (hailong.Date 0, a valid report for
// versions before Outcome.Validate bounded the days, so in their logs) is
// returned after a clean stop too. gob drops a pointer to a zero value, so
// the saved run decodes Returned as nil: in progress.
func TestDossierReturnedOnDayZeroIsSaved(t *testing.T) {
	open, _ := shared(t)
	db := open()
	zero := hailong.Date(0)
	o := hailong.Outcome{Dossier: "H22.39-691220-0001", Unit: rvUnit, Received: hailong.DateFromYMD(1969, 12, 20),
		Due: hailong.DateFromYMD(1970, 1, 5), Returned: &zero}
	if err := db.PutOutcomes(t.Context(), []outcomes.Record{{Key: o.Dossier, Outcome: o, Digest: o.Digest(), Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	book := rvLoad(t, db)
	from, to := hailong.DateFromYMD(1969, 12, 1), hailong.DateFromYMD(1970, 1, 31)
	before := book.Query([]string{rvUnit}, from, to, rollup.Filter{})
	crash := rvLoad(t, open()).Query([]string{rvUnit}, from, to, rollup.Filter{})
	if err := book.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := rvLoad(t, open()).Query([]string{rvUnit}, from, to, rollup.Filter{})
	if before.Dossiers != 1 || after != before || crash != before {
		t.Errorf("read from the log %+v (want one dossier), after a crash %+v, after a clean stop %+v", before, crash, after)
	}
}

// Two processes that read the same state version save side by side (a
// deposed owner waking inside its save as the new owner stops): the
// version lets one of them through. On FerretDB a conditional ReplaceOne
// is a find then a replace, not atomic: the claim of the version (a unique
// insert) is what refuses the second.
func TestConcurrentSavesAtOneVersion(t *testing.T) {
	open, _ := shared(t)
	both, rounds := 0, 10
	for i := range rounds {
		dbA, dbB := open(), open()
		bookA, bookB := rvLoad(t, dbA), rvLoad(t, dbB)
		rvPut(t, bookA, "H22.39-260302-1"+string(rune('0'+i))+"01")
		rvPut(t, bookB, "H22.39-260302-1"+string(rune('0'+i))+"02")
		var wg sync.WaitGroup
		var errA, errB error
		wg.Add(2)
		go func() { defer wg.Done(); errA = bookA.Save(t.Context()) }()
		go func() { defer wg.Done(); errB = bookB.Save(t.Context()) }()
		wg.Wait()
		if errA == nil && errB == nil {
			both++
		}
		if got, want := rvLoad(t, open()).Dossiers(), 2*(i+1); got != want {
			t.Errorf("round %d: a start reads %d dossiers, want %d", i, got, want)
		}
	}
	if both > 0 {
		t.Errorf("%d of %d rounds: both saves at one version were taken", both, rounds)
	}
}

// A saved run of another shape (the runs of an earlier format, records
// rather than savedRecords) is passed over: gob reads it as as many zero
// values, which would be one dossier of no code. A month of entries is read
// when first used, not at the start: that use fails, storing nothing, and
// the saved book is passed over from then on, every log read at the next
// start.
func TestSavedBookOfAnotherShapeIsPassedOver(t *testing.T) {
	open, _ := shared(t)
	db := open()
	recs := savedTwo(t, db)
	var run bytes.Buffer
	if err := gob.NewEncoder(&run).Encode([]outcomes.Record{{Key: "a", Seq: 1}, {Key: "b", Seq: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRaw(t.Context(), recs, bson.D{{Key: "_id", Value: 0}, {Key: "run", Value: run.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	book := rvLoad(t, open())
	changed := rvReport("H22.39-260302-0001")
	changed.Complaints = 1
	if _, err := book.Report(t.Context(), []hailong.Outcome{changed}, func(string) bool { return true }); err == nil {
		t.Fatal("a report of a month whose saved run is of another shape was taken")
	}
	if err := book.Save(t.Context()); err == nil {
		t.Error("a save laid months over a saved book passed over")
	}
	again := rvLoad(t, open())
	if got := again.Dossiers(); got != 2 {
		t.Errorf("a saved run of another shape: %d dossiers read, want 2 (from the logs)", got)
	}
	if codes, ok := again.Codes("H22.39-260302-0001"); !ok || codes.Local != "H22.39-260302-0001" {
		t.Errorf("read from the logs: Codes = %+v %v", codes, ok)
	}
	if got := rvMarch(again); got.Dossiers != 2 || got.Complained != 0 {
		t.Errorf("read from the logs: %+v, want the 2 dossiers as reported", got)
	}
}

// TestARebuildWaitsOutAClaimLeftByAStoppedOwner: the owner claimed the
// next version of the state and was stopped (killed, or paused past its
// lease) before it wrote it; the rebuild run at once failed, as the claim
// had not ended yet ("written by another process since", CI of stop 28).
// It waits the claim out, then replaces the flags.
func TestARebuildWaitsOutAClaimLeftByAStoppedOwner(t *testing.T) {
	const a, b = "H22.39-260302-0001", "H22.39-260302-0002"
	open, _ := shared(t)
	ctx := t.Context()
	owner := open()
	book := rvLoad(t, owner)
	rvPut(t, book, a, b)
	if err := owner.AddDossierFlags(ctx, []string{a}); err != nil {
		t.Fatal(err)
	}
	if err := book.Save(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := owner.SavedVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The owner's fence ended just now: its claim stands a little longer.
	ended := time.Now().UTC()
	if err := owner.InsertRaw(ctx, "meta", bson.D{{Key: "_id", Value: fmt.Sprintf("outcomes_saved@%d", v+1)},
		{Key: "at", Value: ended.Add(-time.Second)}, {Key: "until", Value: ended}}); err != nil {
		t.Fatal(err)
	}
	rebuild := open()
	if err := rebuild.ReplaceDossierFlags(ctx, []string{b}); err != nil {
		t.Fatalf("the rebuild after the owner stopped: %v", err)
	}
	if got := rvMarch(rvLoad(t, open())); got.Bad != 1 {
		t.Errorf("after the rebuild a start counts %d bad dossiers, want 1 (b's flag, not a's)", got.Bad)
	}
}

// TestAClaimLeftWithoutItsStateIsTakenOver: a process that claimed the
// next version of the saved book's state and never wrote it (paused past
// its lease between the two, or killed) stood in the way of every later
// write at that version: the owner's saves and a rebuild's failed for
// ever ("written by another process since"). Its claim is taken over once
// its end has passed, and only then. A claim of an earlier version, which
// recorded no end, ends ten minutes after it was made.
func TestAClaimLeftWithoutItsStateIsTakenOver(t *testing.T) {
	tests := []struct {
		name      string
		at        time.Time
		until     any // the claim's end; nil: a claim of an earlier version
		wantSaved bool
	}{
		{"its fence ended a minute ago", time.Now().Add(-time.Minute), time.Now().Add(-time.Minute).UTC(), true},
		{"its fence ends in a minute", time.Now().Add(-time.Minute), time.Now().Add(time.Minute).UTC(), false},
		{"of an earlier version, made a minute ago", time.Now().Add(-time.Minute), nil, false},
		{"of an earlier version, made an hour ago", time.Now().Add(-time.Hour), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open, _ := shared(t)
			ctx := t.Context()
			book := rvLoad(t, open())
			rvPut(t, book, "H22.39-260302-0001")
			if err := book.Save(ctx); err != nil {
				t.Fatal(err)
			}
			db := open()
			book = rvLoad(t, db)
			rvPut(t, book, "H22.39-260302-0002")
			v, err := db.SavedVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			claim := bson.D{{Key: "_id", Value: fmt.Sprintf("outcomes_saved@%d", v+1)}, {Key: "at", Value: tt.at.UTC()}}
			if tt.until != nil {
				claim = append(claim, bson.E{Key: "until", Value: tt.until})
			}
			if err := db.InsertRaw(ctx, "meta", claim); err != nil {
				t.Fatal(err)
			}
			err = book.Save(ctx)
			if saved := err == nil; saved != tt.wantSaved {
				t.Fatalf("the save over the claim left: %v, want saved %v", err, tt.wantSaved)
			}
			if got, want := rvLoad(t, open()).Dossiers(), 2; got != want {
				t.Fatalf("%d dossiers read, want %d (from the saved book or the logs)", got, want)
			}
		})
	}
}
