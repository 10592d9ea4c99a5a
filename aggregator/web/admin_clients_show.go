package web

import (
	"github.com/gofiber/fiber/v2"
)

// adminClientsShow renders /admin/clients: the enrolment form and the
// one-stop clients of the principal's scope.
func (s *Server) adminClientsShow(c *fiber.Ctx) error {
	return s.adminClientsRender(c, fiber.StatusOK, fleetPage{})
}

func (s *Server) adminClientsRender(c *fiber.Ctx, status int, p fleetPage) error {
	list, err := s.clientsInScope(c)
	if err != nil {
		return err
	}
	p.Clients = list
	p.Units = s.unitsFor(c, c.FormValue("unit"))
	return s.fleetRender(c, status, "fleet_clients.html", p)
}
