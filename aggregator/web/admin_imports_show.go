package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminImportsShow renders /admin/imports: the upload forms for units and
// procedures (a province-wide act, as the route says).
func (s *Server) adminImportsShow(c *fiber.Ctx) error {
	return s.adminImportsRender(c, fiber.StatusOK, fleetPage{})
}

func (s *Server) adminImportsRender(c *fiber.Ctx, status int, p fleetPage) error {
	pr := principalOf(c)
	p.CanUnits, p.CanProcedures = pr.Can(hailong.PermUnitsManage), pr.Can(hailong.PermProceduresManage)
	return s.fleetRender(c, status, "fleet_imports.html", p)
}
