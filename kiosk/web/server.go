// Package web is the kiosk node's HTTP server: the touchscreen survey, the
// public API of API.md and the embedded assets.
package web

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"hailong"
	"hailong/assets"
	"hailong/fiberapp"
	"hailong/kiosk/bolt"
	"hailong/kiosk/counter"
	"hailong/kiosk/terminals"
	"hailong/misuse"
)

// Outbox is the durable store ratings are recorded in.
type Outbox interface {
	Record(r *hailong.Rating) (hailong.Rating, bool, error)
	// RecordHeld records a rating held open to follow-up answers from
	// terminal until hold (the zero time: not held) and Amend changes it
	// meanwhile, asked by that terminal only; see bolt.Outbox.
	RecordHeld(r *hailong.Rating, hold time.Time, terminal string) (hailong.Rating, bool, error)
	Amend(id, terminal string, done bool, change func(r *hailong.Rating) error) (hailong.Rating, error)
	Stats() (bolt.Stats, error)
	// RatedAt returns when the rating recorded under id was given; see
	// bolt.Outbox.
	RatedAt(id string) (at time.Time, ok bool, err error)
	// Writable returns why no rating can be durably recorded now, or nil.
	Writable() error
}

// Uploader is the background job that forwards ratings.
type Uploader interface {
	Kick()
	Reachable() (reachable, ok bool)
	LastAttempt() (time.Time, string)
}

// Server serves one kiosk node.
type Server struct {
	Kiosk          string
	Unit           string
	UnitName       string
	Questionnaires []string // ids offered here; the first is the default screen
	Catalog        *hailong.Catalog
	Outbox         Outbox
	Uploader       Uploader
	Assets         fs.FS
	Logger         *slog.Logger
	// Signer signs rating links; nil until the kiosk has a credential.
	Signer ed25519.PrivateKey
	// PublicURL is the aggregator's address as citizens' phones reach it.
	PublicURL string
	// TokenTTL is how long a rating link stays valid.
	TokenTTL time.Duration
	// IdleQR is how long the start screen stays untouched before it
	// offers walk-in citizens a code to rate on their phone.
	IdleQR time.Duration
	// ResetAfter is how long the thank-you screen shows.
	ResetAfter time.Duration
	// IdleReset is how long a screen a citizen began stays without input
	// before the countdown that clears it shows; IdleWarning is how long
	// the countdown lasts (at least 20 s, WCAG 2.2.1).
	IdleReset, IdleWarning time.Duration
	// FollowUpWindow is how long a tapped rating stays open to follow-up
	// answers at most before it is uploaded as it is.
	FollowUpWindow time.Duration
	// Speak turns spoken prompts on by default; the citizen can still
	// turn them off (and on, where it is off).
	Speak bool
	// ShowOfficial is what a counter tablet shows of the official being
	// rated: "badge" (the official's reference), "name" (the name given
	// to the tablet), or "none".
	ShowOfficial string
	// Now is the clock; tests may set it.
	Now func() time.Time
	// CurrentCatalog, when set, returns the catalog in force, read on every
	// request: the questionnaires the aggregator last published. Catalog
	// serves when it is nil.
	CurrentCatalog func() *hailong.Catalog
	// Problems, when set, lists what an operator must fix for the node's
	// ratings to count (a unit that does not match the enrolment), for the
	// status.
	Problems func() []string
	// ClockOffset, when set, returns the node's clock minus the
	// aggregator's as last measured, and false before a measure.
	ClockOffset func() (time.Duration, bool)
	// EarliestClock, when set, returns the aggregator's clock at the last
	// contact (kept across restarts), and false before any: the node
	// records nothing while its clock is before it by more than
	// ClockTolerance (see ClockProblem).
	EarliestClock func() (time.Time, bool)
	// ClockTolerance defaults to DefaultClockTolerance.
	ClockTolerance time.Duration
	// Terminals are the paired terminals: only they record ratings and
	// issue links. Opened on Outbox's store when nil.
	Terminals *terminals.Registry
	// AdminSecret lets the node's administrator pair and revoke
	// terminals; empty: nobody can, through the API.
	AdminSecret string
	// Misuse flags ratings that come too fast from one terminal; the
	// defaults of package misuse when nil.
	Misuse *misuse.Watch
	// Counters holds the ratings opened at counters; OpenRatingTTL (default
	// counter.DefaultTTL) is how long one waits for the citizen.
	Counters      *counter.Board
	OpenRatingTTL time.Duration

	app      *fiber.App
	screen   *template.Template
	pairPage *template.Template
	walkIns  walkInCodes
}

// New builds the server and its routes.
func New(s *Server) (*Server, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.ClockTolerance <= 0 {
		s.ClockTolerance = DefaultClockTolerance
	}
	if s.TokenTTL == 0 {
		s.TokenTTL = 30 * 24 * time.Hour
	}
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	if s.IdleQR == 0 {
		s.IdleQR = 30 * time.Second
	}
	if s.ResetAfter == 0 {
		s.ResetAfter = 8 * time.Second
	}
	s.IdleReset = cmp.Or(s.IdleReset, time.Minute)
	s.IdleWarning = cmp.Or(s.IdleWarning, 20*time.Second)
	s.FollowUpWindow = cmp.Or(s.FollowUpWindow, 5*time.Minute)
	tmpl, err := template.New("screen.html").Funcs(screenFuncs).ParseFS(s.Assets, "kiosk/screen.html")
	if err != nil {
		return nil, err
	}
	s.screen = tmpl
	if s.pairPage, err = template.ParseFS(s.Assets, "kiosk/pair.html"); err != nil {
		return nil, err
	}
	if s.Terminals == nil {
		store, ok := s.Outbox.(terminals.Store)
		if !ok {
			return nil, errors.New("no terminals registry, and the outbox cannot store one")
		}
		if s.Terminals, err = terminals.Open(terminals.Config{Store: store, Logger: s.Logger, Now: s.Now}); err != nil {
			return nil, err
		}
	}
	if s.Misuse == nil {
		s.Misuse = misuse.New(misuse.Config{})
	}
	if s.Counters == nil {
		s.Counters = counter.New(s.OpenRatingTTL, s.Now)
	}
	s.app = fiberapp.New(fiberapp.Config{Name: "hailong-kiosk", BodyLimit: 64 << 10, Logger: s.Logger})
	s.routes()
	return s, nil
}

// routes lists every route of the kiosk node.
func (s *Server) routes() {
	a := s.app
	a.Get("/healthz", s.healthShow)
	a.Get("/api/v1/status", s.statusShow)
	a.Get("/api/v1/questionnaires", s.questionnairesList)
	// Only paired terminals record ratings, amend them, issue links and
	// see their counter's opened ratings; the administrator pairs them.
	a.Post("/api/v1/ratings", s.requireTerminal, s.ratingCreate)
	a.Patch("/api/v1/ratings/:id", s.requireTerminal, s.ratingUpdate)
	a.Post("/api/v1/tokens", s.requireTerminal, s.tokenCreate)
	a.Post("/api/v1/tokens/walk-in", s.requireTerminal, s.walkInCreate)
	a.Post("/api/v1/counters/:counter/open", s.requireTerminal, s.counterOpenCreate)
	a.Get("/api/v1/counters/:counter/open", s.requireTerminal, s.counterOpenShow)
	a.Delete("/api/v1/counters/:counter/open", s.requireTerminal, s.counterOpenDelete)
	a.Get("/api/v1/pairing", s.pairingStatus)
	a.Get("/api/v1/terminals", s.requireAdmin, s.terminalsList)
	a.Post("/api/v1/terminals", s.requireAdmin, s.terminalsCreate)
	a.Post("/api/v1/terminals/:id/revoke", s.requireAdmin, s.terminalRevoke)
	a.Get("/qr/:token", s.qrShow) // :token ends in .png
	a.Get("/", s.pairedScreen, s.screenShow)
	a.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(assets.Sub(s.Assets, "kiosk/static")), MaxAge: 3600}))
	// Recordings are named by their text's hash: they never change.
	a.Use("/audio", filesystem.New(filesystem.Config{Root: http.FS(assets.Sub(s.Assets, "kiosk/audio")), MaxAge: 30 * 24 * 3600}))
	a.Use(fiberapp.NotFound(a))
}

// App returns the Fiber application, to listen or to test with.
func (s *Server) App() *fiber.App { return s.app }

// offered returns the questionnaire if this node offers it.
func (s *Server) offered(id string) (*hailong.Questionnaire, bool) {
	if !slices.Contains(s.Questionnaires, id) {
		return nil, false
	}
	return s.catalog().Latest(id)
}

// catalog returns the questionnaires in force.
func (s *Server) catalog() *hailong.Catalog {
	if s.CurrentCatalog != nil {
		if c := s.CurrentCatalog(); c != nil {
			return c
		}
	}
	return s.Catalog
}

var _ Outbox = (*bolt.Outbox)(nil)
