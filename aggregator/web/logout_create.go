package web

import (
	"github.com/gofiber/fiber/v2"
)

// logoutCreate ends the session and takes its cookie away.
func (s *Server) logoutCreate(c *fiber.Ctx) error {
	p := principalOf(c)
	if err := s.Access.Logout(c.UserContext(), c.Cookies(SessionCookie)); err != nil {
		return err
	}
	s.record(c, p.Username, "logout", "", "", true)
	s.setSession(c, "")
	return c.Redirect("/login", fiber.StatusSeeOther)
}
