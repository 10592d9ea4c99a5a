// Package web is the aggregator's HTTP server: kiosk uploads, the public
// measures API of API.md and the analysts' pages.
package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/comments"
	"hailong/aggregator/national"
	"hailong/aggregator/oidc"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/measure"
	"hailong/misuse"
	"hailong/procedure"
	"hailong/syncapi"
)

// Ingester stores uploads and owns the rollups.
type Ingester interface {
	// Ingest stores a kiosk's upload; offset is how far the kiosk's clock is
	// behind the aggregator's, 0 if unknown.
	Ingest(ctx context.Context, k hailong.Enrolment, offset time.Duration, rs []hailong.Rating) ([]syncapi.Result, error)
	IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error)
	// Known reports whether a rating id is known to be stored, from memory
	// only: false may still be stored. For a dossier's rating it tells
	// when it was given, or the zero time if not remembered.
	Known(id string) (at time.Time, ok bool)
	Rollup() *rollup.Rollup
	// Flagged holds the flagged ratings (misuse a kiosk node saw) apart
	// from Rollup: kept, and left out of the measures unless asked for;
	// nil when there are none.
	Flagged() *rollup.Rollup
}

// Authenticator checks a kiosk's Authorization header.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (hailong.Enrolment, error)
}

// KioskDirectory finds enrolled kiosks, to check their rating links.
type KioskDirectory interface {
	Lookup(ctx context.Context, id string) (hailong.Enrolment, bool, error)
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
	// Targets are the configured targets of the measures, when there is no
	// Admin to keep them.
	Targets []measure.Target
	// Admin changes kiosks, clients, units, procedures and targets while
	// running; without it those routes answer 503.
	Admin Admin
	// PortalScoring codes and scores the metrics of the Decision 766
	// export (GET /api/v1/exports/dvcqg); nil is report.DefaultPortalScoring.
	PortalScoring []report.PortalScoring
	Assets        fs.FS
	Logger        *slog.Logger
	MinSample     int64
	Now           func() time.Time
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
	// Access signs people in and checks sessions, API tokens and scopes.
	// Without it every route that needs a principal answers 401.
	Access Access
	// SSO signs people in with the province's identity provider; nil
	// when single sign-on is not configured.
	SSO SingleSignOn
	// SessionLifetime is how long the session cookie lives; the access
	// service ends the session itself at the same time. Zero is
	// access.DefaultSessionTTL.
	SessionLifetime time.Duration

	// People administers users and reads the audit log; nil uses Access
	// when it can (the access service does both).
	People People

	// Fleet keeps each kiosk's latest health report; Enrolled lists the
	// kiosks; FleetLimits says when one needs attention.
	Fleet       Fleet
	Enrolled    KioskLister
	FleetLimits FleetLimits

	// Comments returns the index of the citizens' comments, which the
	// ingest job keeps; nil has none.
	Comments func() *comments.Index
	// Publication switches the public results page; nil keeps it off.
	Publication Publication
	// Alerts is the alert engine; nil answers 503 on the alert routes.
	Alerts Alerts

	// Subscriptions keeps users' subscriptions to alerts and reports;
	// nil answers 503 on their routes. MailEnabled says whether an SMTP
	// server is configured: without one the page says no email is sent.
	Subscriptions Subscriptions
	MailEnabled   bool
	// Webhooks keeps webhook subscriptions and their deliveries; without
	// it those routes answer 503.
	Webhooks Webhooks
	// National is set on a national aggregator: the provincial
	// aggregators it pulls from and how fresh each one's figures are.
	National NationalSources

	app    *fiber.App
	tmpl   *template.Template
	static fiber.Handler
	csrf   fiber.Handler
	phone  fiber.Handler // the rate limit of the phone pages
	// walkInWatch flags the ratings of one walk-in code from one address
	// that come faster or more often than citizens give them.
	walkInWatch *misuse.Watch
	// phoneSends makes a phone form sent twice one rating.
	phoneSends *phoneSends
	// publicCache keeps the public results page.
	publicCache *publicCache
	// rollupDigests keeps the digests of the months served to the
	// national view (GET /api/v1/rollups/months) until they change.
	rollupDigests *national.Digests
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
	if s.SessionLifetime == 0 {
		s.SessionLifetime = access.DefaultSessionTTL
	}
	if s.WalkIns == nil {
		s.WalkIns = &walkInUses{now: s.Now}
	}
	// One address, one code: a citizen rates once, a family or a shared
	// connection a few times; past that, or within seconds, the ratings
	// are kept flagged, out of the measures, as a screen's would be.
	s.walkInWatch = misuse.New(misuse.Config{Interval: misuse.DefaultInterval, Burst: walkInPerAddress, Window: walkInWindow})
	s.phoneSends = &phoneSends{}
	s.publicCache = &publicCache{entries: map[string]publicEntry{}}
	s.rollupDigests = &national.Digests{}
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

// Routes lists every route of the aggregator with its access rule: the
// one list the server registers, and the one the authorization matrix test
// walks. A route that is not here is not served.
func Routes() []Route {
	measures := Needs(hailong.PermMeasuresRead)
	tokens := Needs(hailong.PermTokensOwn)
	users := Needs(hailong.PermUsersManage)
	audit := Needs(hailong.PermAuditRead)
	hooks := Needs(hailong.PermWebhooksManage)
	return []Route{
		{Method: "GET", Path: "/healthz", Rule: Rule{Kind: Public}, handler: (*Server).healthShow},
		{Method: "GET", Path: "/readyz", Rule: Rule{Kind: Public}, handler: (*Server).readyShow},
		{Method: "GET", Path: "/static/*", Rule: Rule{Kind: Public}, handler: (*Server).staticShow},
		{Method: "POST", Path: syncapi.Path, Rule: Rule{Kind: KioskCredential}, handler: (*Server).syncCreate},
		{Method: "POST", Path: syncapi.HeartbeatPath, Rule: Rule{Kind: KioskCredential}, handler: (*Server).heartbeatCreate},
		{Method: "GET", Path: syncapi.ConfigPath, Rule: Rule{Kind: KioskCredential}, handler: (*Server).kioskConfigShow},
		{Method: "POST", Path: "/api/v1/outcomes", Rule: Rule{Kind: ClientCredential}, handler: (*Server).outcomesCreate},
		{Method: "GET", Path: "/api/v1/kiosks", Rule: Needs(hailong.PermKiosksRead), Unit: true, handler: (*Server).kiosksList},
		{Method: "POST", Path: "/api/v1/kiosks", Rule: Needs(hailong.PermKiosksManage), handler: (*Server).kiosksCreate},
		{Method: "POST", Path: "/api/v1/kiosks/:id/revoke", Rule: Needs(hailong.PermKiosksManage), handler: (*Server).kioskRevoke},
		{Method: "POST", Path: "/api/v1/kiosks/:id/rotate", Rule: Needs(hailong.PermKiosksManage), handler: (*Server).kioskRotate},
		{Method: "GET", Path: "/api/v1/clients", Rule: Needs(hailong.PermClientsManage), handler: (*Server).clientsList},
		{Method: "POST", Path: "/api/v1/clients", Rule: Needs(hailong.PermClientsManage), handler: (*Server).clientsCreate},
		{Method: "POST", Path: "/api/v1/clients/:id/revoke", Rule: Needs(hailong.PermClientsManage), handler: (*Server).clientRevoke},
		{Method: "POST", Path: "/api/v1/units/import", Rule: Needs(hailong.PermUnitsManage), Whole: true, handler: (*Server).unitsImport},
		{Method: "POST", Path: "/api/v1/procedures/import", Rule: Needs(hailong.PermProceduresManage), Whole: true, handler: (*Server).proceduresImport},
		{Method: "GET", Path: "/api/v1/targets", Rule: measures, handler: (*Server).targetsShow},
		{Method: "PUT", Path: "/api/v1/targets", Rule: Needs(hailong.PermTargetsManage), Whole: true, handler: (*Server).targetsUpdate},
		{Method: "GET", Path: "/api/v1/satisfaction", Rule: measures, Unit: true, handler: (*Server).satisfactionShow},
		{Method: "GET", Path: "/api/v1/measures", Rule: measures, Unit: true, handler: (*Server).measuresShow},
		{Method: "GET", Path: "/api/v1/exports/dvcqg", Rule: Needs(hailong.PermExportsRead), Unit: true, handler: (*Server).exportsDVCQGShow},
		{Method: "GET", Path: "/api/v1/reports/quarterly", Rule: Needs(hailong.PermExportsRead), Unit: true, handler: (*Server).reportsQuarterlyShow},
		{Method: "GET", Path: "/api/v1/breakdowns", Rule: measures, Unit: true, handler: (*Server).breakdownsShow},
		{Method: "GET", Path: "/api/v1/procedures", Rule: measures, handler: (*Server).proceduresList},
		{Method: "GET", Path: "/api/v1/units", Rule: measures, handler: (*Server).unitsList},
		// The national view: a provincial aggregator's rollup cells, for
		// the national aggregator's credential (a province-wide token);
		// and, on a national aggregator, how fresh each province's are.
		{Method: "GET", Path: national.Path, Rule: Needs(hailong.PermExportsRead), Province: true, handler: (*Server).rollupsMonthsList},
		{Method: "GET", Path: "/api/v1/national/sources", Rule: measures, handler: (*Server).nationalSourcesList},
		{Method: "GET", Path: "/api/v1/api-tokens", Rule: tokens, handler: (*Server).apiTokensList},
		{Method: "POST", Path: "/api/v1/api-tokens", Rule: tokens, handler: (*Server).apiTokensCreate},
		{Method: "DELETE", Path: "/api/v1/api-tokens/:id", Rule: tokens, handler: (*Server).apiTokensDelete},
		{Method: "GET", Path: "/api/v1/users", Rule: users, handler: (*Server).usersList},
		{Method: "POST", Path: "/api/v1/users", Rule: users, handler: (*Server).usersCreate},
		{Method: "PATCH", Path: "/api/v1/users/:username", Rule: users, handler: (*Server).usersUpdate},
		{Method: "POST", Path: "/api/v1/users/:username/password", Rule: users, handler: (*Server).usersPasswordUpdate},
		{Method: "GET", Path: "/api/v1/roles", Rule: users, handler: (*Server).rolesList},
		{Method: "GET", Path: "/api/v1/audit", Rule: audit, handler: (*Server).auditList},
		{Method: "GET", Path: "/r/:token", Rule: Rule{Kind: Public}, Phone: true, Form: true, handler: (*Server).phoneShow},
		{Method: "POST", Path: "/r/:token", Rule: Rule{Kind: Public}, Phone: true, Form: true, handler: (*Server).phoneCreate},
		{Method: "GET", Path: "/login", Rule: Rule{Kind: Public}, Form: true, handler: (*Server).loginShow},
		{Method: "POST", Path: "/login", Rule: Rule{Kind: Public}, Form: true, OwnText: true, handler: (*Server).loginCreate},
		// Single sign-on: public, as the sign-in page is. The callback
		// renders the sign-in form again on a refusal.
		{Method: "GET", Path: oidc.StartPath, Rule: Rule{Kind: Public}, handler: (*Server).oidcStart},
		{Method: "GET", Path: oidc.CallbackPath, Rule: Rule{Kind: Public}, Form: true, handler: (*Server).oidcCallback},
		{Method: "POST", Path: "/logout", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).logoutCreate},
		{Method: "GET", Path: "/account/password", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).passwordShow},
		{Method: "POST", Path: "/account/password", Rule: Rule{Kind: Account}, Form: true, OwnText: true, handler: (*Server).passwordUpdate},
		{Method: "GET", Path: "/admin", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).adminShow},
		{Method: "GET", Path: "/admin/users", Rule: users, Form: true, handler: (*Server).adminUsersShow},
		{Method: "POST", Path: "/admin/users", Rule: users, Form: true, handler: (*Server).adminUsersCreate},
		{Method: "POST", Path: "/admin/users/:username", Rule: users, Form: true, handler: (*Server).adminUsersUpdate},
		{Method: "POST", Path: "/admin/users/:username/password", Rule: users, Form: true, handler: (*Server).adminUsersPassword},
		{Method: "GET", Path: "/admin/audit", Rule: audit, Form: true, handler: (*Server).adminAuditShow},
		{Method: "GET", Path: "/account/subscriptions", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).subscriptionsShow},
		{Method: "POST", Path: "/account/subscriptions", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).subscriptionsCreate},
		{Method: "POST", Path: "/account/subscriptions/:id/delete", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).subscriptionsDelete},
		{Method: "POST", Path: "/account/email", Rule: Rule{Kind: Account}, Form: true, handler: (*Server).emailUpdate},
		{Method: "GET", Path: "/api/v1/subscriptions", Rule: measures, handler: (*Server).apiSubscriptionsList},
		{Method: "POST", Path: "/api/v1/subscriptions", Rule: measures, handler: (*Server).apiSubscriptionsCreate},
		{Method: "DELETE", Path: "/api/v1/subscriptions/:id", Rule: measures, handler: (*Server).apiSubscriptionsDelete},
		{Method: "GET", Path: "/account/tokens", Rule: tokens, Form: true, handler: (*Server).tokensShow},
		{Method: "POST", Path: "/account/tokens", Rule: tokens, Form: true, handler: (*Server).tokensCreate},
		{Method: "POST", Path: "/account/tokens/:id/revoke", Rule: tokens, Form: true, handler: (*Server).tokensRevoke},
		{Method: "GET", Path: "/", Rule: measures, Unit: true, Form: true, handler: (*Server).overviewShow},
		{Method: "GET", Path: "/units", Rule: measures, Unit: true, Form: true, handler: (*Server).unitsShow},
		{Method: "GET", Path: "/units/:code", Rule: measures, Unit: true, Form: true, handler: (*Server).unitsShow},
		{Method: "GET", Path: "/units/:code/officials/:official", Rule: measures, Unit: true, Form: true, handler: (*Server).officialShow},
		{Method: "GET", Path: "/reports", Rule: Needs(hailong.PermExportsRead), Unit: true, Form: true, handler: (*Server).reportsShow},
		{Method: "GET", Path: "/admin/kiosks", Rule: Needs(hailong.PermKiosksManage), Form: true, handler: (*Server).adminKiosksShow},
		{Method: "POST", Path: "/admin/kiosks", Rule: Needs(hailong.PermKiosksManage), Form: true, handler: (*Server).adminKiosksUpdate},
		{Method: "GET", Path: "/admin/clients", Rule: Needs(hailong.PermClientsManage), Form: true, handler: (*Server).adminClientsShow},
		{Method: "POST", Path: "/admin/clients", Rule: Needs(hailong.PermClientsManage), Form: true, handler: (*Server).adminClientsUpdate},
		{Method: "GET", Path: "/admin/imports", Rule: Needs(hailong.PermUnitsManage), Whole: true, Form: true, handler: (*Server).adminImportsShow},
		{Method: "POST", Path: "/admin/imports", Rule: Needs(hailong.PermUnitsManage), Whole: true, Form: true, handler: (*Server).adminImportsCreate},
		{Method: "GET", Path: "/comments", Rule: Needs(hailong.PermCommentsRead), Unit: true, Form: true, handler: (*Server).commentsShow},
		{Method: "GET", Path: "/api/v1/comments", Rule: Needs(hailong.PermCommentsRead), Unit: true, handler: (*Server).commentsList},
		{Method: "GET", Path: "/kiosks", Rule: Needs(hailong.PermKiosksRead), Unit: true, Form: true, handler: (*Server).kiosksShow},
		{Method: "GET", Path: "/public", Rule: Rule{Kind: Public}, Phone: true, handler: (*Server).publicShow},
		{Method: "GET", Path: "/admin/public", Rule: Needs(hailong.PermTargetsManage), Whole: true, Form: true, handler: (*Server).adminPublicShow},
		{Method: "POST", Path: "/admin/public", Rule: Needs(hailong.PermTargetsManage), Whole: true, Form: true, handler: (*Server).adminPublicUpdate},
		{Method: "GET", Path: "/admin/targets", Rule: Needs(hailong.PermTargetsManage), Whole: true, Form: true, handler: (*Server).adminTargetsShow},
		{Method: "POST", Path: "/admin/targets", Rule: Needs(hailong.PermTargetsManage), Whole: true, Form: true, handler: (*Server).adminTargetsUpdate},
		// Alerts: read with the measures, within the scope; acted on with
		// alerts.ack; their rules made with alerts.manage. /alerts/rules
		// comes before /alerts/:id, which would take it.
		{Method: "GET", Path: "/api/v1/alerts", Rule: measures, Unit: true, handler: (*Server).alertsList},
		{Method: "POST", Path: "/api/v1/alerts/:id/acknowledge", Rule: Needs(hailong.PermAlertsAck), handler: (*Server).alertsAcknowledge},
		{Method: "POST", Path: "/api/v1/alerts/:id/comment", Rule: Needs(hailong.PermAlertsAck), handler: (*Server).alertsComment},
		{Method: "POST", Path: "/api/v1/alerts/:id/close", Rule: Needs(hailong.PermAlertsAck), handler: (*Server).alertsClose},
		{Method: "GET", Path: "/api/v1/alert-rules", Rule: Needs(hailong.PermAlertsManage), handler: (*Server).alertRulesList},
		{Method: "POST", Path: "/api/v1/alert-rules", Rule: Needs(hailong.PermAlertsManage), handler: (*Server).alertRulesCreate},
		{Method: "PATCH", Path: "/api/v1/alert-rules/:id", Rule: Needs(hailong.PermAlertsManage), handler: (*Server).alertRulesUpdate},
		{Method: "DELETE", Path: "/api/v1/alert-rules/:id", Rule: Needs(hailong.PermAlertsManage), handler: (*Server).alertRulesDelete},
		{Method: "GET", Path: "/alerts", Rule: measures, Unit: true, Form: true, handler: (*Server).alertsShow},
		{Method: "GET", Path: "/alerts/rules", Rule: Needs(hailong.PermAlertsManage), Form: true, handler: (*Server).alertRulesShow},
		{Method: "POST", Path: "/alerts/rules", Rule: Needs(hailong.PermAlertsManage), Form: true, handler: (*Server).alertRulesSave},
		{Method: "POST", Path: "/alerts/:id", Rule: Needs(hailong.PermAlertsAck), Form: true, handler: (*Server).alertsUpdate},
		{Method: "GET", Path: "/api/v1/webhooks", Rule: hooks, handler: (*Server).webhooksList},
		{Method: "POST", Path: "/api/v1/webhooks", Rule: hooks, handler: (*Server).webhooksCreate},
		{Method: "PATCH", Path: "/api/v1/webhooks/:id", Rule: hooks, handler: (*Server).webhooksUpdate},
		{Method: "DELETE", Path: "/api/v1/webhooks/:id", Rule: hooks, handler: (*Server).webhooksDelete},
		{Method: "POST", Path: "/api/v1/webhooks/:id/test", Rule: hooks, handler: (*Server).webhooksTest},
		{Method: "GET", Path: "/api/v1/webhooks/:id/deliveries", Rule: hooks, handler: (*Server).webhookDeliveriesList},
		{Method: "GET", Path: "/api/v1/webhook-deliveries/dead", Rule: hooks, handler: (*Server).webhookDeadList},
		{Method: "POST", Path: "/api/v1/webhook-deliveries/:id/resend", Rule: hooks, handler: (*Server).webhookResend},
		{Method: "GET", Path: "/admin/webhooks", Rule: hooks, Form: true, handler: (*Server).adminWebhooksShow},
		{Method: "POST", Path: "/admin/webhooks", Rule: hooks, Form: true, handler: (*Server).adminWebhooksUpdate},
	}
}

// Routes returns the routes the server serves.
func (s *Server) Routes() []Route { return Routes() }

// routes registers every route of Routes behind its access rule, and
// answers 404 for anything else.
func (s *Server) routes() {
	s.phone = limiter.New(limiter.Config{
		Max: s.RateLimit, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return c.IP() }, // the proxy header only from trusted proxies
		LimitReached: func(c *fiber.Ctx) error {
			return s.phoneNotice(c, problem(hailong.ERATELIMITED, "busy", "Too many requests from this address; try again in a minute."))
		},
	})
	csrfCheck := csrf.New(csrf.Config{
		KeyLookup: "form:_csrf", CookieName: "hailong_csrf", CookieSameSite: "Lax", CookieHTTPOnly: true,
		CookieSecure: s.SecureCookies, Expiration: 2 * time.Hour, ContextKey: csrfKey,
		// Programs post JSON to the phone pages, which a browser cannot
		// send to another site without its consent; forms from browsers
		// carry the token. Sign-in and account forms take forms only.
		Next: func(c *fiber.Ctx) bool { return c.Is("json") && strings.HasPrefix(c.Path(), "/r/") },
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if strings.HasPrefix(c.Path(), "/r/") {
				return s.phoneNotice(c, problem(hailong.EFORBIDDEN, "stale", "The form has expired; open the link again."))
			}
			return s.staleForm(c)
		},
	})
	s.csrf = func(c *fiber.Ctx) error {
		// The CSRF check wants the Referer of a form sent over HTTPS,
		// which the site-wide no-referrer policy would withhold.
		c.Set("Referrer-Policy", "same-origin")
		return csrfCheck(c)
	}
	s.static = filesystem.New(filesystem.Config{Root: http.FS(assets.Sub(s.Assets, "aggregator")), MaxAge: 3600})
	for _, r := range Routes() {
		s.register(r)
	}
	s.app.Use(fiberapp.NotFound(s.app))
}

// register adds one route behind its access rule. A route without a valid
// rule is a programming error: the server refuses to start.
func (s *Server) register(r Route) {
	if !r.Rule.valid() || r.handler == nil {
		panic(fmt.Sprintf("route %s %s has no valid access rule", r.Method, r.Path))
	}
	chain := []fiber.Handler{}
	if r.Phone {
		chain = append(chain, s.phone)
	}
	if r.Form {
		chain = append(chain, s.csrf)
	}
	handler := func(c *fiber.Ctx) error { return r.handler(s, c) }
	guard := s.guard(r)
	if r.Form && r.Method == fiber.MethodGet && !strings.HasPrefix(r.Path, "/api/") {
		handler = func(c *fiber.Ctx) error { return s.pageErrors(c, r.handler(s, c)) }
		// The rule's own refusal (a permission the reader lacks) is a
		// page in the page's language too, not the server's bare one.
		g := guard
		guard = func(c *fiber.Ctx) error { return s.pageErrors(c, g(c)) }
	}
	chain = append(chain, guard)
	if r.Form && r.Method == fiber.MethodPost && !r.Phone && !r.OwnText && r.Page() {
		chain = append(chain, s.formText)
	}
	chain = append(chain, handler)
	if r.Method == fiber.MethodGet { // as app.Get does: HEAD answers like GET, under the same rule
		s.app.Add(fiber.MethodHead, r.Path, chain...)
	}
	s.app.Add(r.Method, r.Path, chain...)
}

// staticShow serves the embedded styles.
func (s *Server) staticShow(c *fiber.Ctx) error { return s.static(c) }

// App returns the Fiber application.
func (s *Server) App() *fiber.App { return s.app }
