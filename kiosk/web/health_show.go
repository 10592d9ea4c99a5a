package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// healthShow answers 200 when the node can record ratings: its outbox opens
// a transaction.
func (s *Server) healthShow(c *fiber.Ctx) error {
	if _, err := s.Outbox.Stats(); err != nil {
		s.Logger.Error("health check: outbox", "err", err)
		return &hailong.Error{Code: hailong.EUNAVAILABLE, Message: "The rating store is not available."}
	}
	return c.SendString(fmt.Sprintf("ok %s\n", s.Kiosk))
}
