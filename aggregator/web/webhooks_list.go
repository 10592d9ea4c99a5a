package web

import "github.com/gofiber/fiber/v2"

// webhooksList answers GET /api/v1/webhooks: the subscriptions of units in
// the principal's scope, never their secrets.
func (s *Server) webhooksList(c *fiber.Ctx) error {
	list, err := s.webhooksInScope(c)
	if err != nil {
		return err
	}
	return c.JSON(list)
}
