package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// passwordUpdate changes the signed-in person's password. The access
// service ends their sessions; the browser gets the fresh one.
func (s *Server) passwordUpdate(c *fiber.Ctx) error {
	p := principalOf(c)
	page := accountPage{Username: p.Username}
	if c.FormValue("new") != c.FormValue("new2") {
		page.Error = "mismatch"
		return s.accountRender(c, fiber.StatusBadRequest, "password.html", page)
	}
	tok, err := s.Access.ChangePassword(c.UserContext(), p, c.FormValue("old"), c.FormValue("new"), c.IP())
	switch code := hailong.ErrorCode(err); code {
	case "":
	case hailong.EUNAUTHORIZED, hailong.EINVALID, hailong.ERATELIMITED:
		s.record(c, p.Username, "password", p.Username, code, false)
		status := fiberapp.Status(code)
		switch code {
		case hailong.EUNAUTHORIZED:
			// The session is good (the route's rule passed): the current
			// password was wrong. 400, so that no client takes it for a
			// lost session.
			page.Error, status = "wrong_old", fiber.StatusBadRequest
		case hailong.ERATELIMITED:
			page.Error = "throttled"
		default:
			page.Error = "weak"
			for _, f := range hailong.ErrorFields(err) {
				page.Details = append(page.Details, f.Message)
			}
			if len(page.Details) == 0 {
				page.Details = []string{hailong.ErrorMessage(err)}
			}
		}
		return s.accountRender(c, status, "password.html", page)
	default:
		return err
	}
	s.record(c, p.Username, "password", p.Username, "", true)
	s.setSession(c, tok)
	page.Notice = "changed"
	return s.accountRender(c, fiber.StatusOK, "password.html", page)
}
