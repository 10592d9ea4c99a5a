package web

import (
	"github.com/gofiber/fiber/v2"
)

// passwordShow renders the form to change one's password.
func (s *Server) passwordShow(c *fiber.Ctx) error {
	return s.accountRender(c, fiber.StatusOK, "password.html", accountPage{Username: principalOf(c).Username})
}
