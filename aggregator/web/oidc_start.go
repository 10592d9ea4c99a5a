package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/oidc"
)

// oidcStart sends the browser to the province's identity provider, with
// the state (also in a cookie of this browser), a nonce and a PKCE
// challenge that the sign-in keeps server-side.
func (s *Server) oidcStart(c *fiber.Ctx) error {
	if s.SSO == nil {
		return hailong.Errorf(hailong.ENOTFOUND, "Single sign-on is not configured.")
	}
	f := oidc.Flow{Next: safeNext(c.Query("next")), Lang: pageLang(c)}
	u, state, err := s.SSO.Begin(c.UserContext(), f)
	if hailong.ErrorCode(err) == hailong.EUNAVAILABLE {
		return s.ssoRefuse(c, fiber.StatusServiceUnavailable, f, "sso_unavailable")
	} else if err != nil {
		return err
	}
	s.setFlowCookie(c, state)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(u, fiber.StatusSeeOther)
}
