package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
)

// webhooksCreate answers POST /api/v1/webhooks: a subscription for a unit
// in the principal's scope, its secret shown this once.
func (s *Server) webhooksCreate(c *fiber.Ctx) error {
	var req webhookRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	sub, err := s.createWebhook(c, req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(webhookCreated{Subscription: sub, Secret: sub.Secret})
}
