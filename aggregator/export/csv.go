// Package export writes the tables of reports as files an analyst opens
// in a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel shows
// Vietnamese) and XLSX. Each file says what it holds: the title, the
// unit, the period, the filters and when it was made.
package export

import (
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"hailong"
	"hailong/aggregator/report"
)

// bom makes Excel read a CSV file as UTF-8.
const bom = "\uFEFF"

// CSV writes the tables to w, each after the file's description and a
// blank line. Figures are written as plain numbers with a dot, rates as
// percentages (83.6), so a spreadsheet in any locale reads them as
// numbers; a figure not shown is left empty with its reason in the next
// column.
func CSV(w io.Writer, meta report.Meta, tables ...report.Table) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, line := range describe(meta, false) {
		if err := cw.Write(inertAll(line)); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if err := cw.Write(nil); err != nil {
			return err
		}
		if err := cw.Write(inertAll([]string{t.Title})); err != nil {
			return err
		}
		head := make([]string, 0, len(t.Columns))
		for _, c := range t.Columns {
			if c.Kind == report.KindRate {
				// Rates are written as percentages: the header says so.
				head = append(head, c.Title+" (%)")
				continue
			}
			if c.Kind == report.KindRateChange {
				// Changes of rates are written in percentage points.
				head = append(head, c.Title+" ("+pointsUnit(meta.Lang)+")")
				continue
			}
			head = append(head, c.Title)
		}
		if err := cw.Write(inertAll(head)); err != nil {
			return err
		}
		for _, r := range t.Rows {
			line := make([]string, 0, len(r.Cells))
			for i, cell := range r.Cells {
				line = append(line, csvCell(t.Columns[min(i, len(t.Columns)-1)].Kind, cell))
			}
			if err := cw.Write(line); err != nil {
				return err
			}
		}
		if t.Note != "" {
			if err := cw.Write(inertAll([]string{t.Note})); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell writes one value: a number when there is one, else the text,
// made inert.
func csvCell(k report.Kind, c report.Cell) string {
	if c.Value == nil {
		return inert(c.Text)
	}
	switch k {
	case report.KindCount:
		return strconv.FormatInt(int64(*c.Value), 10)
	case report.KindRate, report.KindRateChange:
		// Rates are published to four decimals, so a percentage (or a
		// change in percentage points) has two;
		// rounding drops the binary noise of ×100 (29/100 → 29, not
		// 28.999999999999996).
		return strconv.FormatFloat(math.Round(*c.Value*1e8)/1e6, 'f', -1, 64)
	}
	return strconv.FormatFloat(*c.Value, 'f', -1, 64)
}

// inert keeps a text a spreadsheet would take for a formula (a citizen's
// comment, a name imported from another list, a kiosk's version) from
// being one: a leading =, +, -, @, tab or carriage return gets an
// apostrophe, as OWASP advises for CSV files. Numbers are written apart
// and never pass here.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// inertAll makes every field of a text line inert.
func inertAll(line []string) []string {
	out := make([]string, len(line))
	for i, f := range line {
		out[i] = inert(f)
	}
	return out
}

// describe is the file's description, one label and value a line, in the
// language of the page it came from. Its days are ISO in a file a program
// may read (CSV, XLSX), and as the page writes them in a document a person
// reads (read: the PDF): 31/03/2026 in Vietnamese.
func describe(m report.Meta, read bool) [][]string {
	t := labels[m.Lang]
	if t == nil {
		t = labels["en"]
	}
	day, stamp := hailong.Date.String, func(at time.Time) string { return at.In(hailong.Location).Format("2006-01-02 15:04:05 -07:00") }
	if read && m.Lang == "vi" {
		day = func(d hailong.Date) string { return d.Start().In(hailong.Location).Format("02/01/2006") }
		stamp = func(at time.Time) string {
			return at.In(hailong.Location).Format("15:04 02/01/2006") + " (giờ Việt Nam)"
		}
	}
	lines := [][]string{
		{m.Title},
		{t["unit"], m.UnitName, m.Unit},
		{t["period"], m.Period.String(), day(m.Period.From), day(m.Period.To)},
	}
	if m.AsOf != 0 {
		lines = append(lines, []string{t["as_of"], day(m.AsOf)})
	}
	keys := make([]string, 0, len(m.Filters))
	for k := range m.Filters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		lines = append(lines, []string{t["filter"], k, m.Filters[k]})
	}
	lines = append(lines, []string{t["generated"], stamp(m.Generated)})
	return lines
}

// labels are the words of a file's description.
var labels = map[string]map[string]string{
	"vi": {"unit": "Đơn vị", "period": "Kỳ (tên, từ ngày, đến ngày)", "as_of": "Theo địa giới ngày", "filter": "Bộ lọc", "generated": "Thời điểm lập"},
	"en": {"unit": "Unit", "period": "Period (name, from, to)", "as_of": "Boundaries as of", "filter": "Filter", "generated": "Generated"},
}
