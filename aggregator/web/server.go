// Package web is the aggregator's HTTP server: kiosk uploads, the public
// measures API of API.md and the analysts' pages.
package web

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/procedure"
	"hailong/syncapi"
)

// Ingester stores uploads and owns the rollups.
type Ingester interface {
	// Ingest stores a kiosk's upload; offset is how far the kiosk's clock is
	// behind the aggregator's, 0 if unknown.
	Ingest(ctx context.Context, k hailong.Kiosk, offset time.Duration, rs []hailong.Rating) ([]syncapi.Result, error)
	IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error)
	// Known reports whether a rating id is known to be stored, from memory
	// only: false may still be stored.
	Known(id string) bool
	Rollup() *rollup.Rollup
}

// Authenticator checks a kiosk's Authorization header.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (hailong.Kiosk, error)
}

// KioskDirectory finds enrolled kiosks, to check their rating links.
type KioskDirectory interface {
	Lookup(ctx context.Context, id string) (hailong.Kiosk, bool, error)
}

// OutcomeBook keeps dossier outcomes.
type OutcomeBook interface {
	Report(ctx context.Context, reports []hailong.Outcome, allowed func(unit string) bool) ([]outcomes.Result, error)
	Query(units []string, from, to hailong.Date, f rollup.Filter) rollup.Outcomes
	Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (all rollup.Outcomes, groups, months []rollup.Outcomes)
}

// Pinger checks the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server serves the aggregator.
type Server struct {
	Ingester       Ingester
	Kiosks         Authenticator
	KioskDirectory KioskDirectory
	DB             Pinger
	Units          func() *hierarchy.Tree
	Procedures     func() *procedure.Catalogue
	Catalog        *hailong.Catalog
	Outcomes       OutcomeBook
	// Clients authenticates programs reporting outcomes.
	Clients Authenticator
	// Targets are the configured targets of the measures.
	Targets   []measure.Target
	Assets    fs.FS
	Logger    *slog.Logger
	MinSample int64
	Now       func() time.Time
	// PhoneQuestionnaire is the questionnaire of the QR phone page.
	PhoneQuestionnaire string
	// RateLimit is how many requests to /r/ one client address may make a
	// minute. Mobile carriers put many phones behind one address, so it is
	// generous.
	RateLimit int
	// WalkInMax is how many ratings one walk-in QR code may give.
	WalkInMax int
	// WalkIns counts walk-in code uses; nil counts in memory only.
	WalkIns WalkInCounter
	// ProxyHeader names the header carrying the client address, trusted
	// only from TrustedProxies; empty uses the connection's address.
	ProxyHeader    string
	TrustedProxies []string
	// SecureCookies marks cookies Secure: set it when served over HTTPS.
	SecureCookies bool

	// Fleet keeps each kiosk's latest health report; Enrolled lists the
	// kiosks; FleetLimits says when one needs attention.
	Fleet       Fleet
	Enrolled    KioskLister
	FleetLimits FleetLimits

	app  *fiber.App
	tmpl *template.Template
}

const csrfKey = "csrf"

// New builds the server and its routes.
func New(s *Server) (*Server, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.PhoneQuestionnaire == "" {
		s.PhoneQuestionnaire = "counter-quick"
	}
	if s.RateLimit == 0 {
		s.RateLimit = 120
	}
	if s.WalkInMax == 0 {
		s.WalkInMax = 50
	}
	if s.WalkIns == nil {
		s.WalkIns = &walkInUses{now: s.Now}
	}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(s.Assets, "aggregator/*.html")
	if err != nil {
		return nil, err
	}
	s.tmpl = tmpl
	s.app = fiberapp.New(fiberapp.Config{
		Name: "hailong-aggregator",
		// A full upload of MaxBatch ratings with long comments fits.
		BodyLimit:      8 << 20,
		Logger:         s.Logger,
		ProxyHeader:    s.ProxyHeader,
		TrustedProxies: s.TrustedProxies,
	})
	s.routes()
	return s, nil
}

// routes lists every route of the aggregator.
func (s *Server) routes() {
	a := s.app
	a.Get("/healthz", s.healthShow)
	a.Get("/readyz", s.readyShow)
	a.Post(syncapi.Path, s.syncCreate)
	a.Post(syncapi.HeartbeatPath, s.heartbeatCreate)
	a.Get(syncapi.ConfigPath, s.kioskConfigShow)
	a.Get("/api/v1/kiosks", s.kiosksList) // open until analysts sign in (issue 9)
	a.Get("/api/v1/satisfaction", s.satisfactionShow)
	a.Get("/api/v1/measures", s.measuresShow)
	a.Post("/api/v1/outcomes", s.outcomesCreate)
	a.Get("/api/v1/procedures", s.proceduresList)
	a.Get("/api/v1/units", s.unitsList)
	phone := a.Group("/r", limiter.New(limiter.Config{
		Max: s.RateLimit, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return c.IP() }, // the proxy header only from trusted proxies
		LimitReached: func(c *fiber.Ctx) error {
			return s.phoneNotice(c, problem(hailong.ERATELIMITED, "busy", "Too many requests from this address; try again in a minute."))
		},
	}), csrf.New(csrf.Config{
		KeyLookup: "form:_csrf", CookieName: "hailong_csrf", CookieSameSite: "Lax", CookieHTTPOnly: true,
		CookieSecure: s.SecureCookies, Expiration: 2 * time.Hour, ContextKey: csrfKey,
		// Programs post JSON, which a browser cannot send to another site
		// without its consent; forms from browsers carry the token.
		Next: func(c *fiber.Ctx) bool { return c.Is("json") },
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return s.phoneNotice(c, problem(hailong.EFORBIDDEN, "stale", "The form has expired; open the link again."))
		},
	}))
	phone.Get("/:token", s.phoneShow)
	phone.Post("/:token", s.phoneCreate)
	a.Get("/", s.dashboardShow)
	a.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(assets.Sub(s.Assets, "aggregator/static")), MaxAge: 3600}))
	a.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// App returns the Fiber application.
func (s *Server) App() *fiber.App { return s.app }
