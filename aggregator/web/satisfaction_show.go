package web

import (
	"github.com/gofiber/fiber/v2"
)

// satisfactionShow answers GET /api/v1/satisfaction.
func (s *Server) satisfactionShow(c *fiber.Ctx) error {
	q, err := s.parseQuery(c, queryOptions{})
	if err != nil {
		return err
	}
	return c.JSON(s.reporter().Satisfaction(q))
}
