package export

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-pdf/fpdf"

	"hailong/aggregator/report"
	"hailong/assets/fonts"
)

// PDFOptions shapes a PDF report.
type PDFOptions struct {
	// Chart names a table also drawn as a bar chart of its first rate
	// column against its first column (the quarterly report's trend).
	Chart string
	// Subtitle is printed under the title (the unit's name); Footer at
	// the foot of every page, before its number.
	Subtitle, Footer string
}

// The page, in millimetres.
const (
	pageMargin = 15.0
	lineHeight = 4.2
	cellPad    = 1.2
	// slack is added to a text's width for its cell: the padding, and a
	// little more, as fpdf's line splitting rounds widths.
	slack     = 2*cellPad + 0.8
	tableFont = 8.0
)

// PDF writes the tables as a printable A4 report in Noto Sans, which
// covers Vietnamese: a title with what the file holds (unit, period,
// filters, generation time), then each table with its note, figures
// written as people of meta.Lang write them, and page numbers.
func PDF(w io.Writer, meta report.Meta, o PDFOptions, tables ...report.Table) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(pageMargin, pageMargin, pageMargin)
	p.SetAutoPageBreak(true, pageMargin+5)
	// Cells are padded here (cellPad), not by fpdf, whose line splitting
	// would take its own margin off every width.
	p.SetCellMargin(0)
	p.AddUTF8FontFromBytes("noto", "", fonts.Regular)
	p.AddUTF8FontFromBytes("noto", "B", fonts.Bold)
	p.SetTitle(meta.Title, true)
	p.SetCreator("Hài Lòng", true)
	p.SetCreationDate(meta.Generated)
	p.SetModificationDate(meta.Generated)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-pageMargin)
		p.SetFont("noto", "", 8)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 5, o.Footer, "", 0, "L", false, 0, "")
		p.SetX(pageMargin)
		p.CellFormat(0, 5, fmt.Sprintf(word(meta.Lang, "page"), p.PageNo()), "", 0, "R", false, 0, "")
	})
	p.AddPage()
	p.SetFont("noto", "B", 15)
	p.MultiCell(0, 7, meta.Title, "", "L", false)
	if o.Subtitle != "" {
		p.SetFont("noto", "B", 12)
		p.MultiCell(0, 6, o.Subtitle, "", "L", false)
	}
	p.Ln(1)
	p.SetFont("noto", "", 9)
	for _, line := range describe(meta, true) {
		if len(line) < 2 {
			continue // the title, printed above
		}
		p.SetFont("noto", "B", 9)
		p.CellFormat(45, 5, line[0], "", 0, "L", false, 0, "")
		p.SetFont("noto", "", 9)
		p.MultiCell(0, 5, strings.Join(slices.DeleteFunc(slices.Clone(line[1:]), func(s string) bool { return s == "" }), " · "), "", "L", false)
	}
	for _, t := range tables {
		p.Ln(4)
		pdfTable(p, meta.Lang, t)
		if t.Name == o.Chart {
			pdfChart(p, meta.Lang, t)
		}
	}
	return p.Output(w)
}

// pdfWords are the words of the PDF's frame.
var pdfWords = map[string]map[string]string{
	"vi": {"page": "Trang %d/{nb}", "empty": "Không có dòng nào."},
	"en": {"page": "Page %d of {nb}", "empty": "No rows."},
}

// glyphs replaces the characters the embedded font lacks with those it has.
var glyphs = strings.NewReplacer("\u2212", "-")

// word is a word of the PDF's frame in lang, Vietnamese by default.
func word(lang, key string) string {
	if w, ok := pdfWords[lang]; ok {
		return w[key]
	}
	return pdfWords["vi"][key]
}

// pdfTable writes one table: its title, a header that repeats on each new
// page, rows whose cells wrap, and its note.
func pdfTable(p *fpdf.Fpdf, lang string, t report.Table) {
	_, pageH := p.GetPageSize()
	bottom := pageH - pageMargin - 5
	if p.GetY()+20 > bottom {
		p.AddPage()
	}
	p.SetFont("noto", "B", 11)
	p.SetTextColor(0, 0, 0)
	p.MultiCell(0, 6, t.Title, "", "L", false)
	p.Ln(1)
	texts := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		for j, c := range r.Cells {
			texts[i] = append(texts[i], glyphs.Replace(FormatCell(lang, t.Columns[min(j, len(t.Columns)-1)].Kind, c)))
		}
	}
	widths := columnWidths(p, t, texts)
	header := func() {
		p.SetFont("noto", "B", tableFont)
		p.SetFillColor(225, 232, 240)
		heads := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			heads[j] = c.Title
		}
		pdfRow(p, widths, heads, nil, true)
		p.SetFont("noto", "", tableFont)
	}
	header()
	for i, r := range t.Rows {
		right := make([]bool, len(widths))
		for j := range right {
			right[j] = j < len(r.Cells) && r.Cells[j].Value != nil && t.Columns[j].Kind != report.KindText
		}
		if p.GetY()+rowHeight(p, widths, texts[i]) > bottom {
			p.AddPage()
			header()
		}
		pdfRow(p, widths, texts[i], right, false)
	}
	if len(t.Rows) == 0 {
		p.SetFont("noto", "", tableFont)
		p.CellFormat(0, 6, word(lang, "empty"), "1", 1, "L", false, 0, "")
	}
	if t.Note != "" {
		p.Ln(1)
		p.SetFont("noto", "", 7.5)
		p.SetTextColor(70, 70, 70)
		p.MultiCell(0, 3.8, glyphs.Replace(t.Note), "", "L", false)
		p.SetTextColor(0, 0, 0)
	}
}

// columnWidths shares the page's width among the columns: a figure's
// column is as wide as its widest figure and the longest word of its
// header, never less; text columns share what is left by the width of
// their texts, a text wrapping rather than a figure.
func columnWidths(p *fpdf.Fpdf, t report.Table, texts [][]string) []float64 {
	pageW, _ := p.GetPageSize()
	avail := pageW - 2*pageMargin
	p.SetFont("noto", "B", tableFont)
	least := make([]float64, len(t.Columns)) // what a column cannot go below
	want := make([]float64, len(t.Columns))  // what it would like
	for j, c := range t.Columns {
		for _, word := range strings.Fields(c.Title) {
			least[j] = max(least[j], p.GetStringWidth(word)+slack)
		}
		// A header wraps to about three lines.
		want[j] = max(least[j], p.GetStringWidth(c.Title)/3+slack)
	}
	p.SetFont("noto", "", tableFont)
	for _, row := range texts {
		for j := range min(len(row), len(want)) {
			w := p.GetStringWidth(row[j]) + slack
			if t.Columns[j].Kind != report.KindText && !strings.Contains(row[j], " ") {
				least[j] = max(least[j], w)
			}
			want[j] = max(want[j], min(w, avail/2))
		}
	}
	var sumWant, sumLeast float64
	for j := range want {
		sumWant += want[j]
		sumLeast += least[j]
	}
	out := make([]float64, len(want))
	if sumWant <= avail || sumLeast >= avail {
		for j := range want {
			out[j] = want[j] * avail / sumWant
		}
		return out
	}
	// Shrink what can be shrunk, in proportion to how much it can give.
	give := (sumWant - avail) / (sumWant - sumLeast)
	for j := range want {
		out[j] = want[j] - (want[j]-least[j])*give
	}
	return out
}

// rowHeight is the height of a row whose cells wrap in their widths.
func rowHeight(p *fpdf.Fpdf, widths []float64, texts []string) float64 {
	lines := 1
	for j, s := range texts {
		if j < len(widths) {
			lines = max(lines, len(p.SplitText(s, widths[j]-2*cellPad)))
		}
	}
	return float64(lines)*lineHeight + 2*cellPad
}

// pdfRow draws one row of bordered cells, right-aligning numbers.
func pdfRow(p *fpdf.Fpdf, widths []float64, texts []string, right []bool, fill bool) {
	h := rowHeight(p, widths, texts)
	x, y := p.GetX(), p.GetY()
	style := "D"
	if fill {
		style = "FD"
	}
	p.SetDrawColor(160, 160, 160)
	for j, wd := range widths {
		p.Rect(x, y, wd, h, style)
		if j < len(texts) {
			align := "L"
			if j < len(right) && right[j] {
				align = "R"
			}
			for k, line := range p.SplitText(texts[j], wd-2*cellPad) {
				p.SetXY(x+cellPad, y+cellPad+float64(k)*lineHeight)
				p.CellFormat(wd-2*cellPad, lineHeight, line, "", 0, align, false, 0, "")
			}
		}
		x += wd
	}
	p.SetXY(pageMargin, y+h)
}

// pdfChart draws the table's first rate column as bars, 0–100 %, with a
// bar's value above it and its first column's text under it.
func pdfChart(p *fpdf.Fpdf, lang string, t report.Table) {
	col := slices.IndexFunc(t.Columns, func(c report.Column) bool { return c.Kind == report.KindRate })
	if col < 0 || len(t.Rows) == 0 {
		return
	}
	const height = 45.0
	_, pageH := p.GetPageSize()
	if p.GetY()+height+20 > pageH-pageMargin-5 {
		p.AddPage()
	}
	pageW, _ := p.GetPageSize()
	left, top := pageMargin+10, p.GetY()+10
	width := pageW - 2*pageMargin - 10
	p.SetFont("noto", "B", 9)
	p.Text(pageMargin, top-5, t.Columns[col].Title)
	p.SetFont("noto", "", 7)
	p.SetDrawColor(200, 200, 200)
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := top + height*(1-v)
		p.Line(left, y, left+width, y)
		label := FormatCell(lang, report.KindRate, report.Cell{Value: &v})
		p.Text(pageMargin, y+1, label)
	}
	slot := width / float64(len(t.Rows))
	p.SetFillColor(31, 95, 160)
	for i, r := range t.Rows {
		x := left + float64(i)*slot + slot*0.15
		if col < len(r.Cells) && r.Cells[col].Value != nil {
			v := min(max(*r.Cells[col].Value, 0), 1)
			p.Rect(x, top+height*(1-v), slot*0.7, height*v, "F")
			label := FormatCell(lang, report.KindRate, r.Cells[col])
			p.Text(x+(slot*0.7-p.GetStringWidth(label))/2, top+height*(1-v)-1, label)
		} else {
			p.Text(x+(slot*0.7-p.GetStringWidth("–"))/2, top+height-1, "–")
		}
		if len(r.Cells) > 0 {
			name := r.Cells[0].Text
			p.Text(x+(slot*0.7-p.GetStringWidth(name))/2, top+height+4, name)
		}
	}
	p.SetXY(pageMargin, top+height+7)
}
