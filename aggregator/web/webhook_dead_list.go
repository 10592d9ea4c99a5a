package web

import "github.com/gofiber/fiber/v2"

// webhookDeadList answers GET /api/v1/webhook-deliveries/dead: the dead
// letters of the scope's subscriptions, newest first.
func (s *Server) webhookDeadList(c *fiber.Ctx) error {
	list, err := s.deadInScope(c)
	if err != nil {
		return err
	}
	return c.JSON(list)
}
