package web

import (
	"fmt"
	"math"
	"strings"

	"hailong/aggregator/report"
)

// Charts are drawn on the server as SVG rather than by a vendored
// JavaScript library: the figures are already computed here, an SVG in the
// page needs no script (so nothing to allow in the CSP, nothing to load on
// a slow phone, and it prints and shows without JavaScript), it scales with
// its viewBox down to a 320 px screen, and its geometry is plain
// attributes, not inline style. Each chart is an image with a title and a
// description for screen readers, and the page shows the same figures as a
// table beside it (report.Table, downloadable), the accessible equivalent.

// chartW and chartH are the viewBox of a line chart; the plot area leaves
// room for the axes' labels.
const (
	chartW, chartH         = 640, 260
	plotL, plotR           = 48, 628
	plotT, plotB           = 12, 222
	barRowH, barL, barPlot = 26, 8, 624
)

// lineChart is a chart of rates by month: each series a line broken where
// a month has too few ratings, satisfaction with its 95% interval as a band.
type lineChart struct {
	// ID names the chart's title and description for aria-labelledby.
	ID, Title, Desc string
	AxisX           int // where the value labels end
	XLabelY         int // the baseline of the month labels
	W, H            int
	Series          []chartSeries
	XTicks          []chartTick
	YTicks          []chartTick
	PlotL           int
	PlotR           int
}

// chartSeries is one line of a chart.
type chartSeries struct {
	Name  string
	Class string // chart-sat, chart-766
	Path  string // "M x y L x y …", a new M after each gap
	Band  string // the interval's outline, as a path
	Dots  []chartDot
}

// chartDot is one drawn point, with its value for a tooltip.
type chartDot struct {
	X, Y  float64
	Label string
}

// chartTick is a label on an axis at a position.
type chartTick struct {
	At    float64
	Label string
}

// seriesData is one line to draw: a value per label, nil for a gap, and
// optionally an interval per label drawn as a band.
type seriesData struct {
	Name, Class string
	Values      []*float64
	Bands       []*[2]float64
}

// drawLines draws series over labelled points on a y axis from lo to hi,
// its labels written by yLabel.
func drawLines(id, title, desc string, labels []string, series []seriesData, lo, hi float64, yLabel func(float64) string) lineChart {
	ch := lineChart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, PlotL: plotL, PlotR: plotR, AxisX: plotL - 4, XLabelY: chartH - 18}
	y := func(v float64) float64 { return round1(plotB - (v-lo)/(hi-lo)*(plotB-plotT)) }
	step := float64(plotR-plotL) / float64(max(len(labels)-1, 1))
	x := func(i int) float64 { return round1(plotL + float64(i)*step) }
	if len(labels) == 1 {
		x = func(int) float64 { return (plotL + plotR) / 2 }
	}
	for i := 0; i <= 5; i++ {
		v := lo + float64(i)*(hi-lo)/5
		ch.YTicks = append(ch.YTicks, chartTick{At: y(v), Label: yLabel(v)})
	}
	every := max(1, (len(labels)+7)/8) // at most eight labels fit a phone
	for i, l := range labels {
		if i%every == 0 || i == len(labels)-1 {
			ch.XTicks = append(ch.XTicks, chartTick{At: x(i), Label: l})
		}
	}
	for _, in := range series {
		s := chartSeries{Name: in.Name, Class: in.Class}
		var path, band strings.Builder
		var upper, lower []string // of the current run, for its band
		flush := func() {
			if len(upper) > 1 {
				fmt.Fprintf(&band, "M%s L%s Z ", strings.Join(upper, " L"), strings.Join(reversed(lower), " L"))
			}
			upper, lower = nil, nil
		}
		gap := true
		for i, v := range in.Values {
			if v == nil {
				gap = true
				flush()
				continue
			}
			px, py := x(i), y(*v)
			cmd := "L"
			if gap {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%g %g ", cmd, px, py)
			gap = false
			if i < len(in.Bands) && in.Bands[i] != nil {
				upper = append(upper, fmt.Sprintf("%g %g", px, y(in.Bands[i][1])))
				lower = append(lower, fmt.Sprintf("%g %g", px, y(in.Bands[i][0])))
			}
			s.Dots = append(s.Dots, chartDot{X: px, Y: py, Label: labels[i] + ": " + yLabel(*v)})
		}
		flush()
		s.Path, s.Band = strings.TrimSpace(path.String()), strings.TrimSpace(band.String())
		ch.Series = append(ch.Series, s)
	}
	return ch
}

// trendChart draws satisfaction (with its interval band) and the
// Decision 766 ratio of each month; months below the minimum sample are
// gaps. The axis starts at the multiple of 10% below every interval shown.
func trendChart(id string, months []report.MonthRow, lang, title, desc string, names [2]string) lineChart {
	lo := 1.0
	var labels []string
	sat := seriesData{Name: names[0], Class: "chart-sat"}
	r766 := seriesData{Name: names[1], Class: "chart-766"}
	for _, m := range months {
		labels = append(labels, monthTick(m.Month, lang))
		for _, x := range []struct {
			p report.Proportion
			s *seriesData
		}{{m.Satisfaction, &sat}, {m.Decision766, &r766}} {
			if !x.p.Shown() {
				x.s.Values, x.s.Bands = append(x.s.Values, nil), append(x.s.Bands, nil)
				continue
			}
			lo = min(lo, x.p.CI95[0])
			x.s.Values, x.s.Bands = append(x.s.Values, x.p.Rate), append(x.s.Bands, x.p.CI95)
		}
	}
	r766.Bands = nil // one band: two would hide each other
	lo = min(0.9, math.Max(0, math.Floor(lo*10-0.0001)/10))
	return drawLines(id, title, desc, labels, []seriesData{sat, r766}, lo, 1, func(v float64) string { return formatRate(lang, &v) })
}

func reversed(xs []string) []string {
	out := make([]string, len(xs))
	for i, v := range xs {
		out[len(xs)-1-i] = v
	}
	return out
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// monthTick writes YYYY-MM as 11/2026, or Nov 2026 in English.
func monthTick(month, lang string) string {
	var y, m int
	if _, err := fmt.Sscanf(month, "%d-%d", &y, &m); err != nil {
		return month
	}
	if lang == "vi" {
		return fmt.Sprintf("%d/%d", m, y)
	}
	return fmt.Sprintf("%s %d", [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[(m+11)%12], y)
}

// barChart is a horizontal bar per item: its rate, and its 95% interval as
// a whisker; items without enough ratings have no bar, and say so.
type barChart struct {
	ID, Title, Desc    string
	GridBottom, LabelY int
	W, H               int
	Bars               []chartBar
	Grid               []chartTick // 0, 25, 50, 75, 100%
}

// chartBar is one item of a bar chart.
type chartBar struct {
	Label       string // the item, above its bar
	Value       string // its rate, or why there is none
	Y           int    // the top of the item's row
	W           float64
	Lo, Hi      float64
	Shown       bool
	Group       bool // a heading row (an element of SIPAS)
	TextY, BarY int
	MidY        int // the whisker's height
}

// sipasChart draws each SIPAS statement's satisfaction under its element.
func sipasChart(s report.SIPAS, lang, title, desc, notEnough string) barChart {
	ch := barChart{ID: "an-sipas-chart", Title: title, Desc: desc, W: chartW}
	scale := func(v float64) float64 { return round1(barL + v*float64(barPlot-barL)) }
	y := 4
	for _, e := range s.Elements {
		ch.Bars = append(ch.Bars, chartBar{Label: e.Title, Group: true, Y: y, TextY: y + 16})
		y += barRowH
		for _, it := range s.Items {
			if it.Element != e.ID {
				continue
			}
			b := chartBar{Label: it.Text, Y: y, TextY: y + 13, BarY: y + 18, MidY: y + 23, Shown: it.Shown()}
			if b.Shown {
				b.W = scale(*it.Rate) - barL
				b.Lo, b.Hi = scale(it.CI95[0]), scale(it.CI95[1])
				b.Value = formatRate(lang, it.Rate)
			} else {
				b.Value = notEnough
			}
			ch.Bars = append(ch.Bars, b)
			y += barRowH + 14
		}
	}
	ch.H = y + 20
	ch.GridBottom, ch.LabelY = ch.H-18, ch.H-4
	for _, v := range []float64{0, .25, .5, .75, 1} {
		ch.Grid = append(ch.Grid, chartTick{At: scale(v), Label: formatRate(lang, &v)})
	}
	return ch
}
