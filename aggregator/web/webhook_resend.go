package web

import "github.com/gofiber/fiber/v2"

// webhookResend answers POST /api/v1/webhook-deliveries/:id/resend: the
// dead letter is queued again, its attempts counted afresh.
func (s *Server) webhookResend(c *fiber.Ctx) error {
	if err := notFromForm(c, fiber.MIMEApplicationJSON); err != nil {
		return err
	}
	if err := s.resendDead(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}
