package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// subscriptionRequest is the body of POST /api/v1/subscriptions.
type subscriptionRequest struct {
	Unit string                   `json:"unit"`
	Kind hailong.SubscriptionKind `json:"kind"`
	// Lang is the emails' language, vi (the default) or en.
	Lang string `json:"lang"`
}

// apiSubscriptionsList answers GET /api/v1/subscriptions: the caller's
// own subscriptions.
func (s *Server) apiSubscriptionsList(c *fiber.Ctx) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	list := subs.Of(principalOf(c).Username)
	if list == nil {
		list = []hailong.Subscription{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"subscriptions": list, "email_enabled": s.MailEnabled})
}

// apiSubscriptionsCreate answers POST /api/v1/subscriptions: a unit in the
// caller's scope subscribed to its alerts or a report.
func (s *Server) apiSubscriptionsCreate(c *fiber.Ctx) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	var req subscriptionRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	sub, err := subs.Add(actx(c), principalOf(c), req.Unit, req.Kind, req.Lang)
	if err != nil {
		return err
	}
	c.Location("/api/v1/subscriptions/" + sub.ID)
	return c.Status(fiber.StatusCreated).JSON(sub)
}

// apiSubscriptionsDelete answers DELETE /api/v1/subscriptions/:id.
func (s *Server) apiSubscriptionsDelete(c *fiber.Ctx) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	if err := subs.Remove(actx(c), principalOf(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
