// Package app wires a kiosk node together: the durable outbox, the HTTP
// server and the background uploader. main only parses flags; tests start
// the real node on :0 with a temporary data directory.
package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hailong"
	"hailong/assets"
	"hailong/debugserver"
	"hailong/fiberapp"
	"hailong/kiosk/bolt"
	"hailong/kiosk/terminals"
	"hailong/kiosk/uploader"
	"hailong/kiosk/web"
	"hailong/misuse"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// Config is the configuration of a kiosk node.
type Config struct {
	Listen         string // host:port; :0 picks a free port
	DataDir        string
	Aggregator     string // base URL of the aggregator; empty runs offline
	Credential     string // "<kiosk id>.<secret>" from enrolment
	Kiosk          string // kiosk id when no credential is set yet
	Unit           string // code of the service centre
	UnitName       string // shown on the screen
	Questionnaires []string
	// PublicURL is the aggregator's address as citizens' phones reach it,
	// for rating links; Aggregator when empty.
	PublicURL  string
	TokenTTL   time.Duration // how long a rating link stays valid
	AssetsDir  string        // -dev: serve assets from disk
	SyncBatch  int           // ratings per upload
	MinBackoff time.Duration // first retry delay of the uploader
	MaxBackoff time.Duration
	// DebugListen serves Go's profiler and the Prometheus metrics on their
	// own address when set: for an operator on the machine, never for the
	// terminals' listener.
	DebugListen string
	// KeepSynced is how long a synced rating stays on the node before it
	// is pruned; 0 keeps them all.
	KeepSynced time.Duration
	// PruneEvery is how often pruning runs; an hour when zero.
	PruneEvery time.Duration
	// OpenRatingTTL is how long a rating opened at a counter waits for the
	// citizen (counter.DefaultTTL when zero).
	OpenRatingTTL time.Duration
	// Misuse sets when a rating from one terminal comes too fast and is
	// flagged (misuse's defaults when zero).
	Misuse misuse.Config
	// AutoPair pairs every screen that asks, without an administrator:
	// for the demo only. It is logged loudly; no flag of the kiosk command
	// sets it.
	AutoPair bool
	// The citizen's screen (see web.Server): spoken prompts on by default,
	// what a counter tablet shows of the official, how long a screen
	// stays without input before its countdown and how long that lasts,
	// and how long a tapped rating waits for its follow-up answers.
	Speak                                  bool
	ShowOfficial                           string
	IdleReset, IdleWarning, FollowUpWindow time.Duration
}

// AdminSecretFile is the file in the data directory that holds the node's
// admin secret, made at the first start: "kiosk pairings" reads it to pair
// and revoke terminals through the running node.
const AdminSecretFile = "admin-secret"

// Main is a running kiosk node.
type Main struct {
	Config Config
	Logger *slog.Logger

	outbox         *bolt.Outbox
	terminals      *terminals.Registry
	server         *web.Server
	uploader       *uploader.Uploader
	questionnaires *questionnaires
	ln             net.Listener
	serving        *fiberapp.Serving
	registry       *prometheus.Registry
	debug          *debugserver.Server
	cancel         context.CancelFunc
	wg             sync.WaitGroup
	// fatal takes the first error that leaves the node unable to do its
	// job (the outbox closed after a failed compaction); done reports it,
	// or serving's unexpected end, to main, which exits non-zero so that
	// systemd restarts the node: nothing else watches /healthz.
	fatal chan error
	done  chan error
	// compact compacts the outbox; a test makes it fail.
	compact func() error
}

// Run opens the outbox, starts serving and starts the uploader. It returns
// once the node is listening.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	cfg := m.Config
	if len(cfg.Questionnaires) == 0 {
		cfg.Questionnaires = []string{"counter-quick", "sipas"}
	}
	var cred syncapi.Credential
	if cfg.Credential != "" {
		if cred, err = syncapi.ParseCredential(cfg.Credential); err != nil {
			return fmt.Errorf("kiosk credential: %w", err)
		}
		if cfg.Kiosk != "" && cfg.Kiosk != cred.Kiosk {
			return fmt.Errorf("kiosk id %q does not match the credential's %q", cfg.Kiosk, cred.Kiosk)
		}
		cfg.Kiosk = cred.Kiosk
	}
	if err := syncapi.CheckKioskID(cfg.Kiosk); err != nil {
		return fmt.Errorf("kiosk id: %s (set -credential or -kiosk)", hailong.ErrorFields(err)[0].Message)
	}
	if cfg.Unit == "" {
		return errors.New("the service centre's unit code is required (-unit)")
	}
	if cfg.DataDir == "" {
		return errors.New("a data directory is required (-data)")
	}
	fiberapp.RaiseOpenFileLimit(m.Logger)
	m.registry = debugserver.NewRegistry()
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hailong_kiosk_aggregator_calls_total",
		Help: "Calls to the aggregator (sync: uploads), by call and outcome: the status class, or error when no answer came.",
	}, []string{"call", "outcome"})
	m.registry.MustRegister(calls)
	fsys := assets.FS(cfg.AssetsDir)
	catalog, err := hailong.LoadCatalog(fsys, assets.QuestionnaireDir)
	if err != nil {
		return err
	}
	for _, id := range cfg.Questionnaires {
		if _, ok := catalog.Latest(id); !ok {
			return fmt.Errorf("questionnaire %q is not in the catalog", id)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if m.outbox, err = bolt.Open(filepath.Join(cfg.DataDir, "outbox.db")); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.outbox.Close()
		}
	}()
	m.questionnaires = newQuestionnaires(m.Logger.With("component", "questionnaires"), cfg.DataDir, catalog, cfg.Questionnaires)
	m.uploader = uploader.New(uploader.Config{
		Outbox: m.outbox, Aggregator: cfg.Aggregator, Credential: cred, Unit: cfg.Unit,
		Client: &http.Client{Timeout: 60 * time.Second, Transport: countCalls(calls, http.DefaultTransport)},
		Batch:  cfg.SyncBatch, MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff,
		Health: func() syncapi.Health { return m.health(cfg.Unit) }, OnConfig: m.questionnaires.publish,
		Logger: m.Logger.With("component", "uploader"),
	})
	// The unit check holds from the start, on the cached enrolment, before
	// the aggregator answers.
	if published, ok := m.questionnaires.loadCache(); ok {
		m.uploader.SetConfig(published)
	}
	var signer ed25519.PrivateKey
	if cfg.Credential != "" {
		if signer, err = qrtoken.KeyFromSecret(cred.Secret); err != nil {
			return err
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = cfg.Aggregator
	}
	adminSecret, err := loadAdminSecret(filepath.Join(cfg.DataDir, AdminSecretFile))
	if err != nil {
		return err
	}
	if m.terminals, err = terminals.Open(terminals.Config{Store: m.outbox, Logger: m.Logger.With("component", "terminals"), AutoPair: cfg.AutoPair}); err != nil {
		return err
	}
	m.server, err = web.New(&web.Server{
		Terminals: m.terminals, AdminSecret: adminSecret, Misuse: misuse.New(cfg.Misuse), OpenRatingTTL: cfg.OpenRatingTTL,
		Kiosk: cfg.Kiosk, Unit: cfg.Unit, UnitName: cfg.UnitName, Questionnaires: cfg.Questionnaires,
		Catalog: catalog, CurrentCatalog: m.questionnaires.Catalog, Problems: m.problems,
		ClockOffset: m.uploader.ClockOffset, EarliestClock: m.uploader.AggregatorClock,
		Outbox: m.outbox, Uploader: m.uploader, Assets: fsys, Logger: m.Logger,
		Signer: signer, PublicURL: cfg.PublicURL, TokenTTL: cfg.TokenTTL,
		Speak: cfg.Speak, ShowOfficial: cfg.ShowOfficial,
		IdleReset: cfg.IdleReset, IdleWarning: cfg.IdleWarning, FollowUpWindow: cfg.FollowUpWindow,
	})
	if err != nil {
		return err
	}
	metrics := m.metrics()
	if m.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.DebugListen != "" {
		if m.debug, err = debugserver.Listen(cfg.DebugListen, m.registry, m.Logger); err != nil {
			m.ln.Close()
			return err
		}
	}
	ctx, m.cancel = context.WithCancel(ctx)
	m.serving = fiberapp.Serve(m.server.App(), m.ln, fiberapp.ServeConfig{Logger: m.Logger, Metrics: metrics})
	m.fatal, m.done = make(chan error, 1), make(chan error, 1)
	go func() {
		defer close(m.done)
		select {
		case err, ok := <-m.serving.Done():
			if ok {
				m.done <- err
			}
		case err := <-m.fatal:
			m.done <- err
		}
	}()
	if m.compact == nil {
		m.compact = m.outbox.Compact
	}
	if cfg.Aggregator != "" && cfg.Credential != "" {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.uploader.Run(ctx)
		}()
	} else {
		m.Logger.Warn("no aggregator or credential configured: ratings stay queued on this node")
	}
	if cfg.KeepSynced > 0 {
		if cfg.PruneEvery <= 0 {
			cfg.PruneEvery = time.Hour
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.pruneLoop(ctx, cfg.KeepSynced, cfg.PruneEvery)
		}()
	}
	m.Config = cfg
	return nil
}

// minReclaim is the least free space inside the outbox file worth a
// compaction.
const minReclaim = 64 << 10

// pruneLoop removes ratings synced longer than keep ago, at start and then
// every interval, and compacts the file when at least half of it is free,
// the file system has room for the copy, and no rating came since the last
// round: compaction holds up recording while it copies.
func (m *Main) pruneLoop(ctx context.Context, keep, every time.Duration) {
	log := m.Logger.With("component", "prune")
	t := time.NewTicker(every)
	defer t.Stop()
	var lastRating time.Time
	for {
		if n, err := m.outbox.Prune(time.Now().Add(-keep)); err != nil {
			log.Error("prune synced ratings", "err", err)
		} else if n > 0 {
			log.Info("pruned synced ratings", "count", n, "older_than", keep)
		}
		st, err := m.outbox.Stats()
		free, size, ferr := m.outbox.Reclaimable()
		if err == nil && ferr == nil {
			var last time.Time
			if st.LastRating != nil {
				last = *st.LastRating
			}
			quiet := last.Equal(lastRating)
			lastRating = last
			roomForCopy := st.FreeDisk < 0 || st.FreeDisk >= size-free+bolt.MinFree
			if quiet && roomForCopy && free >= minReclaim && 2*free >= size {
				if err := m.compact(); errors.Is(err, bolt.ErrReopen) {
					log.Error("the outbox is closed after compaction; stopping so that the supervisor restarts the node", "err", err)
					m.fail(err)
					return
				} else if err != nil {
					log.Error("compact outbox", "err", err)
				} else {
					log.Info("compacted outbox", "freed", free)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Terminals returns the node's paired terminals: tests and the demo pair
// through it, as an administrator does through the API.
func (m *Main) Terminals() *terminals.Registry { return m.terminals }

// loadAdminSecret reads the node's admin secret, making it (mode 0600) the
// first time.
func loadAdminSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return s, nil
		}
		return "", fmt.Errorf("the admin secret in %s is too short; delete the file to have a new one made", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("admin secret: %w", err)
	}
	secret := terminals.NewKey()
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("admin secret: %w", err)
	}
	return secret, nil
}

// URL returns the base URL the node listens on.
func (m *Main) URL() string { return fiberapp.BaseURL(m.ln) }

// DebugURL returns the base URL of the profiler and metrics, empty when
// not served.
func (m *Main) DebugURL() string {
	if m.debug == nil {
		return ""
	}
	return m.debug.URL()
}

// Done receives the error that ended the node without Close: serving
// ended (the node no longer answers terminals) or the outbox can no longer
// record (closed after a failed compaction). The node should be restarted.
// It is then closed; after Close it is closed without a value.
func (m *Main) Done() <-chan error { return m.done }

// fail ends the node with err, reported on Done; only the first counts.
func (m *Main) fail(err error) {
	select {
	case m.fatal <- err:
	default:
	}
}

// Close stops serving, stops the uploader and closes the outbox.
func (m *Main) Close() error {
	var errs []error
	if m.serving != nil {
		errs = append(errs, m.serving.Shutdown(5*time.Second))
	}
	if m.debug != nil {
		errs = append(errs, m.debug.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.outbox != nil {
		errs = append(errs, m.outbox.Close())
	}
	return errors.Join(errs...)
}

// SplitList splits a comma-separated flag value.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
