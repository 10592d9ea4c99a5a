package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/rollup"
)

// flaggedJSON counts the flagged ratings of a query: kept, and left out of
// its measures unless include_flagged=true.
type flaggedJSON struct {
	N        int64 `json:"n"`
	Included bool  `json:"included"`
}

// parseIncludeFlagged reads include_flagged (true or false, default false).
func parseIncludeFlagged(c *fiber.Ctx) (bool, error) {
	switch v := c.Query("include_flagged"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "include_flagged", Message: "must be true or false"})
	}
}

// ratingsQuery answers a query over the ratings, the flagged ones added
// when asked, and counts the flagged ones.
func (s *Server) ratingsQuery(q measureQuery) (rollup.Result, flaggedJSON) {
	res := s.Ingester.Rollup().Query(q.units, q.From, q.To, q.Filter)
	fl := flaggedJSON{Included: q.IncludeFlagged}
	if r := s.Ingester.Flagged(); r != nil {
		f := r.Query(q.units, q.From, q.To, q.Filter)
		fl.N = f.Total.N
		if q.IncludeFlagged {
			res.Add(f)
		}
	}
	return res, fl
}

// ratingsBreakdown is Rollup.Breakdown with the flagged ratings added when
// asked, and their count.
func (s *Server) ratingsBreakdown(q measureQuery, group []int) (all rollup.Result, groups, months []rollup.Result, fl flaggedJSON) {
	all, groups, months = s.Ingester.Rollup().Breakdown(q.units, group, q.From, q.To, q.Filter)
	fl.Included = q.IncludeFlagged
	r := s.Ingester.Flagged()
	if r == nil {
		return all, groups, months, fl
	}
	fAll, fGroups, fMonths := r.Breakdown(q.units, group, q.From, q.To, q.Filter)
	fl.N = fAll.Total.N
	if q.IncludeFlagged {
		all.Add(fAll)
		for i := range groups {
			groups[i].Add(fGroups[i])
		}
		for i := range months {
			months[i].Add(fMonths[i])
		}
	}
	return all, groups, months, fl
}
