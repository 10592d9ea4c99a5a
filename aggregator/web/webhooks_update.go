package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/webhooks"
	"hailong/fiberapp"
)

// webhooksUpdate answers PATCH /api/v1/webhooks/:id: changes the fields
// given (url, events, unit, description, enabled).
func (s *Server) webhooksUpdate(c *fiber.Ctx) error {
	var ch webhooks.Change
	if err := fiberapp.DecodeJSON(c, &ch); err != nil {
		return err
	}
	sub, err := s.updateWebhook(c, c.Params("id"), ch)
	if err != nil {
		return err
	}
	return c.JSON(sub)
}
