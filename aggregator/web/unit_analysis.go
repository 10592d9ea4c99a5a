package web

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/report"
)

// worstListed is how many procedures and officials a unit page lists as
// the worst (more when tied at the last place).
const worstListed = 5

// breakdownShown is how many rows of a breakdown the page shows, those
// with most ratings: a province has thousands of procedures and officials,
// more than a page can show or a reader scan. The download has them all.
const breakdownShown = 25

// unitAnalysis is the analysis sections of a unit's page, below its
// headline figures and ranking — the monthly trend, the SIPAS profile, the
// worst procedures and officials, the breakdowns: the template
// "unit_analysis" (unit_analysis.html) shows them, given the whole unit
// page.
type unitAnalysis struct {
	// TrendPeriod is the span of the trend: the page's period when it
	// spans three months or more, else the twelve months ending with it.
	TrendPeriod report.Period
	Trend       lineChart
	TrendTable  tableView
	SIPAS       barChart
	HasSIPAS    bool
	SIPASTable  tableView
	Worst       []tableView // procedures, officials
	Breakdowns  []tableView // by each of report.Dimensions, cut to breakdownShown rows
	// full makes the breakdowns' tables whole, for downloads.
	full func() []report.Table
}

// tables returns the sections' tables, downloadable with the page's.
func (a unitAnalysis) tables() []report.Table {
	var out []report.Table
	for _, v := range append([]tableView{a.TrendTable, a.SIPASTable}, a.Worst...) {
		if v.Name != "" {
			out = append(out, v.Table)
		}
	}
	if a.full != nil {
		out = append(out, a.full()...)
	}
	return out
}

// startBreakdowns starts making the breakdowns of a unit page's query by
// every dimension (report.Dimensions) on a goroutine of their own, and
// returns the function that waits for them.
func (s *Server) startBreakdowns(q report.Query, lang string) func() ([]report.Breakdown, error) {
	names := make([]string, len(report.Dimensions))
	for i, d := range report.Dimensions {
		names[i] = d.Name
	}
	var bs []report.Breakdown
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		bs, err = s.reporter().Breakdowns(q, names, lang)
	}()
	return func() ([]report.Breakdown, error) {
		<-done
		return bs, err
	}
}

// unitAnalysis makes the analysis sections of the page's unit for its
// query, which is valid, in scope and resolved, from its headline
// measures (with the months when the trend's period is the page's) and
// its breakdowns (from startBreakdowns). Each breakdown's row links to the
// unit's page with the row's value as a filter, an official's to the
// official's page.
func (s *Server) unitAnalysis(c *fiber.Ctx, p *measuresPage, breakdowns func() ([]report.Breakdown, error)) (unitAnalysis, error) {
	rep, f, q, path := s.reporter(), p.F, p.Query, c.Path()
	var a unitAnalysis
	months, span := p.Measures.ByMonth, q.Period
	if report.TrendPeriod(q.Period) != q.Period {
		var err error
		if months, span, err = rep.Trend(q, f.Lang); err != nil {
			return a, err
		}
	}
	a.TrendPeriod = span
	a.Trend = trendChart("an-trend-chart", months, f.Lang, f.T["an_trend"], f.T["an_trend_desc"], [2]string{f.T["an_sat"], f.T["an_766"]})
	a.TrendTable = viewTable(f, path, rep.TrendTable(months, f.Lang))
	sipas := p.Measures.SIPAS
	a.HasSIPAS = sipas.N > 0
	a.SIPAS = sipasChart(sipas, f.Lang, f.T["an_sipas"], f.T["not_enough"])
	a.SIPASTable = viewTable(f, path, rep.SIPASTable(sipas, f.Lang))
	bs, err := breakdowns()
	if err != nil {
		return a, err
	}
	links := make([]func(string) string, len(bs))
	a.full = func() []report.Table {
		out := make([]report.Table, len(bs))
		for i, b := range bs {
			out[i] = rep.BreakdownTable(b, f.Lang, links[i])
		}
		return out
	}
	for i, d := range report.Dimensions {
		b := bs[i]
		link := func(key string) string {
			return pageLink("/units/"+url.PathEscape(q.Unit), f.Query, d.Name, key, "sort", "")
		}
		if d.Name == "official" {
			// With the page's period and filters, but not itself as a
			// filter: the official is the page.
			link = func(key string) string {
				return pageLink(officialPath(q.Unit, key), f.Query, "official", "", "sort", "")
			}
		}
		links[i] = link
		shown := b
		if len(shown.Rows) > breakdownShown {
			shown.Rows = shown.Rows[:breakdownShown]
		}
		table := rep.BreakdownTable(shown, f.Lang, link)
		if len(b.Rows) > breakdownShown {
			table.Note = fmt.Sprintf(f.T["an_shown"], breakdownShown, len(b.Rows)) + " " + table.Note
		}
		a.Breakdowns = append(a.Breakdowns, viewTable(f, path, table))
		if d.Name == "procedure" || d.Name == "official" {
			a.Worst = append(a.Worst, viewTable(f, path, rep.WorstTable(d.Name, report.Worst(b.Rows, worstListed), f.Lang, link)))
		}
	}
	return a, nil
}

// officialPath is the path of an official's page at a unit.
func officialPath(unit, official string) string {
	return "/units/" + url.PathEscape(unit) + "/officials/" + url.PathEscape(official)
}
