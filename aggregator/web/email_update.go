package web

import (
	"github.com/gofiber/fiber/v2"
)

// emailUpdate sets the signed-in person's email address from the form of
// /account/subscriptions.
func (s *Server) emailUpdate(c *fiber.Ctx) error {
	email := c.FormValue("email")
	if err := s.setEmail(c, principalOf(c).Username, email); err != nil {
		return s.subscriptionsRefused(c, err, subscriptionsPage{Form: subscriptionForm{Email: email}})
	}
	return s.subscriptionsRender(c, fiber.StatusOK, subscriptionsPage{Notice: areaWords(pageLang(c), "subscriptions")["email_saved"]})
}
