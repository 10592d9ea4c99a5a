package web

import (
	"github.com/gofiber/fiber/v2"
)

// adminTargetsShow renders /admin/targets: the targets as a form.
func (s *Server) adminTargetsShow(c *fiber.Ctx) error {
	return s.fleetRender(c, fiber.StatusOK, "fleet_targets.html", fleetPage{Targets: targetRows(s.targetList())})
}
