package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/report"
)

// unitAnalysis is the analysis sections of a unit's page, below its
// headline figures and ranking: the template "unit_analysis"
// (unit_analysis.html) shows them, given the whole unit page.
type unitAnalysis struct{}

// tables returns the sections' tables, downloadable with the page's.
func (a unitAnalysis) tables() []report.Table { return nil }

// unitAnalysis makes the analysis sections of the page's unit for its
// query, which is valid, in scope and resolved.
func (s *Server) unitAnalysis(c *fiber.Ctx, p *measuresPage) (unitAnalysis, error) {
	return unitAnalysis{}, nil
}
