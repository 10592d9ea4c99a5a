package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/report"
)

// overviewShow renders the overview: the headline measures of the reader's
// scope, or of ?unit=, for a period (the current quarter by default),
// each compared with the previous period and the same period a year
// earlier. ?format=csv|xlsx downloads its tables.
func (s *Server) overviewShow(c *fiber.Ctx) error {
	p := s.newMeasuresPage(c, "overview", "ov_title", "/")
	ok, err := s.openQuery(c, p, "")
	if err != nil {
		return err
	}
	if ok {
		if err := s.measureFigures(c, p, false, false); err != nil {
			return err
		}
		if done, err := s.download(c, p.meta(), p.tables); done {
			return err
		}
	}
	return s.render(c, p.status, "overview.html", p)
}

// measureFigures measures the page's query and its two earlier periods
// and fills the headline tables; withUnits also ranks the child units,
// and withMonths measures each month, in the same pass.
func (s *Server) measureFigures(c *fiber.Ctx, p *measuresPage, withUnits, withMonths bool) error {
	r := s.reporter()
	m, err := r.Measures(p.Query, report.Breakdowns{Units: withUnits, Months: withMonths, Allowed: s.scopeFilter(c, p.Query.AsOf)}, p.F.Lang)
	if err != nil {
		return err
	}
	earlier, err := r.Earlier(p.Query, p.F.Lang)
	if err != nil {
		return err
	}
	p.Previous, p.YearEarlier = p.Query.Period.Previous(), p.Query.Period.YearEarlier()
	path := c.Path()
	for _, t := range figureTables(p.F.Lang, p.F.T, m, earlier) {
		p.Figures = append(p.Figures, viewTable(p.F, path, t))
	}
	p.Measures = m
	return nil
}
