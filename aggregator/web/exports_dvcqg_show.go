package web

import (
	"github.com/gofiber/fiber/v2"
)

// exportsDVCQGShow answers GET /api/v1/exports/dvcqg: the Decision 766
// satisfaction figures of a unit subtree and period in the national
// portal's shape (code, numerator, denominator, ratio, score, maxScore per
// metric), from the same figures as /api/v1/measures.
func (s *Server) exportsDVCQGShow(c *fiber.Ctx) error {
	q, err := s.parseQuery(c, queryOptions{})
	if err != nil {
		return err
	}
	return c.JSON(s.reporter().Portal(q, s.PortalScoring))
}
