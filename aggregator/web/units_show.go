package web

import (
	"cmp"
	"html/template"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/report"
)

// crumb is one unit of the breadcrumb, from the reader's scope root down
// to the page's unit.
type crumb struct {
	Name    string
	Link    template.URL
	Current bool
}

// unitsShow renders a unit's page (/units/:code; /units is the reader's
// scope root): the breadcrumb from the scope root, the unit's headline
// figures, the ranking of its child units (?sort=name|n|rate) and the
// analysis sections. ?format=csv|xlsx downloads its tables.
func (s *Server) unitsShow(c *fiber.Ctx) error {
	p := s.newMeasuresPage(c, "units", "ov_units_title", c.Path())
	ok, err := s.openQuery(c, p, c.Params("code"))
	if err != nil {
		return err
	}
	if ok {
		p.F.Title = p.Unit.Name
		// The breakdowns, most of the page's work, are made while the
		// headline figures are; a trend over the page's own period is
		// measured with them.
		breakdowns := s.startBreakdowns(p.Query, p.F.Lang)
		if err := s.measureFigures(c, p, true, report.TrendPeriod(p.Query.Period) == p.Query.Period); err != nil {
			return err
		}
		p.Crumbs = s.crumbs(c, p)
		ranking := viewRanking(p.F, c.Path(), rankingTable(p.F.T, p.Measures.ByUnit, p.F.Query), c.Query("sort"))
		p.Ranking = &ranking
		p.Leaf = len(p.Measures.ByUnit) == 0
		if p.Analysis, err = s.unitAnalysis(c, p, breakdowns); err != nil {
			return err
		}
		if done, err := s.download(c, p.meta(), p.tables); done {
			return err
		}
	}
	return s.render(c, p.status, "unit.html", p)
}

// crumbs is the way from the reader's scope root down to the page's unit:
// the unit's ancestors on the query's date that are in the scope.
func (s *Server) crumbs(c *fiber.Ctx, p *measuresPage) []crumb {
	tree, who := s.Units(), principalOf(c)
	chain := tree.Chain(p.Query.Unit, p.Query.AsOf)
	var out []crumb
	for i := len(chain) - 1; i >= 0; i-- {
		code := chain[i]
		if !s.unitInScope(who, code, p.Query.AsOf) {
			continue
		}
		u, _ := tree.At(code, p.Query.AsOf)
		out = append(out, crumb{Name: u.Name, Current: code == p.Query.Unit,
			Link: template.URL(pageLink("/units/"+code, p.F.Query, "sort", ""))})
	}
	return out
}

// rankingTable is the ranking of the child units as a table, ranked by
// satisfaction; each row links to the unit's page with the same filters.
func rankingTable(t map[string]string, rows []report.UnitRow, query url.Values) report.Table {
	tab := report.Table{Name: "ranking", Title: t["ov_ranking"], Note: t["ov_rank_note"], Columns: []report.Column{
		{Title: t["ov_rank"], Kind: report.KindCount}, {Title: t["ov_unit"]}, {Title: t["ov_kind"]},
		{Title: t["ov_n"], Kind: report.KindCount}, {Title: t["ov_satisfaction"], Kind: report.KindRate},
		{Title: t["ov_ci_low"], Kind: report.KindRate}, {Title: t["ov_ci_high"], Kind: report.KindRate},
		{Title: t["ov_766_n"], Kind: report.KindCount}, {Title: t["ov_766"], Kind: report.KindRate}}}
	for _, r := range rows {
		rank := report.Cell{Text: "–"}
		if r.Rank > 0 {
			rank = report.Cell{Value: count(int64(r.Rank))}
		}
		sat, d := r.Satisfaction, r.Decision766
		lo, hi := report.Cell{Text: "–"}, report.Cell{Text: "–"}
		if sat.Shown() {
			lo, hi = report.Cell{Value: &sat.CI95[0]}, report.Cell{Value: &sat.CI95[1]}
		}
		tab.Rows = append(tab.Rows, report.Row{Link: pageLink("/units/"+r.Unit, query, "sort", ""), Cells: []report.Cell{
			rank, {Text: r.Name}, {Text: t["ov_kind_"+r.Kind]}, {Value: count(sat.N)}, shownCell(t, sat.Rate, sat.EnoughRatings),
			lo, hi, {Value: count(d.N)}, shownCell(t, d.Rate, d.EnoughRatings)}})
	}
	return tab
}

// The columns the ranking sorts by, by the sort parameter's value.
var rankingSorts = map[string]int{"rate": 4, "name": 1, "n": 3}

// viewRanking writes the ranking sorted by the sort parameter: by rate
// (the rank, the default), name (A to Z) or n (most first). The units
// without enough ratings stay after the ranked ones, sorted alike among
// themselves; the download is sorted as the page.
func viewRanking(f Frame, path string, t report.Table, sort string) tableView {
	col, ok := rankingSorts[sort]
	if !ok {
		sort, col = "rate", rankingSorts["rate"]
	}
	name := byName()
	ranked := func(r report.Row) int {
		if r.Cells[0].Value != nil {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(t.Rows, func(a, b report.Row) int {
		if c := cmp.Compare(ranked(a), ranked(b)); c != 0 {
			return c
		}
		switch sort {
		case "name":
			return name(a.Cells[1].Text, b.Cells[1].Text)
		case "n":
			return cmp.Compare(*b.Cells[3].Value, *a.Cells[3].Value)
		}
		return 0 // already by rank
	})
	v := viewTable(f, path, t)
	for key, i := range rankingSorts {
		v.Head[i].Sort = template.URL(pageLink(path, f.Query, "sort", key))
		if i == col {
			v.Head[i].Sorted = "descending"
			if key == "name" {
				v.Head[i].Sorted = "ascending"
			}
		}
	}
	return v
}
