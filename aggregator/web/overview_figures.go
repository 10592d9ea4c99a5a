package web

import (
	"fmt"
	"strconv"

	"hailong/aggregator/report"
	"hailong/measure"
)

// figure is one headline figure of a report, as the overview compares it
// with the same figure of an earlier period.
type figure struct {
	key, label string
	n          int64
	value      *float64
	ci         *[2]float64
	enough     bool
	// prop is the figure as a proportion, for the two-proportion test;
	// nil for a mean index, whose change is given but not tested.
	prop  *report.Proportion
	class string // a Circular 01 classification
	// sum: a total of several indices, each counted on its own ratings,
	// so the figure has no one count of them to give.
	sum bool
}

// figureGroups are the figures of one report by table. The Happy Index
// has a table of its own: it is a score on a 0–100 scale, not a share, and
// the headline's columns (and their downloads) are percentages.
type figureGroups struct{ headline, happy, sipas, circular []figure }

// figuresOf lists the headline figures of m, labelled in t's language.
func figuresOf(m report.Measures, lang string, t map[string]string) figureGroups {
	var g figureGroups
	sat, r766 := m.Satisfaction, m.Decision766.Proportion
	g.headline = []figure{
		{key: "satisfaction", label: t["ov_satisfaction"], n: sat.N, value: sat.Rate, ci: sat.CI95, enough: sat.EnoughRatings, prop: &sat},
		{key: "sipas", label: t["ov_sipas"], n: m.SIPAS.N, value: m.SIPAS.Overall, enough: m.SIPAS.EnoughRatings},
		{key: "decision766", label: t["ov_766"], n: r766.N, value: r766.Rate, ci: r766.CI95, enough: r766.EnoughRatings, prop: &r766},
	}
	g.happy = []figure{{key: "happy_index", label: t["ov_happy"], n: m.HappyIndex.N, value: m.HappyIndex.Value, enough: m.HappyIndex.EnoughRatings}}
	for _, e := range m.SIPAS.Elements {
		g.sipas = append(g.sipas, figure{key: "sipas/" + e.ID, label: e.Title, n: m.SIPAS.N, value: e.Index, enough: e.EnoughRatings})
	}
	for _, ix := range m.Circular01.Indices {
		label := fmt.Sprintf(t["ov_index"], ix.Index)
		g.circular = append(g.circular, figure{key: fmt.Sprint("c01/", ix.Index), label: label, n: ix.N, value: ix.Score, enough: ix.EnoughRatings,
			class: t["ov_src_"+ix.Source]})
	}
	for _, sc := range []struct {
		key, label string
		s          report.Score
		class      string
	}{{"official", t["ov_official_score"], m.Circular01.Official, report.ClassName(m.Circular01.Official.Classification, lang)},
		{"agency", t["ov_agency_score"], m.Circular01.Agency, t["ov_class_"+m.Circular01.Agency.Classification]}} {
		g.circular = append(g.circular, figure{key: "c01/" + sc.key, label: sc.label, value: sc.s.Value, enough: sc.s.EnoughRatings, class: sc.class, sum: true})
	}
	return g
}

// figureTables makes the overview's tables of m compared with the
// previous period and the year earlier: each figure with its n and 95%
// interval, or "not enough ratings", and each change with its test.
func figureTables(lang string, t map[string]string, m report.Measures, earlier report.Comparisons) []report.Table {
	now, prev, year := figuresOf(m, lang, t), figuresOf(earlier.Previous, lang, t), figuresOf(earlier.YearEarlier, lang, t)
	pp, yp := periodOf(earlier.Previous), periodOf(earlier.YearEarlier)
	// withCI gives the table the columns of the 95% interval, a rate's;
	// withClass, that of a Circular 01 classification.
	build := func(name, title string, valueKind report.Kind, withCI, withClass bool, fs, ps, ys []figure) report.Table {
		cols := []report.Column{{Title: t["ov_measure"]}, {Title: t["ov_n"], Kind: report.KindCount}, {Title: t["ov_value"], Kind: valueKind}}
		if withCI {
			cols = append(cols, report.Column{Title: t["ov_ci_low"], Kind: report.KindRate}, report.Column{Title: t["ov_ci_high"], Kind: report.KindRate})
		}
		changeKind := valueKind // a change of rates is in percentage points
		if valueKind == report.KindRate {
			changeKind = report.KindRateChange
		}
		for _, e := range []string{t["ov_then"], t["ov_year_then"]} {
			cols = append(cols, report.Column{Title: e + ": " + t["ov_value"], Kind: valueKind}, report.Column{Title: e + ": " + t["ov_change"], Kind: changeKind},
				report.Column{Title: e + ": " + t["ov_z"], Kind: report.KindZ}, report.Column{Title: e + ": " + t["ov_beyond"]})
		}
		if withClass {
			cols = append(cols, report.Column{Title: t["ov_class"]})
		}
		tab := report.Table{Name: name, Title: title, Columns: cols}
		for i, f := range fs {
			n := report.Cell{Value: count(f.n)}
			if f.sum {
				n = report.Cell{Text: "–"}
			}
			cells := []report.Cell{{Text: f.label}, n, shownCell(t, f.value, f.enough)}
			switch {
			case !withCI:
			case f.ci != nil && f.enough:
				cells = append(cells, report.Cell{Value: &f.ci[0]}, report.Cell{Value: &f.ci[1]})
			default:
				cells = append(cells, report.Cell{Text: "–"}, report.Cell{Text: "–"})
			}
			for _, e := range []struct {
				fs []figure
				p  report.Period
			}{{ps, pp}, {ys, yp}} {
				cells = append(cells, changeCells(t, f, findFigure(e.fs, f.key, i), e.p)...)
			}
			if withClass {
				cells = append(cells, report.Cell{Text: f.class})
			}
			tab.Rows = append(tab.Rows, report.Row{Cells: cells})
		}
		return tab
	}
	return []report.Table{
		build("headline", t["ov_headline"], report.KindRate, true, false, now.headline, prev.headline, year.headline),
		// A score out of 100, written as the quarterly report writes it
		// (87,5 beside "Chỉ số Happy Index (0–100)"), never as a
		// percentage; it has no interval, and its change is in points of
		// its scale.
		build("happy_index", t["ov_happy_title"], report.KindScore, false, false, now.happy, prev.happy, year.happy),
		build("sipas", t["ov_sipas_title"], report.KindRate, true, false, now.sipas, prev.sipas, year.sipas),
		build("circular01", t["ov_c01_title"], report.KindScore, true, true, now.circular, prev.circular, year.circular),
		targetTable(t, m),
	}
}

// periodOf is the period a report measured.
func periodOf(m report.Measures) report.Period { return report.Period{From: m.From, To: m.To} }

// findFigure finds the figure of key among fs, looking first at i.
func findFigure(fs []figure, key string, i int) *figure {
	if i < len(fs) && fs[i].key == key {
		return &fs[i]
	}
	for j := range fs {
		if fs[j].key == key {
			return &fs[j]
		}
	}
	return nil
}

// changeCells compares f with then, the same figure of period p: the
// figure then, the change, and for a proportion the test's z and verdict.
func changeCells(t map[string]string, f figure, then *figure, p report.Period) []report.Cell {
	if then == nil {
		return []report.Cell{{Text: "–"}, {Text: "–"}, {Text: "–"}, {Text: "–"}}
	}
	out := []report.Cell{shownCell(t, then.value, then.enough)}
	if f.prop != nil {
		c := report.Compare(*f.prop, *then.prop, p)
		verdict := "–"
		if c.Z != nil {
			verdict = t["ov_no"]
			if c.Significant {
				verdict = t["ov_yes"]
			}
		}
		return append(out, valueCell(c.Delta), valueCell(c.Z), report.Cell{Text: verdict})
	}
	var delta *float64
	if f.value != nil && f.enough && then.value != nil && then.enough {
		d := measure.Round4(*f.value - *then.value)
		delta = &d
	}
	return append(out, valueCell(delta), report.Cell{Text: "–"}, report.Cell{Text: t["ov_untested"]})
}

// targetTable lists the targets in force with the measured value and the
// gap, a difference of rates written in percentage points.
func targetTable(t map[string]string, m report.Measures) report.Table {
	tab := report.Table{Name: "targets", Title: t["ov_targets_title"], Columns: []report.Column{
		{Title: t["ov_measure"]}, {Title: t["ov_by"]}, {Title: t["ov_target"], Kind: report.KindRate},
		{Title: t["ov_value"], Kind: report.KindRate}, {Title: t["ov_gap"], Kind: report.KindRateChange}, {Title: t["ov_met"]}, {Title: t["ov_source"]}}}
	for _, g := range m.Targets {
		label := t["ov_satisfaction"]
		if g.Measure == "decision766" {
			label = t["ov_766"]
		}
		target := g.Target.Target
		met := t["not_enough"]
		if g.Met != nil {
			met = t["ov_no"]
			if *g.Met {
				met = t["ov_yes"]
			}
		}
		tab.Rows = append(tab.Rows, report.Row{Cells: []report.Cell{{Text: label}, {Text: strconv.Itoa(g.By)}, {Value: &target},
			shownCell(t, g.Value, g.Value != nil), valueCell(g.Gap), {Text: met}, {Text: g.Source}}})
	}
	if len(tab.Rows) == 0 {
		tab.Note = t["ov_no_targets"]
	}
	return tab
}

// shownCell is a figure, or "not enough ratings" when it rests on too few
// (or "–" when there is none).
func shownCell(t map[string]string, v *float64, enough bool) report.Cell {
	switch {
	case !enough:
		return report.Cell{Text: t["not_enough"]}
	case v == nil:
		return report.Cell{Text: "–"}
	}
	return report.Cell{Value: v}
}

// valueCell is a value, or "–" for none.
func valueCell(v *float64) report.Cell {
	if v == nil {
		return report.Cell{Text: "–"}
	}
	return report.Cell{Value: v}
}

// count is n as a cell's value.
func count(n int64) *float64 {
	f := float64(n)
	return &f
}
