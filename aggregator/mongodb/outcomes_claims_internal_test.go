package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/aggregator/ferret"
)

// claimsDB returns processes on one embedded database.
func claimsDB(t *testing.T) func() *DB {
	t.Helper()
	ctx := context.Background()
	emb, err := ferret.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	return func() *DB {
		db, err := Open(ctx, emb.URI(), "hailong_test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(ctx) })
		return db
	}
}

// fenceUntil is a fence that ends at until.
func fenceUntil(until time.Time) func(context.Context) (context.Context, context.CancelFunc, error) {
	return func(ctx context.Context) (context.Context, context.CancelFunc, error) {
		c, cancel := context.WithDeadline(ctx, until)
		return c, cancel, nil
	}
}

// TestADeposedOwnerCannotTakeTheNewOwnersClaimAway: a deposed owner A
// claims v and is paused past its fence and claimSkew; the new owner B
// claims v over A's ended claim and is writing; A resumes and its write
// fails (its fence ended). A third writer that saw v−1 (the rebuild CLI,
// without a fence) must not claim v too. (A first version deleted a
// claim whose write failed, by its id: B's; a hostile review found two
// writes at one version.)
func TestADeposedOwnerCannotTakeTheNewOwnersClaimAway(t *testing.T) {
	ctx := t.Context()
	open := claimsDB(t)
	dbA, dbB, dbC := open(), open(), open()
	if err := dbA.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	const v = 6
	dbA.SetOutcomesFence(fenceUntil(time.Now().Add(300 * time.Millisecond)))
	dbB.SetOutcomesFence(fenceUntil(time.Now().Add(time.Hour)))

	wrote := map[string]bool{}
	bClaimed, release, bDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	errA := dbA.claimVersion(ctx, v, func(actx context.Context) error {
		time.Sleep(300*time.Millisecond + claimSkew + 200*time.Millisecond) // A paused
		go func() {
			bDone <- dbB.claimVersion(ctx, v, func(bctx context.Context) error {
				close(bClaimed)
				<-release
				wrote["B"] = true
				return dbB.putMeta(bctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: v, Flags: "B"})
			})
		}()
		select {
		case <-bClaimed:
		case err := <-bDone:
			t.Fatalf("B did not take A's stale claim over: %v", err)
		}
		return actx.Err() // A resumes: its fence ended
	})
	if errA == nil {
		t.Fatal("A's write was taken")
	}
	errC := dbC.claimVersion(context.WithoutCancel(ctx), v, func(ctx context.Context) error {
		wrote["C"] = true
		return dbC.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: v, Flags: "C"})
	})
	close(release)
	errB := <-bDone
	if wrote["B"] && wrote["C"] {
		t.Errorf("both B (%v) and C (%v) wrote the state at version %d: a claim was taken from B", errB, errC, v)
	}
}

// TestAWriteThatFailedAfterLandingKeepsItsVersion: A's write reaches the
// server but its answer is lost (a connection reset): B, which read v−1,
// must not claim v and write over A's state at v.
func TestAWriteThatFailedAfterLandingKeepsItsVersion(t *testing.T) {
	ctx := t.Context()
	open := claimsDB(t)
	dbA, dbB := open(), open()
	if err := dbA.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	const v = 6
	errA := dbA.claimVersion(ctx, v, func(ctx context.Context) error {
		if err := dbA.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: v, Flags: "A"}); err != nil {
			return err
		}
		return errors.New("connection reset: the reply was lost")
	})
	if errA == nil {
		t.Fatal("A's write was reported taken")
	}
	wroteB := false
	errB := dbB.claimVersion(ctx, v, func(ctx context.Context) error {
		wroteB = true
		return dbB.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: v, Flags: "B"})
	})
	if wroteB {
		t.Errorf("B claimed and wrote version %d (err %v) though A's state at %d had landed: two writes at one version", v, errB, v)
	}
}

// TestAClaimWithoutAFenceEnds: a process without a fence (the rebuild)
// killed between its claim and its state left a claim with no end, which
// refused every later write at that version for ever. Its claim records
// when it stops writing, as a fenced one does.
func TestAClaimWithoutAFenceEnds(t *testing.T) {
	ctx := t.Context()
	db := claimsDB(t)()
	if err := db.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	killed := errors.New("killed before its write")
	if err := db.claimVersion(ctx, 6, func(context.Context) error { return killed }); !errors.Is(err, killed) {
		t.Fatalf("claim: %v", err)
	}
	ends, err := db.claimEnds(ctx, "outcomes_saved@6", 6)
	if err != nil {
		t.Fatal(err)
	}
	if latest := time.Now().Add(claimHold + claimSkew); ends.Before(before) || ends.After(latest) {
		t.Errorf("the claim stands until %v, want by %v", ends, latest)
	}
	var held *claimHeldError
	err = db.claimVersion(ctx, 6, func(context.Context) error { t.Error("wrote over a standing claim"); return nil })
	if !errors.As(err, &held) || !errors.Is(err, errSavedMoved) || !held.until.Equal(ends) {
		t.Errorf("a second claim: %v, want the first held until %v", err, ends)
	}
}

// TestARebuildDoesNotWaitOutALiveClaim: the owner claims the next
// version and writes its state 200 ms later, as a save does. A rebuild
// that met the claim in between slept until the claim's recorded end and
// claimSkew (up to 35 s), though the state it waited for was written at
// once (a hostile review). It reads the state again every claimPoll.
func TestARebuildDoesNotWaitOutALiveClaim(t *testing.T) {
	ctx := t.Context()
	open := claimsDB(t)
	owner, rebuild := open(), open()
	if err := owner.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	claimed, saved := make(chan struct{}), make(chan error, 1)
	go func() {
		saved <- owner.claimVersion(ctx, 6, func(ctx context.Context) error {
			close(claimed)
			time.Sleep(200 * time.Millisecond)
			return owner.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 6})
		})
	}()
	<-claimed
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	err := rebuild.clearSavedFlags(rctx)
	took := time.Since(start)
	if err := <-saved; err != nil {
		t.Fatalf("the owner's save: %v", err)
	}
	if err != nil || took > 5*time.Second {
		t.Errorf("the rebuild took %v (%v); the owner's state was written 200 ms after its claim", took.Round(time.Millisecond), err)
	}
}

// TestARebuildRecoversFromClaimsLeftByFailedWrites: every write
// that fails after its claim (killed, a FerretDB error, claimHold
// running out on a slow database) leaves a claim at v. Each is taken
// over once ended, under the next id; there were eight ids, and after
// them every writer at v was refused for ever, the rebuild too (a
// hostile review). Once the state moves on, the claims of the version
// before are deleted, every one of them.
func TestARebuildRecoversFromClaimsLeftByFailedWrites(t *testing.T) {
	ctx := t.Context()
	db := claimsDB(t)()
	if err := db.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	ended := time.Now().Add(-time.Hour).UTC()
	for i := range 8 {
		id := claimID(6, i)
		if _, err := db.meta().InsertOne(ctx, bson.D{{Key: "_id", Value: id},
			{Key: "at", Value: ended.Add(time.Duration(i) * time.Minute)},
			{Key: "until", Value: ended.Add(time.Duration(i)*time.Minute + claimHold)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.clearSavedFlags(ctx); err != nil {
		t.Fatalf("rebuild after 8 ended claims at one version: %v (errSavedMoved: %v)", err, errors.Is(err, errSavedMoved))
	}
	if err := db.writeStateOver(ctx, outcomesSaved{ID: outcomesSavedID, Version: 7}); err != nil {
		t.Fatal(err)
	}
	left, err := db.meta().CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: claimPattern(6)}}}})
	if err != nil || left != 0 {
		t.Errorf("%d claims of version 6 left once version 7 is written (%v), want none", left, err)
	}
}

// TestARebuildPausedBeforeItsClaimDoesNotWriteAnOldVersion (a hostile
// review): clearSavedFlags reads the state (v−1), then
// claims v and writes it with putMeta, which is unconditional. Paused
// between the two while W writes v and X writes v+1 (deleting the claims
// of v), its claim of v finds no claim in the way, and its state, at
// version v, built from v−1, replaces X's v+1: W and the rebuild both
// wrote version v, and the version went back.
func TestARebuildPausedBeforeItsClaimDoesNotWriteAnOldVersion(t *testing.T) {
	ctx := t.Context()
	open := claimsDB(t)
	w, x, rebuild := open(), open(), open()
	if err := w.putMeta(ctx, outcomesSavedID, outcomesSaved{ID: outcomesSavedID, Version: 5}); err != nil {
		t.Fatal(err)
	}
	var st outcomesSaved // the rebuild reads the state, as clearSavedFlags does
	if _, err := rebuild.getMeta(ctx, outcomesSavedID, &st); err != nil {
		t.Fatal(err)
	}
	st.Version++
	// The rebuild is paused here; W and X save.
	for _, p := range []struct {
		db *DB
		v  int64
	}{{w, 6}, {x, 7}} {
		if err := p.db.claimVersion(ctx, p.v, func(ctx context.Context) error {
			return p.db.replaceSaved(ctx, p.v-1, outcomesSaved{ID: outcomesSavedID, Version: p.v, Flags: fmt.Sprint(p.v)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	err := rebuild.writeStateOver(ctx, st)
	var now outcomesSaved
	if _, err := rebuild.getMeta(ctx, outcomesSavedID, &now); err != nil {
		t.Fatal(err)
	}
	if now.Version != 7 {
		t.Errorf("the rebuild's claim of version %d: %v; the state is now at version %d (flags %q), was 7", st.Version, err, now.Version, now.Flags)
	}
}
