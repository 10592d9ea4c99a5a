package mongodb

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

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
