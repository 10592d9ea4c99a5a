// Package enrolment authenticates the calls of enrolled programs (kiosk
// nodes uploading ratings, one-stop clients reporting outcomes) against
// their hailong.Enrolment records, which it keeps in memory and refreshes,
// so that a call costs no database read (on FerretDB every read scans).
package enrolment

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

// Store lists the enrolments one registry checks: the kiosks' or the
// one-stop clients'.
type Store interface {
	Kiosks(ctx context.Context) ([]hailong.Enrolment, error)
}

// Registry is the in-memory view of one kind of enrolment. A revocation
// takes effect within MaxAge (at once when made through Invalidate's
// caller); an enrolment at once, as unknown ids force a reload (at most
// once per MinReload).
type Registry struct {
	Store Store
	// Kind names what it enrols in its refusals: "kiosk" when empty, or
	// "one-stop client".
	Kind      string
	MaxAge    time.Duration
	MinReload time.Duration
	Now       func() time.Time

	mu     sync.Mutex
	byID   map[string]hailong.Enrolment
	loaded time.Time
}

// Enrol makes the record of a kiosk enrolled for unit with a fresh
// credential: the aggregator keeps the secret's hash, to check uploads, and
// the public key derived from it, to check the kiosk's QR links.
func Enrol(id, unit string, now time.Time) (hailong.Enrolment, syncapi.Credential, error) {
	cred, err := syncapi.NewCredential(id)
	if err != nil {
		return hailong.Enrolment{}, cred, err
	}
	key, err := qrtoken.KeyFromSecret(cred.Secret)
	if err != nil {
		return hailong.Enrolment{}, cred, err
	}
	return hailong.Enrolment{ID: id, Unit: unit, SecretHash: cred.SecretHash(), PublicKey: key.Public().(ed25519.PublicKey), Created: now}, cred, nil
}

// NewRegistry returns a registry with the usual intervals.
func NewRegistry(s Store) *Registry {
	return &Registry{Store: s, MaxAge: time.Minute, MinReload: 2 * time.Second, Now: time.Now}
}

// Authenticate checks an Authorization header and returns the kiosk.
func (r *Registry) Authenticate(ctx context.Context, authorization string) (hailong.Enrolment, error) {
	kind := r.Kind
	if kind == "" {
		kind = "kiosk"
	}
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return hailong.Enrolment{}, hailong.Errorf(hailong.EUNAUTHORIZED, "This needs an Authorization: Bearer <%s credential> header.", kind)
	}
	cred, err := syncapi.ParseCredential(token)
	if err != nil {
		return hailong.Enrolment{}, hailong.Errorf(hailong.EUNAUTHORIZED, "The %s credential is malformed: it is <id>.<secret>, as enrolment printed it.", kind)
	}
	k, found, err := r.lookup(ctx, cred.Kiosk)
	if err != nil {
		return hailong.Enrolment{}, err
	}
	if !found || subtle.ConstantTimeCompare(k.SecretHash, cred.SecretHash()) != 1 {
		return hailong.Enrolment{}, hailong.Errorf(hailong.EUNAUTHORIZED, "The %s credential is not valid.", kind)
	}
	if k.Revoked {
		return hailong.Enrolment{}, hailong.Errorf(hailong.EFORBIDDEN, "The %s %s has been revoked.", kind, k.ID)
	}
	return k, nil
}

// Lookup returns an enrolled kiosk by id.
func (r *Registry) Lookup(ctx context.Context, id string) (hailong.Enrolment, bool, error) {
	return r.lookup(ctx, id)
}

// List returns every enrolled kiosk, revoked ones included, by id.
func (r *Registry) List(ctx context.Context) ([]hailong.Enrolment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil || r.Now().Sub(r.loaded) > r.MaxAge {
		if err := r.reload(ctx); err != nil {
			return nil, err
		}
	}
	return slices.SortedFunc(maps.Values(r.byID), func(a, b hailong.Enrolment) int { return strings.Compare(a.ID, b.ID) }), nil
}

// Invalidate drops the cached kiosks, so that the next check reads them
// again: called after a revocation or a rotation made while running, which
// must take effect at once rather than within MaxAge.
func (r *Registry) Invalidate() {
	r.mu.Lock()
	r.byID = nil
	r.mu.Unlock()
}

func (r *Registry) lookup(ctx context.Context, id string) (hailong.Enrolment, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.byID[id]
	age := r.Now().Sub(r.loaded)
	if r.byID == nil || age > r.MaxAge || (!ok && age > r.MinReload) {
		if err := r.reload(ctx); err != nil {
			return hailong.Enrolment{}, false, err
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
	r.byID = make(map[string]hailong.Enrolment, len(list))
	for _, k := range list {
		r.byID[k.ID] = k
	}
	r.loaded = now
	return nil
}
