package web

import "github.com/gofiber/fiber/v2"

// alertsClose answers POST /api/v1/alerts/:id/close: the alert of the
// principal's scope is closed, and its rule may fire again for its unit.
func (s *Server) alertsClose(c *fiber.Ctx) error {
	if err := noBody(c); err != nil {
		return err
	}
	a, err := s.alertAct(c, c.Params("id"), actionAlertClose, "")
	if err != nil {
		return err
	}
	return c.JSON(a)
}
