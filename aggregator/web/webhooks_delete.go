package web

import "github.com/gofiber/fiber/v2"

// webhooksDelete answers DELETE /api/v1/webhooks/:id: the subscription,
// what is queued for it, its dead letters and its log go.
func (s *Server) webhooksDelete(c *fiber.Ctx) error {
	if err := s.deleteWebhook(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
