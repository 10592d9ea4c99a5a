package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

type measuresJSON struct {
	Unit         string         `json:"unit"`
	UnitName     string         `json:"unit_name"`
	From         hailong.Date   `json:"from"`
	To           hailong.Date   `json:"to"`
	AsOf         hailong.Date   `json:"as_of"`
	MinSample    int64          `json:"min_sample"`
	Satisfaction proportionJSON `json:"satisfaction"`
	HappyIndex   happyJSON      `json:"happy_index"`
	SIPAS        sipasJSON      `json:"sipas"`
	Circular01   circularJSON   `json:"circular01"`
	Decision766  ratio766JSON   `json:"decision766"`
	Targets      []targetJSON   `json:"targets"`
	ByUnit       []unitRowJSON  `json:"by_unit,omitempty"`
	ByMonth      []monthRowJSON `json:"by_month,omitempty"`
	Flagged      flaggedJSON    `json:"flagged"`
}

type unitRowJSON struct {
	Unit         string         `json:"unit"`
	Name         string         `json:"name"`
	Kind         string         `json:"kind"`
	Rank         int            `json:"rank,omitempty"` // by satisfaction, among units with enough ratings
	Satisfaction proportionJSON `json:"satisfaction"`
	Decision766  proportionJSON `json:"decision766"`
}

type monthRowJSON struct {
	Month        string         `json:"month"`
	Satisfaction proportionJSON `json:"satisfaction"`
	Decision766  proportionJSON `json:"decision766"`
}

// measuresShow answers GET /api/v1/measures: every measure of DOMAIN.md for
// a unit subtree and period, with breakdowns by child unit and by month on
// request (breakdown=units,months).
func (s *Server) measuresShow(c *fiber.Ctx) error {
	q, err := s.parseMeasureQuery(c)
	if err != nil {
		return err
	}
	var byUnits, byMonths bool
	for _, b := range strings.Split(c.Query("breakdown"), ",") {
		switch strings.TrimSpace(b) {
		case "":
		case "units":
			byUnits = true
		case "months":
			byMonths = true
		default:
			return hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "breakdown", Message: fmt.Sprintf("%q is not units or months", b)})
		}
	}
	lang := c.Query("lang", "vi")
	var children []hierarchy.Unit
	var res rollup.Result
	var groups, months []rollup.Result
	var groups766, months766 []rollup.Outcomes
	var flagged flaggedJSON
	if byUnits || byMonths {
		// One pass over the subtree answers the whole and both breakdowns.
		group := make([]int, len(q.units))
		if children, err = s.childGroups(q, byUnits, group, s.scopeFilter(c, q.AsOf)); err != nil {
			return err
		}
		res, groups, months, flagged = s.ratingsBreakdown(q, group)
		res.Outcomes, groups766, months766 = s.Outcomes.Breakdown(q.units, group, q.From, q.To, q.Filter)
	} else {
		res, flagged = s.ratingsQuery(q)
		res.Outcomes = s.Outcomes.Query(q.units, q.From, q.To, q.Filter)
	}
	out := measuresJSON{Unit: q.Unit, From: q.From, To: q.To, AsOf: q.AsOf, MinSample: s.MinSample,
		Satisfaction: s.proportion(res.Total.N, res.Total.Satisfied),
		HappyIndex:   s.happyIndex(res), SIPAS: s.sipas(res, lang), Circular01: s.circular01(res),
		Decision766: s.decision766(res.Outcomes), Flagged: flagged}
	if u, ok := s.Units().At(q.Unit, q.AsOf); ok {
		out.UnitName = u.Name
	}
	y, _ := q.To.YearMonth()
	out.Targets = s.targets(y, out.Satisfaction, out.Decision766.proportionJSON)
	if byUnits {
		out.ByUnit = s.byUnit(children, groups, groups766)
	}
	if byMonths {
		out.ByMonth = s.byMonth(q, months, months766)
	}
	return c.JSON(out)
}

// childGroups returns the child units in force on as_of and sets, for each
// unit of the query, the index of the child whose subtree holds it, or -1
// (the unit itself, or every unit when not byUnits). A child outside the
// scope (allowed) is never listed; the children of a unit in scope are in
// it, so this only guards against a scope rule that says otherwise.
func (s *Server) childGroups(q measureQuery, byUnits bool, group []int, allowed func(string) bool) ([]hierarchy.Unit, error) {
	for i := range group {
		group[i] = -1
	}
	if !byUnits {
		return nil, nil
	}
	var children []hierarchy.Unit
	for _, ch := range s.Units().Children(q.Unit, q.AsOf) {
		if allowed(ch.Code) {
			children = append(children, ch)
		}
	}
	at := make(map[string]int, len(q.units))
	for i, u := range q.units {
		at[u] = i
	}
	for g, child := range children {
		units, err := s.Units().Subtree(child.Code, q.AsOf)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			if i, ok := at[u]; ok {
				group[i] = g
			}
		}
	}
	return children, nil
}

// byUnit measures each child unit in force on as_of, ranked by
// satisfaction among those with enough ratings.
func (s *Server) byUnit(children []hierarchy.Unit, res []rollup.Result, out []rollup.Outcomes) []unitRowJSON {
	rows := []unitRowJSON{}
	for g, u := range children {
		var r rollup.Result
		var o rollup.Outcomes
		if g < len(res) {
			r = res[g]
		}
		if g < len(out) {
			o = out[g]
		}
		rows = append(rows, unitRowJSON{Unit: u.Code, Name: u.Name, Kind: string(u.Kind),
			Satisfaction: s.proportion(r.Total.N, r.Total.Satisfied), Decision766: s.proportion(o.Dossiers, o.Dossiers-o.Bad)})
	}
	slices.SortStableFunc(rows, func(a, b unitRowJSON) int {
		ra, rb := rankKey(a.Satisfaction), rankKey(b.Satisfaction)
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	for i := range rows {
		if rows[i].Satisfaction.EnoughRatings {
			rows[i].Rank = i + 1
		}
	}
	return rows
}

// rankKey orders units with enough ratings by rate, the rest after them.
func rankKey(p proportionJSON) float64 {
	if !p.EnoughRatings || p.Rate == nil {
		return -1
	}
	return *p.Rate
}

// byMonth measures each calendar month of the period (cut to it).
func (s *Server) byMonth(q measureQuery, res []rollup.Result, out []rollup.Outcomes) []monthRowJSON {
	rows := []monthRowJSON{}
	for i, start := 0, q.From; start <= q.To && i < len(res) && i < len(out); i++ {
		y, m := start.YearMonth()
		r, o := res[i], out[i]
		rows = append(rows, monthRowJSON{Month: fmt.Sprintf("%04d-%02d", y, int(m)),
			Satisfaction: s.proportion(r.Total.N, r.Total.Satisfied), Decision766: s.proportion(o.Dossiers, o.Dossiers-o.Bad)})
		start = hailong.DateFromYMD(y, m+1, 1) // month 13 is January of the next year
	}
	return rows
}
