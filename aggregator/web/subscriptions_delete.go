package web

import (
	"github.com/gofiber/fiber/v2"
)

// subscriptionsDelete ends one of the signed-in person's subscriptions
// from its button on /account/subscriptions.
func (s *Server) subscriptionsDelete(c *fiber.Ctx) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	if err := subs.Remove(actx(c), principalOf(c), c.Params("id")); err != nil {
		return err
	}
	return s.subscriptionsRender(c, fiber.StatusOK, subscriptionsPage{Notice: areaWords(pageLang(c), "subscriptions")["removed"]})
}
