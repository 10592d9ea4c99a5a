package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
)

// rollupsMonthsList answers GET /api/v1/rollups/months: the cells of this
// aggregator's rollups (ratings, flagged ratings, outcomes) by month, of
// the units in the caller's scope, for a national aggregator to add up
// without reading raw ratings (package national). from and to (YYYY-MM)
// bound the months; have names the months and digests the caller holds,
// whose cells are left out. Read from memory: nothing is scanned. Gzipped
// when the caller accepts it.
func (s *Server) rollupsMonthsList(c *fiber.Ctx) error {
	p := principalOf(c)
	var fields []hailong.FieldError
	bound := func(name string, def rollup.Month) rollup.Month {
		v := c.Query(name)
		if v == "" {
			return def
		}
		m, err := national.ParseMonth(v)
		if err != nil {
			fields = append(fields, hailong.FieldError{Field: name, Message: err.Error()})
		}
		return m
	}
	from, to := bound("from", 0), bound("to", rollup.MonthFrom(9999, 12))
	if len(fields) > 0 {
		return hailong.Invalid("The query is not valid.", fields...)
	}
	rolls := national.Rollups{Ratings: s.Ingester.Rollup(), Flagged: s.Ingester.Flagged()}
	if o, ok := s.Outcomes.(interface{ Rollup() *rollup.Rollup }); ok {
		rolls.Outcomes = o.Rollup()
	}
	today := hailong.DateOf(s.Now())
	scoped := map[string]bool{}
	out, err := national.Collect(c.UserContext(), rolls, national.Request{Scope: p.Scope, From: from, To: to, Have: national.ParseHave(c.Query("have")),
		Keep: func(unit string) bool {
			ok, seen := scoped[unit]
			if !seen {
				ok = s.Access.InScope(p, unit, today)
				scoped[unit] = ok
			}
			return ok
		},
		// The units kept change with the scope, the day and an import of units.
		KeepKey: fmt.Sprintf("%s %s %p", p.Scope, today, s.Units())}, s.rollupDigests)
	if err != nil {
		return err
	}
	gz := strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	return national.Encode(c.Response().BodyWriter(), out, gz)
}
