package web

import (
	"github.com/gofiber/fiber/v2"
)

// adminShow renders /admin: links to what the signed-in person may
// administer, each shown only with its permission.
func (s *Server) adminShow(c *fiber.Ctx) error {
	return s.adminRender(c, fiber.StatusOK, "admin.html", adminPage{Links: s.fleetLinks(c)})
}
