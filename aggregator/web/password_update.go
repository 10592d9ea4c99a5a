package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// passwordUpdate changes the signed-in person's password. The access
// service ends their sessions and records the change; the browser gets the
// fresh session.
func (s *Server) passwordUpdate(c *fiber.Ctx) error {
	p := principalOf(c)
	page := accountPage{Username: p.Username}
	if key := badText(c, "old", "new", "new2"); key != "" {
		page.Error = key
		return s.accountRender(c, fiber.StatusBadRequest, "password.html", page)
	}
	if c.FormValue("new") != c.FormValue("new2") {
		page.Error = "mismatch"
		return s.accountRender(c, fiber.StatusBadRequest, "password.html", page)
	}
	tok, err := s.Access.ChangePassword(c.UserContext(), p, c.FormValue("old"), c.FormValue("new"), c.IP())
	switch code := hailong.ErrorCode(err); code {
	case "":
	case hailong.EINVALID, hailong.ERATELIMITED:
		status := fiberapp.Status(code)
		switch fields := hailong.ErrorFields(err); {
		case len(fields) == 1 && fields[0].Field == "old":
			page.Error = "wrong_old"
		case code == hailong.ERATELIMITED:
			page.Error = "throttled"
		default:
			page.Error = "weak"
			for _, f := range hailong.ErrorFields(err) {
				page.Details = append(page.Details, fieldSaidIn(pageLang(c), f))
			}
			if len(page.Details) == 0 {
				page.Details = []string{errorSaidIn(pageLang(c), err)}
			}
		}
		return s.accountRender(c, status, "password.html", page)
	default:
		return err
	}
	s.setSession(c, tok)
	page.Notice = "changed"
	return s.accountRender(c, fiber.StatusOK, "password.html", page)
}
