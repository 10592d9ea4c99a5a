package web

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
)

// officialPage is the page of an official at a unit.
type officialPage struct {
	F                        Frame
	Unit, UnitName, Official string
	Period                   string // the period field as asked
	Problem                  string // the period field's problem
	Shown                    bool
	// HasRatings is false when the official has no rating at the unit in
	// the quarters shown: a code mistyped, or an official from elsewhere.
	HasRatings  bool
	O           report.Official
	PeriodLabel string
	ClassName   string // the current classification in words
	Chart       lineChart
	Tables      []report.Table
	Download    bool
	UnitPage    string
}

// officialShow renders an official's Circular 01 score and classification
// for the period and each of the last eight quarters, its trend, and the
// indices that pull it down. The unit in the path bounds what is counted
// and is checked against the reader's scope, so an official is seen only
// through a unit the reader may see.
func (s *Server) officialShow(c *fiber.Ctx) error {
	f := s.frame(c, "units", "an_title")
	q, ps, err := s.unitPageQuery(c, f.Lang)
	if err != nil {
		return err
	}
	official := c.Params("official")
	if err := hailong.CheckRef(official); err != nil {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no official %q: %v", official, err)
	}
	p := officialPage{F: f, Unit: q.Unit, Official: official, Period: c.Query("period", q.Period.String()),
		Download: f.User.Can(hailong.PermExportsRead), UnitPage: "/units/" + url.PathEscape(q.Unit)}
	p.F.Title = fmt.Sprintf(f.T["an_official"], official)
	if u, ok := s.Units().At(q.Unit, q.AsOf); ok {
		p.UnitName = u.Name
		p.F.Title += " · " + u.Name
	}
	if len(ps) > 0 {
		p.Problem = problemsText(ps, f.Lang)
		return s.render(c, fiber.StatusBadRequest, "official.html", p)
	}
	rep := s.reporter()
	if p.O, err = rep.Official(q, official, f.Lang); err != nil {
		return err
	}
	label := func(per report.Period) string { return periodLabel(f.Lang, per) }
	p.Tables = rep.OfficialTables(p.O, f.Lang, label)
	q.Filter.Official = official
	if done, err := s.download(c, s.meta(q, p.F, p.UnitName), p.Tables); done {
		return err
	}
	var labels []string
	score := seriesData{Name: f.T["an_score"], Class: "chart-sat"}
	for _, per := range p.O.Periods {
		labels = append(labels, label(per.Period))
		p.HasRatings = p.HasRatings || per.Satisfaction.N > 0
		score.Values = append(score.Values, per.Score.Value)
	}
	p.Chart = drawLines("an-official-chart", f.T["an_official_trend"], f.T["an_official_trend_desc"], labels,
		[]seriesData{score}, 0, 10, func(v float64) string { return formatNumber(f.Lang, v, 0) },
		func(v float64) string { return formatNumber(f.Lang, v, 1) })
	p.PeriodLabel = label(q.Period)
	p.ClassName = report.ClassName(p.O.Current.Score.Classification, f.Lang)
	p.Shown = true
	return s.render(c, fiber.StatusOK, "official.html", p)
}

// problemsText is a query's problems in a page's language, for the one
// field of a page's period (period, from, to) and any other parameter.
func problemsText(ps report.Problems, lang string) string {
	var out string
	for _, x := range ps {
		if out != "" {
			out += " "
		}
		out += x.Message(lang)
	}
	return out
}
