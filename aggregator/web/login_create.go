package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// loginCreate signs a person in: a session cookie and back to where they
// were going. A refusal says the same whether the account exists or not;
// the access service throttles per account and per address, and records
// every attempt in the audit log.
func (s *Server) loginCreate(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	username := c.FormValue("username")
	page := accountPage{Next: next, Username: username}
	if s.Access == nil {
		page.Error = "failed"
		return s.accountRender(c, fiber.StatusUnauthorized, "login.html", page)
	}
	if key := badText(c, "username", "password"); key != "" {
		if key == "text_username" {
			page.Username = "" // not typed back: the browser would keep it
		}
		page.Error = key
		return s.accountRender(c, fiber.StatusBadRequest, "login.html", page)
	}
	tok, _, err := s.Access.Login(c.UserContext(), username, c.FormValue("password"), c.IP())
	switch code := hailong.ErrorCode(err); code {
	case "":
	case hailong.EUNAUTHORIZED, hailong.ERATELIMITED, hailong.EINVALID:
		page.Error = "failed"
		status := fiber.StatusUnauthorized
		if code == hailong.ERATELIMITED {
			page.Error, status = "throttled", fiber.StatusTooManyRequests
		}
		return s.accountRender(c, status, "login.html", page)
	default:
		return err
	}
	s.setSession(c, tok)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// badText returns the words' key saying which of the form's fields holds
// text that hailong.CheckText refuses ("text_username" or
// "text_password", any other field being a password), or "". A sign-in
// or password form says so on itself, naming no character of a password.
func badText(c *fiber.Ctx, fields ...string) string {
	for _, f := range fields {
		if hailong.CheckText(c.FormValue(f)) != nil {
			if f == "username" {
				return "text_username"
			}
			return "text_password"
		}
	}
	return ""
}
