package web

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
)

// reportsPage is the data of the reports page.
type reportsPage struct {
	F        Frame
	Units    []reportsUnit
	Unit     string
	Year     string
	Quarter  string
	Quarters []reportsOption
	// Problems are the messages beside each field, by field name.
	Problems map[string]string
}

type reportsUnit struct {
	Code, Label string
}

type reportsOption struct {
	Value, Label string
}

// reportsShow renders the reports page: choose a unit in scope and a
// quarter (the last closed one by default) and download the quarterly
// report as PDF or XLSX. Asked with format=pdf or xlsx and a valid choice,
// it answers the file itself; bad input comes back beside its field in the
// page's language.
func (s *Server) reportsShow(c *fiber.Ctx) error {
	f := s.frame(c, "reports", "reports_title")
	today := hailong.DateOf(s.Now())
	def := report.LastClosedQuarter(today)
	q, ps := s.readQuery(c.Query, queryOptions{Default: def, Lang: f.Lang})
	// A unit outside the scope is refused whole, as on every route that
	// takes one; an unknown unit is said beside its field.
	if u := c.Query("unit"); u != "" {
		if _, ok := s.Units().At(u, q.AsOf); !ok {
			ps.Add("unit", "no_unit", u, q.AsOf)
		} else if _, err := s.inScope(c, u, q.AsOf); err != nil {
			return err
		}
	}
	switch {
	case len(ps) > 0:
	case q.Period.Kind != report.Quarter:
		ps = append(ps, report.Problem{Field: "quarter", Code: "bad_value", Args: []any{f.T["reports_not_quarter"]}})
	case q.Period.From > today:
		// A report of a quarter to come would be an empty one, dated as if
		// made then.
		ps = append(ps, report.Problem{Field: "quarter", Code: "bad_value", Args: []any{f.T["reports_not_begun"]}})
	}
	format := c.Query("format")
	if format != "" && format != "pdf" && format != "xlsx" {
		ps = append(ps, report.Problem{Field: "format", Code: "not_in", Args: []any{format, "pdf, xlsx"}})
	}
	if len(ps) == 0 && format != "" {
		var err error
		if q.Unit, err = s.inScope(c, q.Unit, q.AsOf); err != nil {
			return err
		}
		if err := s.reporter().Resolve(&q); err != nil {
			return err
		}
		qr, err := s.quarterly(c, q, f.Lang)
		if err != nil {
			return err
		}
		return s.sendQuarterly(c, qr, q, f.Lang, format)
	}
	p := reportsPage{F: f, Unit: c.Query("unit", principalOf(c).Scope), Year: c.Query("year"), Quarter: c.Query("quarter"), Problems: map[string]string{}}
	if p.Year == "" && p.Quarter == "" {
		y, m := def.From.YearMonth()
		p.Year, p.Quarter = strconv.Itoa(y), strconv.Itoa((int(m)-1)/3+1)
	}
	for _, r := range s.walk(today, "", s.scopeFilter(c, today)) {
		label := r.Name
		for range r.Depth {
			label = "\u00a0\u00a0" + label
		}
		p.Units = append(p.Units, reportsUnit{Code: r.Code, Label: label})
	}
	for i := 1; i <= 4; i++ {
		p.Quarters = append(p.Quarters, reportsOption{Value: strconv.Itoa(i), Label: fmt.Sprintf(f.T["reports_q"], i)})
	}
	status := fiber.StatusOK
	for _, pr := range ps {
		field := pr.Field
		if field != "unit" && field != "year" && field != "quarter" {
			field = "quarter" // a period asked another way is the quarter's problem
		}
		if p.Problems[field] == "" {
			p.Problems[field] = pr.Message(f.Lang)
		}
		status = fiber.StatusBadRequest
	}
	return s.render(c, status, "reports.html", p)
}
