package web

import (
	"maps"
	"slices"

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
// whose cells are left out. Read from memory: nothing is scanned.
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
	have := national.ParseHave(c.Query("have"))
	rolls := [3]*rollup.Rollup{s.Ingester.Rollup(), s.Ingester.Flagged()}
	if o, ok := s.Outcomes.(interface{ Rollup() *rollup.Rollup }); ok {
		rolls[2] = o.Rollup()
	}
	months := map[rollup.Month]bool{}
	for _, r := range rolls {
		if r == nil {
			continue
		}
		for _, m := range r.Months() {
			if m >= from && m <= to {
				months[m] = true
			}
		}
	}
	today := hailong.DateOf(s.Now())
	scoped := map[string]bool{}
	inScope := func(unit string) bool {
		ok, seen := scoped[unit]
		if !seen {
			ok = s.Access.InScope(p, unit, today)
			scoped[unit] = ok
		}
		return ok
	}
	daysOf := func(r *rollup.Rollup, m rollup.Month) []national.Day {
		if r == nil {
			return nil
		}
		days := r.DaysOf(m)
		return national.WireDays(slices.DeleteFunc(days, func(d rollup.Day) bool { return !inScope(d.Unit) }))
	}
	out := national.Months{Version: national.Version, Scope: p.Scope, Months: []national.Month{}}
	for _, m := range slices.Sorted(maps.Keys(months)) {
		cells := national.Cells{Ratings: daysOf(rolls[0], m), Flagged: daysOf(rolls[1], m), Outcomes: daysOf(rolls[2], m)}
		if len(cells.Ratings)+len(cells.Flagged)+len(cells.Outcomes) == 0 {
			continue
		}
		digest, err := cells.Digest()
		if err != nil {
			return err
		}
		month := national.Month{Month: national.FormatMonth(m), Digest: digest}
		if have[month.Month] == digest {
			month.Unchanged = true
		} else {
			month.Cells = cells
		}
		out.Months = append(out.Months, month)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
