package web

import (
	"github.com/gofiber/fiber/v2"
)

// loginShow renders the sign-in form.
func (s *Server) loginShow(c *fiber.Ctx) error {
	return s.accountRender(c, fiber.StatusOK, "login.html", accountPage{Next: safeNext(c.Query("next"))})
}
