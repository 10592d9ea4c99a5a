package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/lease"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/web"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/syncapi"
)

// Ownership: several aggregator processes may run on one database, each
// owning a scope (the provinces of Config.Provinces, or everything) through
// a lease (package lease, docs/SCALE.md). The owner serves; a standby
// waits for the lease, answering 503 meanwhile, then starts as the owner
// would after a crash and serves.

// LeaseScope is the scope of the lease a process with the given provinces
// takes: "all", or "provinces:" and the sorted codes.
func LeaseScope(provinces []string) string {
	if len(provinces) == 0 {
		return "all"
	}
	p := slices.Clone(provinces)
	slices.Sort(p)
	return "provinces:" + strings.Join(slices.Compact(p), ",")
}

// takeLease waits until this process holds the lease of its scope,
// answering as a standby on the listen address meanwhile (not on a given
// Config.Listener, which only the real server serves), and keeps it
// renewed from then on. Run calls it before anything is loaded or
// written.
func (m *Main) takeLease(ctx context.Context) error {
	cfg := m.Config
	scope := LeaseScope(cfg.Provinces)
	var standby *fiberapp.Serving
	if cfg.Listener == nil {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		// Later listens take the address chosen here (for :0).
		m.Config.Listen = ln.Addr().String()
		standby = fiberapp.Serve(standbyApp(m, cfg.LeaseTTL), ln, fiberapp.ServeConfig{Logger: m.Logger, MaxConnsPerIP: -1})
	}
	m.Logger.Info("waiting for the lease", "scope", scope, "ttl", cfg.LeaseTTL)
	held, err := lease.Acquire(ctx, lease.Config{Store: m.db, Scope: scope, TTL: cfg.LeaseTTL, Skew: cfg.LeaseSkew,
		Logger: m.Logger.With("component", "lease")})
	if standby != nil {
		// The listener is closed with it: Run listens again on the same
		// address for the real server; kiosks retry in between.
		if serr := standby.Shutdown(5 * time.Second); serr != nil && err == nil {
			m.Logger.Warn("stop the standby server", "err", serr)
		}
	}
	if err != nil {
		return err
	}
	if err := m.onlyScope(ctx, scope); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return errors.Join(err, held.Release(rctx))
	}
	m.lease = held
	keepCtx, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	m.stopLease = stopKeeping
	m.leaseKept = make(chan struct{})
	go func() {
		defer close(m.leaseKept)
		held.Keep(keepCtx)
	}()
	return nil
}

// onlyScope refuses to serve beside a live owner of another scope on the
// same database: the rollups, alerts and the rest are per database, so two
// owners of different provinces there would both write them. Provinces
// owned apart each have their database (-database).
func (m *Main) onlyScope(ctx context.Context, scope string) error {
	all, err := m.db.Leases(ctx)
	if err != nil {
		return err
	}
	alive := time.Now().Add(-m.Config.LeaseSkew)
	for _, l := range all {
		if l.Scope != scope && l.Expires.After(alive) {
			return fmt.Errorf("another aggregator owns %s in database %q (lease held by %s): "+
				"processes owning different provinces need a database each (-database)", l.Scope, m.Config.Database, l.Holder)
		}
	}
	return nil
}

// LeaseLost is closed when this process loses the lease it held (nil, never
// closed, without -lease): it must exit at once, without persisting
// anything, and let the new owner serve.
func (m *Main) LeaseLost() <-chan struct{} {
	if m.lease == nil {
		return nil
	}
	return m.lease.Lost()
}

// LeaseErr tells why the lease was lost.
func (m *Main) LeaseErr() error {
	if m.lease == nil {
		return nil
	}
	return m.lease.Err()
}

// releaseLease gives the lease up at the end of a clean stop, after the
// rollups are persisted, so that a standby takes over at once.
func (m *Main) releaseLease() error {
	if m.lease == nil {
		return nil
	}
	m.stopLease()
	<-m.leaseKept
	if m.lease.Err() != nil {
		return nil // lost already: nothing of ours to release
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return m.lease.Release(ctx)
}

// standbyApp answers while the process waits for the lease: /healthz says
// "standby" (the process is up: a supervisor must not restart it), /readyz
// and everything else 503 with Retry-After, so that a load balancer sends
// nothing here and a kiosk keeps its ratings queued and retries.
func standbyApp(m *Main, ttl time.Duration) *fiber.App {
	app := fiberapp.New(fiberapp.Config{Name: "hailong-aggregator-standby", Logger: m.Logger})
	retry := strconv.Itoa(max(1, int((ttl / 3).Seconds())))
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("standby\n") })
	app.Use(func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderRetryAfter, retry)
		return hailong.Errorf(hailong.EUNAVAILABLE, "This aggregator is a standby: another process owns these provinces. Send again later.")
	})
	return app
}

// leasedIngester writes only while the lease is held: each upload's
// writes are bounded by the lease's validity (lease.Held.Context), so none
// is sent after a standby may have taken over.
type leasedIngester struct {
	web.Ingester
	held *lease.Held
}

// errNotOwner answers writes once the lease is lost, while the process
// exits.
var errNotOwner = hailong.Errorf(hailong.EUNAVAILABLE, "This aggregator no longer owns these provinces; send again later.")

// Ingest stores the upload within the lease.
func (l leasedIngester) Ingest(ctx context.Context, k hailong.Enrolment, offset time.Duration, rs []hailong.Rating) ([]syncapi.Result, error) {
	ctx, cancel, err := l.held.Context(ctx)
	if err != nil {
		return nil, errors.Join(errNotOwner, err)
	}
	defer cancel()
	return l.Ingester.Ingest(ctx, k, offset, rs)
}

// IngestQR stores a phone's rating within the lease.
func (l leasedIngester) IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error) {
	ctx, cancel, err := l.held.Context(ctx)
	if err != nil {
		return syncapi.Result{}, errors.Join(errNotOwner, err)
	}
	defer cancel()
	return l.Ingester.IngestQR(ctx, r)
}

// leasedBook takes dossier outcome reports only while the lease is held,
// as leasedIngester takes ratings: a report answered after a standby may
// have taken over would land in a log the new owner has already read, and
// its next clean stop would save a book without it.
type leasedBook struct {
	web.OutcomeBook
	held *lease.Held
}

// Report stores the reports within the lease.
func (l leasedBook) Report(ctx context.Context, reports []hailong.Outcome, allowed func(unit string) bool) ([]outcomes.Result, error) {
	ctx, cancel, err := l.held.Context(ctx)
	if err != nil {
		return nil, errors.Join(errNotOwner, err)
	}
	defer cancel()
	return l.OutcomeBook.Report(ctx, reports, allowed)
}

// provinceIngester refuses ratings of units outside the provinces this
// process owns: another process owns them, and counting them here would
// split a unit's figures between two rollups.
type provinceIngester struct {
	web.Ingester
	provinces []string
	units     func() *hierarchy.Tree
}

// Ingest refuses the whole upload of a kiosk enrolled outside the
// provinces (403, the ratings stay queued on the kiosk).
func (p provinceIngester) Ingest(ctx context.Context, k hailong.Enrolment, offset time.Duration, rs []hailong.Rating) ([]syncapi.Result, error) {
	if err := p.owns(k.Unit); err != nil {
		return nil, err
	}
	return p.Ingester.Ingest(ctx, k, offset, rs)
}

// IngestQR refuses a phone's rating of a unit outside the provinces.
func (p provinceIngester) IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error) {
	if err := p.owns(r.Unit); err != nil {
		return syncapi.Result{}, err
	}
	return p.Ingester.IngestQR(ctx, r)
}

// owns checks that unit is in one of the provinces, through the structure
// in force today (a unit merged away counts in its successor's province).
func (p provinceIngester) owns(unit string) error {
	province := ProvinceOf(p.units(), unit, hailong.DateOf(time.Now()))
	if province == "" {
		return hailong.Errorf(hailong.EFORBIDDEN, "Unit %s is in no province in force; this aggregator owns provinces %s.", unit, strings.Join(p.provinces, ", "))
	}
	if !slices.Contains(p.provinces, province) {
		return hailong.Errorf(hailong.EFORBIDDEN, "Unit %s is in province %s, which this aggregator does not own (it owns %s): send its ratings to the aggregator of province %s.",
			unit, province, strings.Join(p.provinces, ", "), province)
	}
	return nil
}

// ProvinceOf returns the code of the province unit rolls up into on d, or
// "" if it rolls up into none (hierarchy.Tree.ProvinceOf).
func ProvinceOf(t *hierarchy.Tree, unit string, d hailong.Date) string { return t.ProvinceOf(unit, d) }

// checkProvinces warns of configured provinces that are not provinces in
// force today: a typo would refuse every upload.
func (m *Main) checkProvinces() {
	t, today := m.units.Load(), hailong.DateOf(time.Now())
	for _, p := range m.Config.Provinces {
		if u, ok := t.At(p, today); !ok || u.Kind != hierarchy.Province {
			m.Logger.Warn("-provinces names a code that is no province in force today: uploads of its units will be refused", "code", p)
		}
	}
}
