package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
)

// measuresShow answers GET /api/v1/measures: every measure of DOMAIN.md for
// a unit subtree and period, with breakdowns by child unit and by month on
// request (breakdown=units,months).
func (s *Server) measuresShow(c *fiber.Ctx) error {
	q, err := s.parseQuery(c, queryOptions{})
	if err != nil {
		return err
	}
	b := report.Breakdowns{Allowed: s.scopeFilter(c, q.AsOf)}
	for _, part := range strings.Split(c.Query("breakdown"), ",") {
		switch strings.TrimSpace(part) {
		case "":
		case "units":
			b.Units = true
		case "months":
			b.Months = true
		default:
			return hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "breakdown", Message: fmt.Sprintf("%q is not units or months", part)})
		}
	}
	m, err := s.reporter().Measures(q, b, c.Query("lang", "vi"))
	if err != nil {
		return err
	}
	return c.JSON(m)
}
