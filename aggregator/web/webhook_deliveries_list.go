package web

import "github.com/gofiber/fiber/v2"

// webhookDeliveriesList answers GET /api/v1/webhooks/:id/deliveries: the
// subscription's delivery log, newest first.
func (s *Server) webhookDeliveriesList(c *fiber.Ctx) error {
	h, _, err := s.webhookInScope(c, c.Params("id"))
	if err != nil {
		return err
	}
	log, err := h.Log(c.Params("id"))
	if err != nil {
		return err
	}
	if log == nil {
		return c.JSON([]any{})
	}
	return c.JSON(log)
}
