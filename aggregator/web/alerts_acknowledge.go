package web

import "github.com/gofiber/fiber/v2"

// alertsAcknowledge answers POST /api/v1/alerts/:id/acknowledge: the
// principal takes on an open alert of its scope.
func (s *Server) alertsAcknowledge(c *fiber.Ctx) error {
	if err := noBody(c); err != nil {
		return err
	}
	a, err := s.alertAct(c, c.Params("id"), actionAlertAcknowledge, "")
	if err != nil {
		return err
	}
	return c.JSON(a)
}
