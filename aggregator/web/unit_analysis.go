package web

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
)

// worstListed is how many procedures and officials a unit page lists as
// the worst (more when tied at the last place).
const worstListed = 5

// unitAnalysis is the analysis part of a unit's page — the monthly trend,
// the SIPAS profile, the worst procedures and officials, and the
// breakdowns — shown by the template unit_analysis.
type unitAnalysis struct {
	Lang  string
	T     map[string]string
	Query url.Values
	// Download offers each table as a file (the reader may export).
	Download bool
	// TrendPeriod is the span of the trend: the page's period when it
	// spans three months or more, else the twelve months ending with it.
	TrendPeriod report.Period
	Trend       lineChart
	SIPAS       barChart
	HasSIPAS    bool
	TrendTable  report.Table
	SIPASTable  report.Table
	Worst       []report.Table // procedures, officials
	Breakdowns  []report.Table // by each of report.Dimensions
}

// Tables are every table of the section, for downloads.
func (a *unitAnalysis) Tables() []report.Table {
	out := append([]report.Table{a.TrendTable, a.SIPASTable}, a.Worst...)
	return append(out, a.Breakdowns...)
}

// unitAnalysis builds the analysis part of the page of the resolved query
// q's unit; unitPage is the path of the unit's page, which rows link back
// to with their value as a filter.
func (s *Server) unitAnalysis(q report.Query, f Frame, unitPage string) (unitAnalysis, error) {
	rep, lang, query, w := s.reporter(), f.Lang, f.Query, f.T
	a := unitAnalysis{Lang: lang, T: w, Query: query, Download: f.User.Can(hailong.PermExportsRead)}
	months, span, err := rep.Trend(q, lang)
	if err != nil {
		return a, err
	}
	a.TrendPeriod = span
	a.Trend = trendChart("an-trend-chart", months, lang, w["an_trend"], w["an_trend_desc"], [2]string{w["an_sat"], w["an_766"]})
	a.TrendTable = rep.TrendTable(months, lang)
	m, err := rep.Measures(q, report.Breakdowns{}, lang)
	if err != nil {
		return a, err
	}
	a.HasSIPAS = m.SIPAS.N > 0
	a.SIPAS = sipasChart(m.SIPAS, lang, w["an_sipas"], w["not_enough"])
	a.SIPASTable = rep.SIPASTable(m.SIPAS, lang)
	for _, d := range report.Dimensions {
		b, err := rep.Breakdown(q, d.Name, lang)
		if err != nil {
			return a, err
		}
		link := func(key string) string { return unitPage + withQuery(query, d.Name, key) }
		if d.Name == "official" {
			// An official's row opens the official's page, with the
			// page's period and filters but not itself as a filter.
			link = func(key string) string {
				return officialPath(q.Unit, key) + withQuery(query, "official", "")
			}
		}
		a.Breakdowns = append(a.Breakdowns, rep.BreakdownTable(b, lang, link))
		if d.Name == "procedure" || d.Name == "official" {
			a.Worst = append(a.Worst, rep.WorstTable(d.Name, report.Worst(b.Rows, worstListed), lang, link))
		}
	}
	return a, nil
}

// officialPath is the path of an official's page at a unit.
func officialPath(unit, official string) string {
	return "/units/" + url.PathEscape(unit) + "/officials/" + url.PathEscape(official)
}

// unitPageQuery reads the query of a page whose unit is in its path
// (:code): the unit is checked against the reader's scope first, and
// problems with the other parameters are returned for the page to show
// beside their fields. An error is a unit not found or out of scope.
func (s *Server) unitPageQuery(c *fiber.Ctx, lang string) (report.Query, report.Problems, error) {
	get := func(key string, def ...string) string {
		if key == "unit" {
			return c.Params("code")
		}
		return c.Query(key, def...)
	}
	q, ps := s.readQuery(get, queryOptions{Default: report.QuarterContaining(hailong.DateOf(s.Now())), Lang: lang})
	unit, err := s.inScope(c, q.Unit, q.AsOf)
	if err != nil {
		return q, ps, err
	}
	q.Unit = unit
	if len(ps) > 0 {
		return q, ps, nil
	}
	return q, ps, s.reporter().Resolve(&q)
}

// unitAnalysisPage is the page /units/:code/analysis.
type unitAnalysisPage struct {
	F        Frame
	Unit     string
	UnitName string
	Period   string // the period field as asked
	Problem  string // the period field's problem, in the page's language
	Shown    bool
	Span     string
	A        unitAnalysis
}

// unitAnalysisShow renders the analysis of a unit on a page of its own:
// trend, SIPAS profile, worst procedures and officials, breakdowns, each
// downloadable.
func (s *Server) unitAnalysisShow(c *fiber.Ctx) error {
	f := s.frame(c, "units", "an_title")
	q, ps, err := s.unitPageQuery(c, f.Lang)
	if err != nil {
		return err
	}
	p := unitAnalysisPage{F: f, Unit: q.Unit, Period: c.Query("period", q.Period.String())}
	if u, ok := s.Units().At(q.Unit, q.AsOf); ok {
		p.UnitName = u.Name
		p.F.Title = f.Title + ": " + u.Name
	}
	if len(ps) > 0 {
		p.Problem = problemsText(ps, f.Lang)
		return s.render(c, fiber.StatusBadRequest, "unit_analysis.html", p)
	}
	p.A, err = s.unitAnalysis(q, f, "/units/"+url.PathEscape(q.Unit)+"/analysis")
	if err != nil {
		return err
	}
	if done, err := s.download(c, s.meta(q, f, p.UnitName), p.A.Tables()); done {
		return err
	}
	p.Shown = true
	p.Span = fmt.Sprintf(f.T["an_trend_span"], formatDate(f.Lang, p.A.TrendPeriod.From), formatDate(f.Lang, p.A.TrendPeriod.To))
	return s.render(c, fiber.StatusOK, "unit_analysis.html", p)
}

// meta describes a page's download: its title, unit, period and filters.
func (s *Server) meta(q report.Query, f Frame, unitName string) report.Meta {
	filters := map[string]string{}
	for k, v := range map[string]string{"questionnaire": q.Filter.Questionnaire, "channel": string(q.Filter.Channel),
		"procedure": q.Filter.Procedure, "field": q.Filter.Field, "official": q.Filter.Official, "counter": q.Filter.Counter} {
		if v != "" {
			filters[k] = v
		}
	}
	return report.Meta{Title: f.Title, Unit: q.Unit, UnitName: unitName, Period: q.Period, AsOf: q.AsOf, Filters: filters, Lang: f.Lang}
}
