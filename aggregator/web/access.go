package web

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// Access is what the server needs of the access service
// (aggregator/access): sign-in, sessions, API tokens, the scope check and
// the audit log. Sessions and tokens are checked from memory, so that a
// request pays no database read for its principal.
type Access interface {
	// Login checks a password and opens a session. A failure is
	// EUNAUTHORIZED whatever its cause, or ERATELIMITED when throttled.
	Login(ctx context.Context, username, password, addr string) (session string, p *hailong.Principal, err error)
	// LoginExternal opens a session for an existing, enabled account
	// whose identity the province's provider proved (single sign-on);
	// EUNAUTHORIZED otherwise, recorded in the audit log.
	LoginExternal(ctx context.Context, username, addr string) (session string, p *hailong.Principal, err error)
	// Session returns the principal of a session token, EUNAUTHORIZED
	// when it is unknown, ended or expired.
	Session(ctx context.Context, session string) (*hailong.Principal, error)
	Logout(ctx context.Context, session string) error
	// ChangePassword sets a new password; every session of the user ends
	// and a fresh one is returned.
	ChangePassword(ctx context.Context, p *hailong.Principal, old, new, addr string) (session string, err error)
	// Bearer returns the principal of an Authorization header carrying an
	// API token, EUNAUTHORIZED when it is not a valid one.
	Bearer(ctx context.Context, authorization string) (*hailong.Principal, error)
	CreateToken(ctx context.Context, actor *hailong.Principal, owner, name, scope string, perms []hailong.Permission, expires time.Time) (secret string, t Token, err error)
	RevokeToken(ctx context.Context, actor *hailong.Principal, id string) error
	Tokens(ctx context.Context, actor *hailong.Principal, owner string) ([]Token, error)
	// InScope reports whether unit lies in the principal's scope, in the
	// structure in force on asOf: the one scope check.
	InScope(p *hailong.Principal, unit string, asOf hailong.Date) bool
	// Record appends an event to the audit log.
	Record(ctx context.Context, e Event)
}

// AccessKind says what a route asks of its caller.
type AccessKind string

// Kinds of access rule.
const (
	// Public routes need no credential.
	Public AccessKind = "public"
	// KioskCredential routes need a kiosk's credential.
	KioskCredential AccessKind = "kiosk"
	// ClientCredential routes need a one-stop client's credential.
	ClientCredential AccessKind = "client"
	// Permission routes need a principal (session or API token) holding
	// the rule's permission.
	Permission AccessKind = "permission"
	// Account routes need a person signed in with a session, whatever
	// their role: signing out and changing one's own password. An API
	// token cannot use them.
	Account AccessKind = "account"
)

// Rule is the access rule of one route.
type Rule struct {
	Kind       AccessKind
	Permission hailong.Permission // for Kind Permission
}

// Needs is the rule of a route that needs the permission p.
func Needs(p hailong.Permission) Rule { return Rule{Kind: Permission, Permission: p} }

func (r Rule) valid() bool {
	switch r.Kind {
	case Public, KioskCredential, ClientCredential, Account:
		return r.Permission == ""
	case Permission:
		return r.Permission != ""
	}
	return false
}

// audited reports whether a refusal on a route with this rule goes to the
// audit log: administration and exports.
func (r Rule) audited() bool {
	switch r.Permission {
	case "", hailong.PermMeasuresRead, hailong.PermKiosksRead, hailong.PermCommentsRead, hailong.PermTokensOwn, hailong.PermAlertsAck:
		return false
	}
	return true
}

// Route is one route of the aggregator with its access rule.
type Route struct {
	Method, Path string
	Rule         Rule
	// Unit: the route takes a unit (query parameter unit) and answers
	// only within the principal's scope.
	Unit bool
	// Form: the route renders or takes a form, so it passes through the
	// CSRF check.
	Form bool
	// Province: a read of a whole province (the national pull of its
	// months), allowed only to principals whose scope is a top-level unit.
	Province bool
	// Whole: an act on everything this aggregator serves (unit and
	// procedure imports, the targets, the public page's switch), allowed
	// only to principals whose scope is all of it (wholeInstallation).
	Whole bool
	// Phone: a citizen's phone page, rate-limited per address.
	Phone bool
	// OwnText: the handler checks its form's text itself and says so on
	// its own form (sign-in, password), which formText's refusal page
	// would leave; the others are behind formText.
	OwnText bool
	handler func(*Server, *fiber.Ctx) error
}

// Page reports whether the route answers browsers with pages, which send
// a caller without credentials to the login page, rather than with
// problem+json.
func (r Route) Page() bool { return !strings.HasPrefix(r.Path, "/api/") }

// SessionCookie names the cookie that carries a person's session.
const SessionCookie = "hailong_session"

// Locals keys.
const (
	principalKey = "principal"
	kioskKey     = "kiosk"
)

// principalOf returns the principal a request authenticated as on a
// route of a Permission or Account rule, nil on other routes. It is set
// before the rule is applied, so that a refusal's page can say who is
// signed in: a request the rule refused has one too, and never reaches
// a handler.
func principalOf(c *fiber.Ctx) *hailong.Principal {
	p, _ := c.Locals(principalKey).(*hailong.Principal)
	return p
}

// credentialOf returns the kiosk or client that passed a KioskCredential or
// ClientCredential rule.
func credentialOf(c *fiber.Ctx) hailong.Enrolment {
	k, _ := c.Locals(kioskKey).(hailong.Enrolment)
	return k
}

// guard enforces a route's rule: the one place every request's credential
// is checked. A Bearer header is tried first, else the session cookie; a
// header that is not a valid credential is refused, not passed over for
// the cookie.
func (s *Server) guard(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		switch r.Rule.Kind {
		case Public:
			return c.Next()
		case KioskCredential, ClientCredential:
			auth := s.Kiosks
			if r.Rule.Kind == ClientCredential {
				auth = s.Clients
			}
			k, err := auth.Authenticate(c.UserContext(), c.Get(fiber.HeaderAuthorization))
			if err != nil {
				if hailong.ErrorCode(err) == hailong.EUNAUTHORIZED {
					c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hailong"`)
				}
				return err
			}
			c.Locals(kioskKey, k)
			return c.Next()
		}
		p, err := s.principal(c)
		if err != nil {
			if hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
				return err
			}
			if r.Page() {
				// Back to the page after signing in; a form sent is not
				// sent again. Always with next, so that a program can
				// tell this redirect from the one after signing out.
				next := "/"
				if c.Method() == fiber.MethodGet {
					next = safeNext(c.OriginalURL())
				}
				return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
			}
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hailong"`)
			return err
		}
		// Known before the rule is applied, so that a page refusing the
		// reader still shows who is signed in, and how to sign out.
		c.Locals(principalKey, p)
		switch {
		case r.Rule.Kind == Account && p.Via != "session":
			return s.forbid(c, r, p, "Only a person signed in on the login page may do this, not an API token.")
		case r.Rule.Kind == Permission && !p.Can(r.Rule.Permission):
			return s.forbid(c, r, p, "This needs the permission %s.", r.Rule.Permission)
		case r.Province && !s.provinceWide(p):
			return s.forbid(c, r, p, "This applies to the whole province: only a user whose scope is the province may do it.")
		case r.Whole && !s.wholeInstallation(p):
			return s.forbid(c, r, p, "This applies to every unit this aggregator serves: only a user whose scope is all of them may do it. "+
				"Where one aggregator serves several provinces, no province's user may; use the command line.")
		case p.Via == "session" && !r.Page() && forgeable(c):
			return hailong.Errorf(hailong.EUNSUPPORTED, "With a session cookie, send the body as application/json (or text/csv to an import), or use the pages, whose forms carry a CSRF token.")
		}
		return c.Next()
	}
}

// forgeable reports whether a request that changes something could have
// been sent by another site's page with the browser's cookie: one with no
// body type or a type an HTML form or a plain fetch may send without asking
// the server first (a POST of a CORS "simple" type). The API's JSON and CSV bodies
// cannot be, so a session cookie alone never carries a forged change; the
// pages' forms carry a CSRF token instead.
func forgeable(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false // other methods than these need the server's consent (CORS preflight)
	}
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	switch mt {
	case "", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// principal resolves who a request acts for: an API token in the
// Authorization header, else a session cookie.
func (s *Server) principal(c *fiber.Ctx) (*hailong.Principal, error) {
	if s.Access == nil {
		return nil, hailong.Errorf(hailong.EUNAUTHORIZED, "Sign in first.")
	}
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		return s.Access.Bearer(c.UserContext(), h)
	}
	if tok := c.Cookies(SessionCookie); tok != "" {
		return s.Access.Session(c.UserContext(), tok)
	}
	return nil, hailong.Errorf(hailong.EUNAUTHORIZED, "Sign in, or send an API token as Authorization: Bearer <token>.")
}

// forbid refuses a principal, recording refusals of administration and
// exports in the audit log.
func (s *Server) forbid(c *fiber.Ctx, r Route, p *hailong.Principal, format string, args ...any) error {
	err := hailong.Errorf(hailong.EFORBIDDEN, format, args...)
	if r.Rule.audited() {
		s.record(c, p.Username, "forbidden", c.Method()+" "+c.Path(), hailong.ErrorMessage(err), false)
	}
	return err
}

// record appends an event to the audit log.
func (s *Server) record(c *fiber.Ctx, actor, action, target, detail string, ok bool) {
	if s.Access == nil {
		return
	}
	s.Access.Record(c.UserContext(), Event{At: s.Now().UTC(), Actor: actor, Action: action, Target: target, Detail: detail, Addr: c.IP(), OK: ok})
}

// inScope checks a unit a request asks for against its principal's scope,
// in the structure in force on asOf: every handler taking a unit goes
// through it (the measures' shared parser, the dashboard, the fleet). No
// unit means the principal's scope. A unit that does not exist on asOf is
// 404, as it is for anyone: the units are public.
func (s *Server) inScope(c *fiber.Ctx, unit string, asOf hailong.Date) (string, error) {
	p := principalOf(c)
	if p == nil {
		return "", hailong.Errorf(hailong.EUNAUTHORIZED, "Sign in first.")
	}
	if unit == "" {
		unit = p.Scope
	}
	if _, err := s.Units().Subtree(unit, asOf); hailong.ErrorCode(err) == hailong.ENOTFOUND {
		return "", err
	}
	if !s.unitInScope(p, unit, asOf) {
		return "", hailong.Errorf(hailong.EFORBIDDEN, "The unit %s is outside your scope.", unit)
	}
	return unit, nil
}

// unitInScope is the access service's scope check (Access.InScope): a
// unit in the scope's subtree on asOf, or of an older structure everything
// under which rolls up into the scope today.
func (s *Server) unitInScope(p *hailong.Principal, unit string, asOf hailong.Date) bool {
	return p != nil && s.Access.InScope(p, unit, asOf)
}

// scopeFilter returns what reports whether a unit is in the request's
// scope on asOf.
func (s *Server) scopeFilter(c *fiber.Ctx, asOf hailong.Date) func(unit string) bool {
	p := principalOf(c)
	return func(unit string) bool { return s.unitInScope(p, unit, asOf) }
}

// loginPath is the login page sending back to next afterwards.
func loginPath(next string) string {
	if next = safeNext(next); next == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// safeNext keeps a path to return to after signing in only when it is a
// path of this site: never another host (//evil, /\evil, https://…), so
// that the login page cannot be made to send someone elsewhere.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2000 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path == "/login" {
		return "/"
	}
	return next
}
