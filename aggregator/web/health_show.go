package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// healthShow answers 200 while the process is up.
func (s *Server) healthShow(c *fiber.Ctx) error { return c.SendString("ok\n") }

// readyShow answers 200 when the database answers.
func (s *Server) readyShow(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Warn("readiness: database", "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The database does not answer.")
	}
	return c.SendString("ready\n")
}
