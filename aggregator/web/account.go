package web

import (
	"cmp"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// accountPage is what the sign-in, password and notice pages show.
type accountPage struct {
	Frame
	Next string
	// Error and Notice are keys into T; Details are the service's own
	// words about a refused password.
	Error, Notice string
	Details       []string
	Username      string
	// Back is where a notice page's link leads.
	Back string
	// SSO is the address of the single sign-on button, empty when
	// single sign-on is not configured.
	SSO string
	// InLang is the page's language when it is not the request's (a
	// sign-in with the province account answers in the language it began
	// in); LangPath is where the language switch leads, empty this page.
	InLang, LangPath string
}

// accountTitles are the title keys of the account pages; a notice page is
// titled by its notice.
var accountTitles = map[string]string{"login.html": "login", "password.html": "change"}

// pageLang is the language a page is asked in: Vietnamese unless English
// is asked for.
func pageLang(c *fiber.Ctx) string {
	if c.Query("lang", c.FormValue("lang")) == "en" {
		return "en"
	}
	return "vi"
}

// accountRender renders a sign-in, password or notice page in the frame.
// The sign-in page has no reader yet, so no navigation.
func (s *Server) accountRender(c *fiber.Ctx, status int, name string, p accountPage) error {
	p.Frame = s.frame(c, "", "")
	if p.InLang != "" {
		p.Lang = p.InLang
	}
	p.T, p.Class = areaWords(p.Lang, "account"), "account"
	p.Title = p.T[cmp.Or(accountTitles[name], p.Notice)]
	if s.SSO != nil {
		p.SSO = ssoStartPath(p.Next, p.Lang)
	}
	// The switch keeps where the reader goes after signing in, and
	// nothing else of this address.
	other := url.Values{"lang": {"en"}}
	if p.Lang == "en" {
		other.Set("lang", "vi")
	}
	if p.Next != "" && p.Next != "/" {
		other.Set("next", p.Next)
	}
	p.OtherLang = p.LangPath + "?" + other.Encode()
	return s.render(c, status, name, p)
}

// staleForm answers a form sent without a valid CSRF token: 403, and a
// link back to a fresh form.
func (s *Server) staleForm(c *fiber.Ctx) error {
	back := "/"
	switch c.Path() {
	case "/login":
		back = loginPath(c.FormValue("next"))
	case "/account/password":
		back = "/account/password"
	case "/account/email":
		back = "/account/subscriptions"
	default:
		for _, page := range []string{"/admin/users", "/account/tokens", "/account/subscriptions", "/alerts", "/alerts/rules"} { // the longest match wins
			if strings.HasPrefix(c.Path(), page) {
				back = page
			}
		}
	}
	return s.accountRender(c, fiber.StatusForbidden, "notice.html", accountPage{Notice: "stale", Back: back})
}

// setSession gives the browser its session cookie, or takes it away when
// tok is empty.
func (s *Server) setSession(c *fiber.Ctx, tok string) {
	ck := &fiber.Cookie{Name: SessionCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode}
	if tok == "" {
		ck.Expires, ck.MaxAge = time.Unix(0, 0), -1
	} else {
		ck.Expires, ck.MaxAge = s.Now().Add(s.SessionLifetime), int(s.SessionLifetime/time.Second)
	}
	c.Cookie(ck)
}

// auditName is a name as typed on the login page, fit for the audit log.
func auditName(v string) string {
	v = strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
	if hailong.CheckText(v) != nil {
		v = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '?'
			}
			return r
		}, v)
	}
	if r := []rune(v); len(r) > 64 {
		v = string(r[:64]) + "…"
	}
	return v
}
