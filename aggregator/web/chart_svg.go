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
// It is narrow, so that its words stay readable on a phone when it shrinks
// to the screen; the page caps its width on a desktop.
const (
	chartW, chartH = 480, 240
	plotL, plotR   = 56, 462
	plotT, plotB   = 12, 200
	// maxLabels is how many labels the x axis writes, so they never
	// overlap.
	maxLabels = 4
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
	// Anchor aligns the label: the first and last of the x axis are kept
	// inside the chart.
	Anchor string
}

// seriesData is one line to draw: a value per label, nil for a gap, and
// optionally an interval per label drawn as a band.
type seriesData struct {
	Name, Class string
	Values      []*float64
	Bands       []*[2]float64
}

// drawLines draws series over labelled points on a y axis from lo to hi,
// its labels written by yLabel and the points' values by value.
func drawLines(id, title, desc string, labels []string, series []seriesData, lo, hi float64, yLabel, value func(float64) string) lineChart {
	ch := lineChart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, PlotL: plotL, PlotR: plotR, AxisX: plotL - 6, XLabelY: chartH - 14}
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
	every := max(1, (len(labels)+maxLabels-2)/(maxLabels-1))
	for i, l := range labels {
		last := i == len(labels)-1
		if (i%every == 0 && len(labels)-1-i >= every/2+1) || last || i == 0 {
			anchor := "middle"
			switch {
			case len(labels) == 1:
			case i == 0:
				anchor = "start"
			case last:
				anchor = "end"
			}
			ch.XTicks = append(ch.XTicks, chartTick{At: x(i), Label: l, Anchor: anchor})
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
			s.Dots = append(s.Dots, chartDot{X: px, Y: py, Label: labels[i] + ": " + value(*v)})
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
	percent := func(v float64) string { // the ticks fall on whole percents
		if lang == "vi" {
			return formatNumber(lang, v*100, 0) + "\u00a0%"
		}
		return formatNumber(lang, v*100, 0) + "%"
	}
	return drawLines(id, title, desc, labels, []seriesData{sat, r766}, lo, 1, percent, func(v float64) string { return formatRate(lang, &v) })
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

// barChart is a bar per item: its rate, and its 95% interval as a
// whisker. Its words are HTML, so they wrap and stay readable on a phone;
// each bar is a small SVG scaled to the row, hidden from screen readers,
// which read the words (and the table has the intervals).
type barChart struct {
	Title string
	Bars  []chartBar
}

// chartBar is one item of a bar chart, or the heading of a group.
type chartBar struct {
	Label  string
	Value  string // its rate, or why there is none
	Group  bool   // a heading row (an element of SIPAS)
	Shown  bool
	W      float64 // the bar's length, of 100
	Lo, Hi float64 // the interval's ends, of 100
}

// sipasChart draws each SIPAS statement's satisfaction under its element.
func sipasChart(s report.SIPAS, lang, title, notEnough string) barChart {
	ch := barChart{Title: title}
	for _, e := range s.Elements {
		ch.Bars = append(ch.Bars, chartBar{Label: e.Title, Group: true})
		for _, it := range s.Items {
			if it.Element != e.ID {
				continue
			}
			b := chartBar{Label: it.Text, Shown: it.Shown(), Value: notEnough}
			if b.Shown {
				b.W, b.Lo, b.Hi = round1(*it.Rate*100), round1(it.CI95[0]*100), round1(it.CI95[1]*100)
				b.Value = formatRate(lang, it.Rate) + " (" + formatInterval(lang, it.CI95) + ")"
			}
			ch.Bars = append(ch.Bars, b)
		}
	}
	return ch
}
