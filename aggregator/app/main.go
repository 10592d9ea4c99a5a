// Package app wires the aggregator together: the database (MongoDB, or the
// embedded FerretDB when no URI is given), the ingest job and its rollups,
// kiosk authentication and the HTTP server. main only parses flags; tests
// start the real aggregator on :0 with a temporary data directory.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/alerts"
	"hailong/aggregator/bolt"
	"hailong/aggregator/enrolment"
	"hailong/aggregator/ferret"
	"hailong/aggregator/fleet"
	"hailong/aggregator/ingest"
	"hailong/aggregator/lease"
	"hailong/aggregator/mail"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/national"
	"hailong/aggregator/notify"
	"hailong/aggregator/oidc"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/report"
	"hailong/aggregator/schedule"
	"hailong/aggregator/subscribe"
	"hailong/aggregator/web"
	"hailong/aggregator/webhooks"
	"hailong/assets"
	"hailong/debugserver"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/procedure"
)

// Config is the configuration of the aggregator.
type Config struct {
	Listen   string // host:port; :0 picks a free port
	DataDir  string // embedded database files live under it
	MongoURI string // a MongoDB replica set; empty runs the embedded database
	Database string
	DemoData bool // import the demo units and procedures when none are stored
	// TargetsFile replaces the built-in targets (assets/targets.json) until
	// targets are set through the administration (PUT /api/v1/targets),
	// which are stored and win from then on.
	TargetsFile string
	// PortalScoringFile codes and scores the metrics of the Decision 766
	// export (GET /api/v1/exports/dvcqg): a JSON list of {"measure",
	// "code", "name", "maxScore"}; empty uses report.DefaultPortalScoring.
	PortalScoringFile string
	AssetsDir         string
	MinSample         int64
	Remember          int // recent rating digests kept in memory
	// CheckpointEvery and CheckpointRatings say when the rollups'
	// changed months are persisted (ingest.Config); 0 takes the defaults.
	CheckpointEvery   time.Duration
	CheckpointRatings int
	// ResidentMonths and RollupBudget say which months of the rollups
	// are in memory, CommentsBudget how many comments (ingest.Config).
	ResidentMonths int
	RollupBudget   int64
	CommentsBudget int
	// OutcomesBudget bounds the dossiers whose latest reports the outcome
	// book holds in memory once saved by month
	// (outcomes.Book.SetEntryBudget); 0: no bound. BookSaveCheck is how
	// often the book is checked for a save due to keep within it
	// (outcomes.Book.SaveDue); 0: a minute.
	OutcomesBudget int
	BookSaveCheck  time.Duration
	// RatingsIndex is the file of the durable index of stored ratings
	// (package seen); empty is ratings-index.bolt in DataDir.
	RatingsIndex string
	// ClockTolerance is how far a kiosk rating's time may be in the future
	// or before the kiosk's enrolment; 0 is 5 minutes.
	ClockTolerance time.Duration
	// PhoneQuestionnaire is asked on the QR phone page.
	PhoneQuestionnaire string
	// RateLimit bounds requests to /r/ per client address and minute.
	RateLimit int
	// ProxyHeader carries the client address when set, trusted only from
	// TrustedProxies (e.g. X-Forwarded-For from the TLS proxy).
	ProxyHeader    string
	TrustedProxies []string
	SecureCookies  bool // served over HTTPS
	WalkInMax      int  // ratings one walk-in code may give
	// DebugListen serves Go's profiler and the Prometheus metrics on their
	// own address when set: for an operator on the machine, never for the
	// public listener.
	DebugListen string
	// OIDC configures single sign-on with the province's identity
	// provider; off when its Issuer is empty.
	OIDC oidc.Config
	// AlertHours are the opening hours silence alert rules count; nil is
	// alerts.DefaultHours (Monday to Friday, 7:30–11:30 and 13:30–17:00,
	// Vietnam time).
	AlertHours alerts.Hours
	// Listener, when set, is served instead of listening on Listen: for
	// tests that must know the address (the OIDC redirect URL) first.
	Listener net.Listener
	// Mail reaches the SMTP server that sends alert emails and scheduled
	// reports; email is off when its Addr is empty.
	Mail mail.Config
	// PublicURL is the workspace's address as its users reach it, for
	// the links in emails; empty leaves them out.
	PublicURL string
	// Now is the clock of the scheduled reports; nil is time.Now (tests
	// set it).
	Now func() time.Time
	// WebhookAllowPrivate lets webhook receivers sit on private and
	// loopback addresses (the province's LAN, where they usually are);
	// false refuses such URLs and connections (docs/WEBHOOKS.md).
	WebhookAllowPrivate bool
	// WebhookRetries is the wait before each retry of a failed webhook
	// delivery; nil is webhooks.DefaultSchedule.
	WebhookRetries []time.Duration
	// WebhookQueueAfter is how long a batch of rating.stored events alone
	// is sent from memory before it is written to the webhook queue if
	// it still owes a delivery (webhooks.Config.QueueAfter): 0 is 1 s,
	// negative writes every batch at once.
	WebhookQueueAfter time.Duration
	// BookAfter, if set, holds back the read of the outcome book, once
	// serving, until it is closed, so that a test can stop a process
	// whose book is still to be read; nil reads it at once.
	BookAfter <-chan struct{}
	// Lease makes this process one of several on one database: it serves
	// only while it holds the lease of its scope (Provinces), and waits
	// as a standby until then (docs/SCALE.md). Off, one aggregator owns
	// the database, as before.
	Lease bool
	// LeaseTTL is how long a lease lasts unless renewed (every third of
	// it): a standby takes over this long after the owner died, plus
	// LeaseSkew. 0 is lease.DefaultTTL.
	LeaseTTL time.Duration
	// LeaseSkew is how far the clocks of the processes may differ.
	// 0 is lease.DefaultSkew.
	LeaseSkew time.Duration
	// Provinces are the codes of the provinces this process owns: uploads
	// of kiosks enrolled elsewhere are refused (403), and the lease's
	// scope is named after them. Empty owns every province.
	Provinces []string
	// NationalSources make this aggregator the national view: it pulls
	// the rollup cells of these provincial aggregators (package national)
	// and serves their measures, taking no uploads. Empty: a provincial
	// (or single) aggregator, as before.
	NationalSources []national.Source
	// NationalPullEvery is how often the sources are pulled; 0 is
	// DefaultNationalPullEvery.
	NationalPullEvery time.Duration
}

func (c *Config) defaults() {
	if c.Database == "" {
		c.Database = "hailong"
	}
	if c.MinSample == 0 {
		c.MinSample = measure.DefaultMinSample
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = lease.DefaultTTL
	}
	if c.LeaseSkew <= 0 {
		c.LeaseSkew = lease.DefaultSkew
	}
}

// fleetFlushEvery is how often kiosk health is written behind: a crash
// loses at most this much of it, which kiosks report again.
const fleetFlushEvery = 30 * time.Second

// accessFlushEvery is how often sessions' activity and tokens' last use
// are written behind and expired sessions purged: a crash loses at most
// this much activity, so a session may end this much earlier.
const accessFlushEvery = time.Minute

// Main is a running aggregator.
type Main struct {
	Config Config
	Logger *slog.Logger

	db       *DB
	index    *bolt.Index // nil without a data directory
	ingester *ingest.Ingester
	book     *outcomes.Book
	fleet    *fleet.Board
	alerts   *alerts.Engine
	access   *access.Service
	webhooks *webhooks.Dispatcher
	// events is where the aggregator's events are published: the
	// webhooks and the alert emails; the alert engine publishes through it.
	events     hailong.Publishers
	started    time.Time
	units      atomic.Pointer[hierarchy.Tree]
	procedures atomic.Pointer[procedure.Catalogue]
	server     *web.Server
	ln         net.Listener
	serving    *fiberapp.Serving
	registry   *prometheus.Registry
	debug      *debugserver.Server
	cancel     context.CancelFunc
	wg         sync.WaitGroup

	subs      *subscribe.Service
	outbox    *mail.Outbox
	alertMail *notify.AlertMailer
	// schedule sends the scheduled reports; the alert engine, where it is
	// made, gives it the alerts opened (schedule.SetAlerts) for the
	// summaries' count.
	schedule *schedule.Scheduler

	// lease is held while serving with Config.Lease (ownership.go);
	// stopLease ends its renewals, after which leaseKept is closed.
	lease     *lease.Held
	stopLease context.CancelFunc
	leaseKept chan struct{}

	// national is the national view, with Config.NationalSources only.
	national *national.View
}

// DB is an open database, embedded or not.
type DB struct {
	*mongodb.DB
	embedded *ferret.Embedded
	uri      string
}

// OpenDB opens the configured database: MongoDB at cfg.MongoURI, or the
// embedded FerretDB under cfg.DataDir.
func OpenDB(ctx context.Context, cfg Config, log *slog.Logger) (*DB, error) {
	cfg.defaults()
	uri := cfg.MongoURI
	var emb *ferret.Embedded
	if uri == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("a data directory (-data) or a MongoDB URI (-mongo-uri) is required")
		}
		var err error
		if emb, err = ferret.Start(ctx, filepath.Join(cfg.DataDir, "db"), log); err != nil {
			return nil, err
		}
		uri = emb.URI()
	}
	db, err := mongodb.Open(ctx, uri, cfg.Database)
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, err
	}
	return &DB{DB: db, embedded: emb, uri: uri}, nil
}

// URI returns the MongoDB URI in use, for diagnostics and benchmarks. It may
// hold credentials: never log it.
func (d *DB) URI() string { return d.uri }

// Close closes the database.
func (d *DB) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := d.DB.Close(ctx)
	if d.embedded != nil {
		err = errors.Join(err, d.embedded.Close())
	}
	return err
}

// Catalog loads the questionnaires from the assets.
func Catalog(cfg Config) (*hailong.Catalog, error) {
	return hailong.LoadCatalog(assets.FS(cfg.AssetsDir), assets.QuestionnaireDir)
}

// Run opens the database, loads units and rollups and starts serving. It
// returns once the aggregator is listening.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	m.Config.defaults()
	cfg := m.Config
	if err := cfg.OIDC.Validate(); err != nil {
		return fmt.Errorf("single sign-on: %w", err)
	}
	fiberapp.RaiseOpenFileLimit(m.Logger)
	m.registry = debugserver.NewRegistry()
	catalog, err := Catalog(cfg)
	if err != nil {
		return err
	}
	if m.db, err = OpenDB(ctx, cfg, m.Logger); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if m.webhooks != nil {
				m.webhooks.Close(context.WithoutCancel(ctx))
			}
			if m.stopLease != nil {
				m.stopLease() // not released: a standby takes over after the TTL
			}
			if m.index != nil {
				m.index.Close()
			}
			m.db.Close()
		}
	}()
	if cfg.Lease {
		// Before anything is loaded or written: a standby waits here.
		if err := m.takeLease(ctx); err != nil {
			return err
		}
		cfg = m.Config
		// A lease lost while starting (which may take minutes after a
		// crash) ends the start.
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		go func() {
			select {
			case <-m.lease.Lost():
				cancel(m.lease.Err())
			case <-ctx.Done():
				cancel(nil)
			}
		}()
	}
	if err := m.loadUnits(ctx); err != nil {
		return err
	}
	if err := m.loadProcedures(ctx); err != nil {
		return err
	}
	m.access = access.New(access.Config{Store: m.db, Units: m.units.Load, Logger: m.Logger.With("component", "access")})
	if err := m.access.Load(ctx); err != nil {
		return fmt.Errorf("load users and sessions: %w", err)
	}
	m.subs = subscribe.New(m.db, m.access, nil)
	if err := m.subs.Load(ctx); err != nil {
		return err
	}
	// Before the alert engine and the server: AlertMail is ready to be
	// wired from here on.
	if err := m.startMail(ctx); err != nil {
		return err
	}
	if err := m.startWebhooks(ctx); err != nil {
		return err
	}
	targets, err := m.loadTargets(ctx)
	if err != nil {
		return err
	}
	scoring, err := loadPortalScoring(cfg.PortalScoringFile)
	if err != nil {
		return err
	}
	fields := m.procedures.Load().Fields()
	if m.index, err = OpenRatingsIndex(ctx, cfg, m.db, m.Logger); errors.Is(err, bolt.ErrInUse) {
		// Another aggregator on this machine has the file (a standby
		// beside its owner, sharing a data directory): serving without the
		// index is right, only slower for ratings re-sent long after; a
		// process that took the lease must not die for want of it.
		m.Logger.Error("the rating index is in use by another process: serving without it (re-sent ratings the recent memory forgot are looked up in the database); give each aggregator its own -data or -ratings-index", "err", err)
		m.index, err = nil, nil
	}
	if err != nil {
		return err
	}
	// The resident months and the stored comments are read once serving,
	// after the outcome book (readBookLater): read on the start path they
	// would slow the start, and beside the book, the first measures.
	ready := make(chan struct{})
	ingestCfg := ingest.Config{Store: m.db, Catalog: catalog, Logger: m.Logger.With("component", "ingest"), Remember: cfg.Remember, Fields: fields,
		Tolerance: cfg.ClockTolerance, CheckpointEvery: cfg.CheckpointEvery, CheckpointRatings: cfg.CheckpointRatings,
		ResidentMonths: cfg.ResidentMonths, RollupBudget: cfg.RollupBudget, CommentsBudget: cfg.CommentsBudget, CommentsAfter: ready}
	if m.index != nil {
		ingestCfg.Index = m.index
	}
	if m.lease != nil {
		ingestCfg.Fence = m.lease.Context // no checkpoint once a standby may own the rollups
		m.db.SetOutcomesFence(m.lease.Context)
	}
	m.ingester = ingest.New(ingestCfg)
	if err := m.ingester.Start(ctx); err != nil {
		return fmt.Errorf("load rollups: %w", err)
	}
	// The outcome book holds every dossier ever reported: read on the
	// start path it would make the start grow with history. It is read
	// once serving (readBookLater); until then whatever reads it or
	// reports to it waits, and the dossiers the ingest path flags wait in
	// the book. After Start: a rebuild rewrites the flags the book reads.
	m.book = outcomes.New(m.db)
	m.book.SetFields(fields)
	m.book.SetBudget(cfg.RollupBudget) // its months saved with it, read when used
	m.book.SetEntryBudget(cfg.OutcomesBudget)
	m.ingester.SetOnUnhappy(m.book.MarkUnhappy)
	// The months of its rollup saved with the book answer the measures
	// while it is read, if nothing was stored after the save (else the
	// monthly sums an earlier version saved answer whole months).
	if err := m.book.Prepare(ctx); err != nil {
		m.Logger.Warn("read the outcome book's saved monthly sums; the measures wait for the book", "err", err)
	}
	if m.fleet, err = fleet.Load(ctx, m.db, m.Logger.With("component", "fleet")); err != nil {
		return err
	}
	registry := enrolment.NewRegistry(m.db)
	// The alert engine publishes alert.opened and alert.closed to the
	// webhooks (already in m.events) and to the alert emails.
	m.events = append(m.events, m.AlertMail())
	m.alerts = alerts.New(alerts.Config{Store: m.db, Catalog: catalog, Rollup: m.ingester.Rollup, Units: m.units.Load,
		Fleet: m.fleet.Reports, Kiosks: registry.List, Publisher: m.events, Hours: cfg.AlertHours,
		Logger: m.Logger.With("component", "alerts")})
	if err := m.alerts.Load(ctx); err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	if m.schedule != nil {
		m.schedule.SetAlerts(func(ctx context.Context, from, to time.Time) ([]hailong.Alert, error) {
			return m.alerts.Alerts(ctx, alerts.Filter{From: from, To: to})
		})
	}
	m.ingester.SetOnStored(m.onStored)
	walkIns, err := m.db.WalkIns(ctx, time.Now())
	if err != nil {
		return err
	}
	pub, err := loadPublication(ctx, m.db.DB)
	if err != nil {
		return err
	}
	var sso web.SingleSignOn // a nil *oidc.Client would not be a nil interface
	if cfg.OIDC.Enabled() {
		c := cfg.OIDC
		c.Logger = m.Logger.With("component", "oidc")
		client, err := oidc.New(c)
		if err != nil {
			return fmt.Errorf("single sign-on: %w", err)
		}
		sso = client
	}
	clients := enrolment.NewRegistry(clientStore{m.db})
	clients.Kind = "one-stop client"
	adm := &admin{m: m, kiosks: registry, clients: clients, targets: targets}
	ingester := m.countIngests(m.ingester)
	if m.lease != nil {
		ingester = leasedIngester{Ingester: ingester, held: m.lease}
	}
	if len(cfg.Provinces) > 0 {
		m.checkProvinces()
		ingester = provinceIngester{Ingester: ingester, provinces: cfg.Provinces, units: m.units.Load}
	}
	var book web.OutcomeBook = m.book
	if m.lease != nil {
		book = leasedBook{OutcomeBook: book, held: m.lease}
	}
	var nationalSources web.NationalSources // a nil *national.View would not be a nil interface
	if len(cfg.NationalSources) > 0 {
		if err := m.startNational(ctx); err != nil {
			return err
		}
		ingester = nationalIngester{Ingester: ingester, view: m.national}
		book, nationalSources = nationalBook{m.national}, m.national
	}
	m.server, err = web.New(&web.Server{
		Ingester: ingester, Kiosks: registry, KioskDirectory: registry, DB: m.db, Catalog: catalog, National: nationalSources,
		Outcomes: book, Clients: clients, Procedures: m.procedures.Load, Targets: targets, Admin: adm, PortalScoring: scoring,
		Units: m.units.Load, Assets: assets.FS(cfg.AssetsDir), Logger: m.Logger, MinSample: cfg.MinSample,
		PhoneQuestionnaire: cfg.PhoneQuestionnaire, RateLimit: cfg.RateLimit,
		ProxyHeader: cfg.ProxyHeader, TrustedProxies: cfg.TrustedProxies, SecureCookies: cfg.SecureCookies,
		WalkInMax: cfg.WalkInMax, WalkIns: walkIns, Fleet: m.fleet, Enrolled: registry, Comments: m.ingester.Comments,
		Access: m.access, SSO: sso, Publication: pub, Subscriptions: m.subs, MailEnabled: cfg.Mail.Enabled(),
		Alerts: m.alerts, Webhooks: m.webhooks,
	})
	if err != nil {
		return err
	}
	metrics := m.metrics()
	if m.ln = cfg.Listener; m.ln == nil {
		if m.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	if cfg.DebugListen != "" {
		if m.debug, err = debugserver.Listen(cfg.DebugListen, m.registry, m.Logger); err != nil {
			m.ln.Close()
			return err
		}
	}
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	m.wg.Go(func() { m.fleet.Run(ctx, fleetFlushEvery) })
	if m.outbox != nil {
		m.wg.Go(func() { m.outbox.Run(ctx) })
		m.wg.Go(func() { m.alertMail.Run(ctx) })
		m.wg.Go(func() {
			// The reports read the outcome book: a report begun before it
			// is open would wait for it past Close.
			select {
			case <-m.book.Opened():
				m.schedule.Run(ctx)
			case <-ctx.Done():
			}
		})
	}
	m.alerts.Start(ctx)
	if m.national != nil {
		m.wg.Go(func() { m.runNational(ctx) })
	}
	m.wg.Go(func() { m.access.Run(ctx, accessFlushEvery) })
	if err := m.markRunning(ctx); err != nil {
		m.Logger.Warn("record the aggregator's presence", "err", err)
	}
	m.wg.Go(func() { m.keepPresence(ctx) })
	m.wg.Add(1)
	go m.purgeWalkIns(ctx, walkIns)
	m.serving = fiberapp.Serve(m.server.App(), m.ln, fiberapp.ServeConfig{Logger: m.Logger, Metrics: metrics})
	// The book first, alone: every measure waits for it. The ingester's
	// background work (the resident months, the comments) starts once it
	// is read, or once its first read failed.
	m.wg.Go(func() { m.readBookLater(ctx, func() { close(ready) }) })
	return nil
}

// bookRetry is how long a failed read of the outcome book waits before the
// next.
const bookRetry = 10 * time.Second

// readBookLater reads the outcome book once serving, trying again until it
// succeeds or ctx ends (Close); tried is called once, after the first try.
func (m *Main) readBookLater(ctx context.Context, tried func()) {
	tried = sync.OnceFunc(tried)
	defer func() {
		if ctx.Err() == nil { // not at Close: nothing more is to start
			tried()
		}
	}()
	if m.Config.BookAfter != nil {
		select {
		case <-m.Config.BookAfter:
		case <-ctx.Done():
			return
		}
	}
	for {
		t0 := time.Now()
		err := m.book.Read(ctx)
		read := time.Since(t0)
		if err == nil {
			t1 := time.Now()
			if err = m.book.Open(ctx); err == nil {
				m.Logger.Info("dossier outcomes loaded", "dossiers", m.book.Dossiers(), "read", read.Round(time.Millisecond),
					"flags read and dossiers counted", time.Since(t1).Round(time.Millisecond))
				m.wg.Go(func() {
					m.compactBook(ctx)
					m.saveBookWhenDue(ctx)
				})
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		tried()
		m.Logger.Error("read the outcome book; what reads it waits; trying again", "err", err, "in", bookRetry)
		select {
		case <-time.After(bookRetry):
		case <-ctx.Done():
			return
		}
		// Still the book's? Something may have been stored meanwhile.
		if err := m.book.Prepare(ctx); err != nil {
			m.Logger.Warn("read the outcome book's saved monthly sums", "err", err)
		}
	}
}

// saveBookWhenDue saves the outcome book whenever the months changed since
// its last save hold it past its budget (late reports and flags of old
// months, which cannot be dropped until saved), until ctx ends; Close then
// saves what is left.
func (m *Main) saveBookWhenDue(ctx context.Context) {
	period := m.Config.BookSaveCheck
	if period <= 0 {
		period = time.Minute
	}
	every(ctx, period, func(time.Time) {
		if !m.book.SaveDue() {
			return
		}
		t0 := time.Now()
		if err := m.book.Save(ctx); err != nil {
			if ctx.Err() == nil {
				m.Logger.Warn("save the outcome book to keep it within its budget; tried again later", "err", err)
			}
			return
		}
		m.Logger.Info("outcome book saved to keep it within its budget", "dossiers held", m.book.Resident(), "took", time.Since(t0).Round(time.Millisecond))
	})
}

// every calls do each period, with the tick's time, until ctx ends.
func every(ctx context.Context, period time.Duration, do func(now time.Time)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			do(now)
		}
	}
}

// compactBook saves the outcome book whole if it is due, so that the
// clean stops after write only what changed (outcomes.Book.Compact); Close
// cancels it, and its stop saves the changes as ever.
func (m *Main) compactBook(ctx context.Context) {
	t0 := time.Now()
	switch saved, err := m.book.Compact(ctx); {
	case ctx.Err() != nil:
	case err != nil:
		m.Logger.Warn("save the outcome book whole; the next start tries again", "err", err)
	case saved:
		m.Logger.Info("outcome book saved whole", "dossiers", m.book.Dossiers(), "took", time.Since(t0).Round(time.Millisecond))
	}
}

// startMail makes the mail outbox, the alert emails and the scheduled
// reports when an SMTP server is configured; Run starts them.
func (m *Main) startMail(ctx context.Context) error {
	cfg := m.Config
	if !cfg.Mail.Enabled() {
		m.Logger.Info("email is off: no SMTP server configured (-smtp-addr)")
		return nil
	}
	sender, err := mail.NewSMTP(cfg.Mail)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	log := m.Logger.With("component", "mail")
	m.outbox = mail.NewOutbox(m.db, sender, log)
	if err := m.outbox.Load(ctx); err != nil {
		return fmt.Errorf("load the mail outbox: %w", err)
	}
	m.alertMail = notify.NewAlertMailer(notify.Config{Subscriptions: m.subs, Recipients: m.access, Outbox: m.outbox,
		Units: m.units.Load, BaseURL: cfg.PublicURL, Logger: log})
	m.schedule = schedule.New(schedule.Config{Subscriptions: m.subs, Recipients: m.access, Outbox: m.outbox,
		Reporter: func() *report.Reporter { return m.server.Reporter() }, BaseURL: cfg.PublicURL, Logger: log, Now: cfg.Now})
	return nil
}

// AlertMail is the publisher that emails alert.opened and alert.closed
// events to the users subscribed to the alerts of the unit: connect it to
// the alert engine (with the other publishers, hailong.Publishers). It is
// ready once the subscriptions are loaded in Run, before the server is
// made; it publishes nothing while email is off, and returns at once.
func (m *Main) AlertMail() hailong.EventPublisher {
	if m.alertMail == nil {
		return hailong.Publishers{}
	}
	return m.alertMail
}

// Subscriptions returns users' subscriptions to alerts and reports.
func (m *Main) Subscriptions() *subscribe.Service { return m.subs }

// startWebhooks loads the webhook subscriptions and queue and starts
// delivering. A subscription's scope is checked as a user's is.
func (m *Main) startWebhooks(ctx context.Context) error {
	m.webhooks = webhooks.New(webhooks.Config{Store: m.db, AllowPrivate: m.Config.WebhookAllowPrivate,
		Schedule: m.Config.WebhookRetries, QueueAfter: m.Config.WebhookQueueAfter, Logger: m.Logger.With("component", "webhooks"),
		Covers: func(scope, unit string) bool {
			return m.access.InScope(&hailong.Principal{Scope: scope}, unit, hailong.DateOf(time.Now()))
		}})
	if err := m.webhooks.Start(ctx); err != nil {
		return err
	}
	m.events = append(m.events, m.webhooks)
	return nil
}

// onStored is told of newly stored ratings (never duplicates), on the
// write path: each call here must return at once.
func (m *Main) onStored(stored []ingest.Stored) {
	m.alerts.Observe(stored)
	if m.webhooks.Wants(hailong.EventRatingStored) { // building events nobody takes costs ingest
		m.webhooks.PublishRatings(stored) // encoded by the dispatcher's loop, off the write path
	}
}

// Events returns the publisher of the aggregator's events (alerts are
// published through it).
func (m *Main) Events() hailong.EventPublisher { return m.events }

// Webhooks returns the webhook dispatcher.
func (m *Main) Webhooks() *webhooks.Dispatcher { return m.webhooks }

// markRunning records that this aggregator runs on the database, so that
// the users and tokens commands refuse to change what it holds in memory
// (on the embedded database the directory lock already does).
func (m *Main) markRunning(ctx context.Context) error {
	host, _ := os.Hostname()
	if m.started.IsZero() {
		m.started = time.Now()
	}
	return m.db.MarkRunning(ctx, mongodb.Presence{Host: host, PID: os.Getpid(), Started: m.started, Seen: time.Now()})
}

func (m *Main) keepPresence(ctx context.Context) {
	every(ctx, accessFlushEvery, func(time.Time) {
		if err := m.markRunning(ctx); err != nil {
			m.Logger.Warn("record the aggregator's presence", "err", err)
		}
	})
}

// walkInPurge is how often the uses of expired walk-in codes are deleted.
const walkInPurge = 10 * time.Minute

// purgeWalkIns keeps the walk-in uses to the codes of the last minutes, so
// that reading them at start and each purge stay cheap scans.
func (m *Main) purgeWalkIns(ctx context.Context, w *mongodb.WalkIns) {
	defer m.wg.Done()
	every(ctx, walkInPurge, func(now time.Time) {
		if err := w.Purge(ctx, now); err != nil {
			m.Logger.Warn("purge walk-in uses", "err", err)
		}
	})
}

func (m *Main) loadUnits(ctx context.Context) error {
	records, found, err := m.db.Units(ctx)
	if err != nil {
		return err
	}
	if !found && m.Config.DemoData {
		f, err := assets.FS(m.Config.AssetsDir).Open(assets.DemoUnits)
		if err != nil {
			return err
		}
		defer f.Close()
		t, err := hierarchy.ReadCSV(f)
		if err != nil {
			return fmt.Errorf("demo units: %w", err)
		}
		if err := m.db.ReplaceUnits(ctx, t); err != nil {
			return err
		}
		records = t.Records()
	}
	t, err := hierarchy.New(records)
	if err != nil {
		return fmt.Errorf("stored units: %w", err)
	}
	if len(records) == 0 {
		m.Logger.Warn("no administrative units imported yet: import them on the page /admin/imports, or stop the service and run 'aggregator units import FILE.csv'")
	}
	m.units.Store(t)
	return nil
}

func (m *Main) loadProcedures(ctx context.Context) error {
	records, found, err := m.db.Procedures(ctx)
	if err != nil {
		return err
	}
	if !found && m.Config.DemoData {
		f, err := assets.FS(m.Config.AssetsDir).Open(assets.DemoProcedures)
		if err != nil {
			return err
		}
		defer f.Close()
		c, err := procedure.ReadCSV(f)
		if err != nil {
			return fmt.Errorf("demo procedures: %w", err)
		}
		if err := m.db.ReplaceProcedures(ctx, c); err != nil {
			return err
		}
		records = c.All()
	}
	m.procedures.Store(procedure.New(records))
	return nil
}

// loadTargets returns the targets set through the administration, stored
// in the database, or else those of the configured file (the built-in ones
// by default).
func (m *Main) loadTargets(ctx context.Context) ([]measure.Target, error) {
	ts, found, err := m.db.Targets(ctx)
	if err != nil || found {
		return ts, err
	}
	return loadTargets(m.Config)
}

func loadTargets(cfg Config) ([]measure.Target, error) {
	var r io.ReadCloser
	var err error
	if cfg.TargetsFile != "" {
		r, err = os.Open(cfg.TargetsFile)
	} else {
		r, err = assets.FS(cfg.AssetsDir).Open(assets.Targets)
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return measure.ReadTargets(r)
}

// loadPortalScoring reads the export's scoring from a file, or gives nil
// for the default.
func loadPortalScoring(file string) ([]report.PortalScoring, error) {
	if file == "" {
		return nil, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return report.ReadPortalScoring(f)
}

// clientStore lists the programs enrolled to report outcomes, for a
// registry like the kiosks'.
type clientStore struct{ db *DB }

func (c clientStore) Kiosks(ctx context.Context) ([]hailong.Enrolment, error) {
	return c.db.Clients(ctx)
}

// URL returns the base URL the aggregator listens on.
func (m *Main) URL() string { return fiberapp.BaseURL(m.ln) }

// DebugURL returns the base URL of the profiler and metrics, empty when
// not served.
func (m *Main) DebugURL() string {
	if m.debug == nil {
		return ""
	}
	return m.debug.URL()
}

// Done receives the error that ended serving when it ended without Close
// (the aggregator no longer answers and should be restarted), and is then
// closed.
func (m *Main) Done() <-chan error {
	if m.serving == nil {
		return nil
	}
	return m.serving.Done()
}

// DB returns the open database.
func (m *Main) DB() *DB { return m.db }

// Access returns the access control: users, sessions, API tokens, the
// scope check and the audit log.
func (m *Main) Access() *access.Service { return m.access }

// Outcomes returns the outcome book, for seeding demo data.
func (m *Main) Outcomes() *outcomes.Book { return m.book }

// Alerts returns the alert engine, for seeding demo data.
func (m *Main) Alerts() *alerts.Engine { return m.alerts }

// Ingester returns the write path, for seeding demo data.
func (m *Main) Ingester() *ingest.Ingester { return m.ingester }

// Close stops serving, persists the rollups and closes the database.
func (m *Main) Close() error {
	var errs []error
	if m.serving != nil {
		errs = append(errs, m.serving.Shutdown(10*time.Second))
	}
	if m.debug != nil {
		errs = append(errs, m.debug.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.alerts != nil {
		m.alerts.Stop()
	}
	if m.webhooks != nil {
		// After serving: no more events come. Buffered events are
		// queued; attempts in flight past the grace are tried again at
		// the next start.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.webhooks.Close(ctx))
		cancel()
	}
	if m.fleet != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		errs = append(errs, m.fleet.Flush(ctx))
		cancel()
	}
	if m.access != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		errs = append(errs, m.access.Flush(ctx), m.db.ClearRunning(ctx))
		cancel()
	}
	if m.ingester != nil && m.LeaseErr() == nil {
		// The last checkpoint writes only the months changed since the
		// one before; a rebuild's first one writes every month. Never
		// once the lease is lost: the new owner holds the rollups.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		errs = append(errs, m.ingester.Close(ctx))
		cancel()
	}
	if m.book != nil && m.serving != nil && m.LeaseErr() == nil {
		// After the ingest path, whose last flags the book holds: the
		// next start reads the book in one piece, not its whole log.
		// Its state is written within the lease (SetOutcomesFence): a
		// standby that took over owns the book.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		t0 := time.Now()
		err := m.book.Save(ctx)
		cancel()
		errs = append(errs, err)
		select {
		case <-m.book.Opened():
			if err == nil {
				m.Logger.Info("outcome book saved", "dossiers", m.book.Dossiers(), "took", time.Since(t0).Round(time.Millisecond))
			}
		default: // stopped while it was read: nothing to save
		}
	}
	errs = append(errs, m.releaseLease())
	if m.index != nil {
		errs = append(errs, m.index.Close())
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	return errors.Join(errs...)
}
