package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/enrolment"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/procedure"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// admin changes kiosks, one-stop clients, units, procedures and targets
// while the aggregator runs (web.Admin): each change is stored, then
// swapped into everything that holds it in memory, so that it takes effect
// at once without a restart.
type admin struct {
	m       *Main
	kiosks  *enrolment.Registry
	clients *enrolment.Registry

	// mu serialises imports, so that two imports cannot store one tree and
	// swap in the other.
	mu      sync.Mutex
	targets []measure.Target // guarded by mu
}

func (a *admin) EnrolKiosk(ctx context.Context, id, unit string) (syncapi.Credential, error) {
	k, cred, err := enrolment.Enrol(id, unit, time.Now())
	if err != nil {
		return cred, err
	}
	if err := a.m.db.AddKiosk(ctx, k); err != nil {
		return syncapi.Credential{}, err
	}
	a.kiosks.Invalidate()
	return cred, nil
}

func (a *admin) RevokeKiosk(ctx context.Context, id string) error {
	if err := a.m.db.RevokeKiosk(ctx, id); err != nil {
		return err
	}
	a.kiosks.Invalidate()
	return nil
}

// RotateKiosk gives a kiosk a new secret. The QR signing key derives from
// the secret, so the stored public key changes with it: links the kiosk
// signed before the rotation no longer verify.
func (a *admin) RotateKiosk(ctx context.Context, id string) (syncapi.Credential, error) {
	cred, err := syncapi.NewCredential(id)
	if err != nil {
		return cred, err
	}
	key, err := qrtoken.KeyFromSecret(cred.Secret)
	if err != nil {
		return syncapi.Credential{}, err
	}
	if err := a.m.db.RotateKiosk(ctx, id, cred.SecretHash(), key.Public().(ed25519.PublicKey)); err != nil {
		return syncapi.Credential{}, err
	}
	a.kiosks.Invalidate()
	return cred, nil
}

func (a *admin) Clients(ctx context.Context) ([]hailong.Enrolment, error) { return a.m.db.Clients(ctx) }

func (a *admin) EnrolClient(ctx context.Context, id, unit string) (syncapi.Credential, error) {
	k, cred, err := enrolment.Enrol(id, unit, time.Now())
	if err != nil {
		return cred, err
	}
	if err := a.m.db.AddClient(ctx, k); err != nil {
		return syncapi.Credential{}, err
	}
	a.clients.Invalidate()
	return cred, nil
}

func (a *admin) RevokeClient(ctx context.Context, id string) error {
	if err := a.m.db.RevokeClient(ctx, id); err != nil {
		return err
	}
	a.clients.Invalidate()
	return nil
}

// ImportUnits reads a unit file (all or nothing: every bad line is
// reported and nothing changes), stores it and swaps the tree in. The
// access service's scope cache is keyed to the tree it was computed on, so
// it starts afresh with the new one.
func (a *admin) ImportUnits(ctx context.Context, r io.Reader) (int, error) {
	t, err := hierarchy.ReadCSV(r)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.m.db.ReplaceUnits(ctx, t); err != nil {
		return 0, err
	}
	a.m.units.Store(t)
	return len(t.Records()), nil
}

// ImportProcedures reads a procedure catalogue (all or nothing), stores it
// and swaps it in: the catalogue, and the procedure-to-field maps of the
// ratings' and the outcomes' rollups.
func (a *admin) ImportProcedures(ctx context.Context, r io.Reader) (int, error) {
	c, err := procedure.ReadCSV(r)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.m.db.ReplaceProcedures(ctx, c); err != nil {
		return 0, err
	}
	a.m.procedures.Store(c)
	fields := c.Fields()
	a.m.ingester.SetFields(fields)
	a.m.book.SetFields(fields)
	return len(c.All()), nil
}

func (a *admin) Targets() []measure.Target {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.targets
}

// SetTargets stores the targets, which then replace the configured file's
// until changed again, across restarts.
func (a *admin) SetTargets(ctx context.Context, ts []measure.Target) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.m.db.ReplaceTargets(ctx, ts); err != nil {
		return fmt.Errorf("store targets: %w", err)
	}
	a.targets = ts
	return nil
}
