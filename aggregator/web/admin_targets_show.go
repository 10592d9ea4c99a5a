package web

import (
	"github.com/gofiber/fiber/v2"
)

// adminTargetsShow renders /admin/targets: the targets as a form.
func (s *Server) adminTargetsShow(c *fiber.Ctx) error {
	return s.adminRender(c, fiber.StatusOK, "admin_targets.html", adminPage{Targets: targetRows(s.targetList())})
}
