// Package kiosks authenticates kiosk uploads against the enrolled kiosks,
// which it keeps in memory and refreshes, so that an upload costs no
// database read (on FerretDB every read scans).
package kiosks

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// Store lists enrolled kiosks.
type Store interface {
	Kiosks(ctx context.Context) ([]hailong.Kiosk, error)
}

// Registry is the in-memory view of enrolled kiosks. A revocation takes
// effect within MaxAge (at once when made through Invalidate's caller); an enrolment at once, as unknown ids force a reload
// (at most once per MinReload).
type Registry struct {
	Store     Store
	MaxAge    time.Duration
	MinReload time.Duration
	Now       func() time.Time

	mu     sync.Mutex
	byID   map[string]hailong.Kiosk
	loaded time.Time
}

// Enrol makes the record of a kiosk enrolled for unit with a fresh
// credential: the aggregator keeps the secret's hash, to check uploads, and
// the public key derived from it, to check the kiosk's QR links.
func Enrol(id, unit string, now time.Time) (hailong.Kiosk, syncapi.Credential, error) {
	cred, err := syncapi.NewCredential(id)
	if err != nil {
		return hailong.Kiosk{}, cred, err
	}
	key, err := qrtoken.KeyFromSecret(cred.Secret)
	if err != nil {
		return hailong.Kiosk{}, cred, err
	}
	return hailong.Kiosk{ID: id, Unit: unit, SecretHash: cred.SecretHash(), PublicKey: key.Public().(ed25519.PublicKey), Created: now}, cred, nil
}

// NewRegistry returns a registry with the usual intervals.
func NewRegistry(s Store) *Registry {
	return &Registry{Store: s, MaxAge: time.Minute, MinReload: 2 * time.Second, Now: time.Now}
}

// Authenticate checks an Authorization header and returns the kiosk.
func (r *Registry) Authenticate(ctx context.Context, authorization string) (hailong.Kiosk, error) {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return hailong.Kiosk{}, hailong.Errorf(hailong.EUNAUTHORIZED, "Uploads need an Authorization: Bearer <kiosk credential> header.")
	}
	cred, err := syncapi.ParseCredential(token)
	if err != nil {
		return hailong.Kiosk{}, err
	}
	k, found, err := r.lookup(ctx, cred.Kiosk)
	if err != nil {
		return hailong.Kiosk{}, err
	}
	if !found || subtle.ConstantTimeCompare(k.SecretHash, cred.SecretHash()) != 1 {
		return hailong.Kiosk{}, hailong.Errorf(hailong.EUNAUTHORIZED, "The kiosk credential is not valid.")
	}
	if k.Revoked {
		return hailong.Kiosk{}, hailong.Errorf(hailong.EFORBIDDEN, "Kiosk %s has been revoked.", k.ID)
	}
	return k, nil
}

// Lookup returns an enrolled kiosk by id.
func (r *Registry) Lookup(ctx context.Context, id string) (hailong.Kiosk, bool, error) {
	return r.lookup(ctx, id)
}

// List returns every enrolled kiosk, revoked ones included, by id.
func (r *Registry) List(ctx context.Context) ([]hailong.Kiosk, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil || r.Now().Sub(r.loaded) > r.MaxAge {
		if err := r.reload(ctx); err != nil {
			return nil, err
		}
	}
	return slices.SortedFunc(maps.Values(r.byID), func(a, b hailong.Kiosk) int { return strings.Compare(a.ID, b.ID) }), nil
}

// Invalidate drops the cached kiosks, so that the next check reads them
// again: called after a revocation or a rotation made while running, which
// must take effect at once rather than within MaxAge.
func (r *Registry) Invalidate() {
	r.mu.Lock()
	r.byID = nil
	r.mu.Unlock()
}

func (r *Registry) lookup(ctx context.Context, id string) (hailong.Kiosk, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.byID[id]
	age := r.Now().Sub(r.loaded)
	if r.byID == nil || age > r.MaxAge || (!ok && age > r.MinReload) {
		if err := r.reload(ctx); err != nil {
			return hailong.Kiosk{}, false, err
		}
		k, ok = r.byID[id]
	}
	return k, ok, nil
}

// reload reads the enrolled kiosks; r.mu is held.
func (r *Registry) reload(ctx context.Context) error {
	now := r.Now()
	list, err := r.Store.Kiosks(ctx)
	if err != nil {
		return &hailong.Error{Code: hailong.EUNAVAILABLE, Message: "Enrolled kiosks cannot be checked now; try again later.", Err: err}
	}
	r.byID = make(map[string]hailong.Kiosk, len(list))
	for _, k := range list {
		r.byID[k.ID] = k
	}
	r.loaded = now
	return nil
}
