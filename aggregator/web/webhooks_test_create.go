package web

import (
	"github.com/gofiber/fiber/v2"
)

// webhooksTest answers POST /api/v1/webhooks/:id/test: queues a ping event
// for the subscription alone; its outcome shows in the delivery log.
func (s *Server) webhooksTest(c *fiber.Ctx) error {
	if err := notFromForm(c, fiber.MIMEApplicationJSON); err != nil {
		return err
	}
	delivery, err := s.pingWebhook(c, c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"delivery": delivery})
}
