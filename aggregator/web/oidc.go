package web

import (
	"context"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/oidc"
)

// SingleSignOn runs the OpenID Connect flow with the province's identity
// provider (aggregator/oidc). It only proves who a person is: the account,
// its role and its scope are the aggregator's own.
type SingleSignOn interface {
	// Begin returns the provider's address to send the browser to and
	// the state it must bring back.
	Begin(ctx context.Context, f oidc.Flow) (authURL, state string, err error)
	// Finish takes the provider's answer for a state Begin gave (once)
	// and returns the name of the local account; EUNAUTHORIZED if the
	// answer is not good.
	Finish(ctx context.Context, state, code string) (username string, f oidc.Flow, err error)
	// Abandon ends a sign-in the provider refused.
	Abandon(state string) (oidc.Flow, bool)
	// FlowTTL is how long a sign-in may stay under way.
	FlowTTL() time.Duration
}

// oidcCookie binds a sign-in under way to the browser that started it:
// it carries the state, which the provider's answer must repeat.
const oidcCookie = "hailong_oidc"

// setFlowCookie gives the browser the state of its sign-in, or takes it
// away when state is empty. Lax, so that the provider's redirect back (a
// top-level GET from another site) carries it; only for the callback.
func (s *Server) setFlowCookie(c *fiber.Ctx, state string) {
	ck := &fiber.Cookie{Name: oidcCookie, Value: state, Path: "/auth/oidc/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode}
	if state == "" {
		ck.Expires, ck.MaxAge = time.Unix(0, 0), -1
	} else {
		ttl := s.SSO.FlowTTL()
		ck.Expires, ck.MaxAge = s.Now().Add(ttl), int(ttl/time.Second)
	}
	c.Cookie(ck)
}

// ssoStartPath is the address of the button on the sign-in page.
func ssoStartPath(next, lang string) string {
	v := url.Values{}
	if next = safeNext(next); next != "/" {
		v.Set("next", next)
	}
	if lang == "en" {
		v.Set("lang", "en")
	}
	if len(v) == 0 {
		return oidc.StartPath
	}
	return oidc.StartPath + "?" + v.Encode()
}

// ssoRefuse answers a sign-in with the province account that did not
// succeed: the sign-in page again, with one message whatever the cause,
// in the language the sign-in began in.
func (s *Server) ssoRefuse(c *fiber.Ctx, status int, f oidc.Flow, key string) error {
	// The language switch leads to the sign-in page: this address is
	// the provider's answer, good once.
	return s.accountRender(c, status, "login.html", accountPage{InLang: f.Lang, Next: safeNext(f.Next), Error: key, LangPath: "/login"})
}
