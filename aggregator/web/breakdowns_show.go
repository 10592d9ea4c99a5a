package web

import (
	"github.com/gofiber/fiber/v2"
)

// breakdownsShow answers GET /api/v1/breakdowns: the measures of a unit
// subtree and period by each value of one dimension (by=procedure, field,
// official, counter, channel or questionnaire), the other filters of
// /api/v1/measures applying. Each row equals /api/v1/measures with the
// row's value as that dimension's filter.
func (s *Server) breakdownsShow(c *fiber.Ctx) error {
	q, err := s.parseQuery(c, queryOptions{})
	if err != nil {
		return err
	}
	b, err := s.reporter().Breakdown(q, c.Query("by"), c.Query("lang", "vi"))
	if err != nil {
		return err
	}
	return c.JSON(b)
}
