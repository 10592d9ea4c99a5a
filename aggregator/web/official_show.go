package web

import (
	"fmt"
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
)

// officialPage is the page of an official at a unit: the unit page's
// filters and refusals, and the official's figures.
type officialPage struct {
	*measuresPage
	// Page is the embedded page again, for the templates of its parts.
	Page     *measuresPage
	Official string
	// HasRatings is false when the official has no rating at the unit in
	// the quarters shown: a code mistyped, or an official from elsewhere.
	HasRatings  bool
	O           report.Official
	PeriodLabel string
	ClassName   string // the current classification in words
	Chart       lineChart
	Periods     tableView
	PullDown    tableView
	UnitPage    template.URL
}

// officialShow renders an official's Circular 01 score and classification
// for the period and each of the last eight quarters, its trend, and the
// indices that pull it down. The unit in the path bounds what is counted
// and is checked against the reader's scope, so an official is seen only
// through a unit the reader may see.
func (s *Server) officialShow(c *fiber.Ctx) error {
	official := c.Params("official")
	if err := hailong.CheckRef(official); err != nil {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no official %q: %v", official, err)
	}
	mp := s.newMeasuresPage(c, "units", "an_title", c.Path())
	p := officialPage{measuresPage: mp, Page: mp, Official: official}
	p.F.Title = fmt.Sprintf(p.F.T["an_official"], official)
	ok, err := s.openQuery(c, p.measuresPage, c.Params("code"))
	if err != nil || !ok {
		if err == nil {
			err = s.render(c, p.status, "official.html", p)
		}
		return err
	}
	q := p.Query
	p.F.Title += " · " + p.Unit.Name
	p.Crumbs = s.crumbs(c, p.measuresPage)
	p.UnitPage = template.URL(pageLink("/units/"+url.PathEscape(q.Unit), p.F.Query, "official", ""))
	rep := s.reporter()
	if p.O, err = rep.Official(q, official, p.F.Lang); err != nil {
		return err
	}
	label := func(per report.Period) string { return periodLabel(p.F.Lang, per) }
	tables := rep.OfficialTables(p.O, p.F.Lang, label)
	p.Periods, p.PullDown = viewTable(p.F, c.Path(), tables[0]), viewTable(p.F, c.Path(), tables[1])
	meta := p.meta()
	meta.Filters["official"] = official
	if done, err := s.download(c, meta, func() []report.Table { return tables }); done {
		return err
	}
	var labels []string
	score := seriesData{Name: p.F.T["an_score"], Class: "chart-sat"}
	for _, per := range p.O.Periods {
		labels = append(labels, label(per.Period))
		p.HasRatings = p.HasRatings || per.Satisfaction.N > 0
		score.Values = append(score.Values, per.Score.Value)
	}
	p.Chart = drawLines("an-official-chart", p.F.T["an_official_trend"], p.F.T["an_official_trend_desc"], labels,
		[]seriesData{score}, 0, 10, func(v float64) string { return formatNumber(p.F.Lang, v, 0) },
		func(v float64) string { return formatNumber(p.F.Lang, v, 1) })
	p.PeriodLabel = label(q.Period)
	p.ClassName = report.ClassName(p.O.Current.Score.Classification, p.F.Lang)
	return s.render(c, fiber.StatusOK, "official.html", p)
}
