package web

import (
	"github.com/gofiber/fiber/v2"
)

// logoutCreate ends the session and takes its cookie away; the access
// service records it in the audit log.
func (s *Server) logoutCreate(c *fiber.Ctx) error {
	if err := s.Access.Logout(c.UserContext(), c.Cookies(SessionCookie)); err != nil {
		return err
	}
	s.setSession(c, "")
	return c.Redirect("/login", fiber.StatusSeeOther)
}
