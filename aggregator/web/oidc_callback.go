package web

import (
	"crypto/subtle"
	"errors"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/oidc"
)

// oidcCallback takes the provider's answer: the state must be the one in
// this browser's cookie and still under way (each is good once), the code
// is exchanged and the ID token verified (aggregator/oidc), and the
// account the configured claim names must exist here and be enabled. The
// session is then the one a password gives. Every refusal shows the same
// page, and goes to the audit log.
func (s *Server) oidcCallback(c *fiber.Ctx) error {
	if s.SSO == nil {
		return hailong.Errorf(hailong.ENOTFOUND, "Single sign-on is not configured.")
	}
	state, cookie := c.Query("state"), c.Cookies(oidcCookie)
	s.setFlowCookie(c, "") // good once, whatever follows
	bound := cookie != "" && subtle.ConstantTimeCompare([]byte(cookie), []byte(state)) == 1
	f := oidc.Flow{Lang: pageLang(c)}
	if e := c.Query("error"); e != "" {
		if bound {
			if got, ok := s.SSO.Abandon(state); ok {
				f = got
			}
		}
		s.record(c, "", access.ActionLoginExternal, "", "provider: "+auditName(e), false)
		key := "sso_error"
		if e == "access_denied" {
			key = "sso_denied"
		}
		return s.ssoRefuse(c, fiber.StatusUnauthorized, f, key)
	}
	if !bound {
		s.record(c, "", access.ActionLoginExternal, "", "the state does not match this browser's sign-in", false)
		return s.ssoRefuse(c, fiber.StatusUnauthorized, f, "sso_failed")
	}
	name, got, err := s.SSO.Finish(c.UserContext(), state, c.Query("code"))
	if got.Lang != "" {
		f = got
	}
	switch hailong.ErrorCode(err) {
	case "":
	case hailong.EUNAUTHORIZED:
		detail := "refused"
		var he *hailong.Error
		if errors.As(err, &he) && he.Err != nil {
			detail = he.Err.Error()
		}
		s.record(c, "", access.ActionLoginExternal, "", auditName(detail), false)
		return s.ssoRefuse(c, fiber.StatusUnauthorized, f, "sso_failed")
	case hailong.EUNAVAILABLE:
		return s.ssoRefuse(c, fiber.StatusServiceUnavailable, f, "sso_unavailable")
	default:
		return err
	}
	if s.Access == nil {
		return s.ssoRefuse(c, fiber.StatusUnauthorized, f, "sso_failed")
	}
	// LoginExternal records the outcome in the audit log itself.
	tok, _, err := s.Access.LoginExternal(c.UserContext(), name, c.IP())
	switch hailong.ErrorCode(err) {
	case "":
	case hailong.EUNAUTHORIZED:
		return s.ssoRefuse(c, fiber.StatusUnauthorized, f, "sso_failed")
	default:
		return err
	}
	s.setSession(c, tok)
	return c.Redirect(safeNext(f.Next), fiber.StatusSeeOther)
}
