package export

import (
	"fmt"
	"io"
	"math"

	"github.com/xuri/excelize/v2"

	"hailong/aggregator/report"
)

// XLSX writes the tables as a workbook: a sheet describing the file, then
// one sheet a table. Figures are numbers with a number format (rates as
// percentages), so they can be summed and charted.
func XLSX(w io.Writer, meta report.Meta, tables ...report.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	const info = "Info"
	if err := f.SetSheetName("Sheet1", info); err != nil {
		return err
	}
	for i, line := range describe(meta, false) {
		if err := f.SetSheetRow(info, fmt.Sprintf("A%d", i+1), &line); err != nil {
			return err
		}
	}
	_ = f.SetColWidth(info, "A", "A", 28)
	_ = f.SetColWidth(info, "B", "C", 30)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	// Each kind of figure keeps its number with a format: rates as
	// percentages with one decimal, as the pages show them.
	formats := map[report.Kind]int{}
	// Changes of rates are numbers of percentage points with their sign.
	pp := `"` + pointsUnit(meta.Lang) + `"`
	for k, nf := range map[report.Kind]string{report.KindCount: "#,##0", report.KindRate: "0.0%", report.KindScore: "0.0", report.KindZ: "0.00",
		report.KindRateChange: `+0.0\ ` + pp + `;"` + minus + `"0.0\ ` + pp + `;0.0\ ` + pp} {
		if formats[k], err = f.NewStyle(&excelize.Style{CustomNumFmt: ptr(nf)}); err != nil {
			return err
		}
	}
	used := map[string]bool{info: true}
	for _, t := range tables {
		name := sheetName(t.Name, used)
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := f.SetCellStr(name, "A1", t.Title); err != nil {
			return err
		}
		_ = f.SetCellStyle(name, "A1", "A1", bold)
		for j, c := range t.Columns {
			cell, _ := excelize.CoordinatesToCellName(j+1, 2)
			if err := f.SetCellStr(name, cell, c.Title); err != nil {
				return err
			}
			_ = f.SetCellStyle(name, cell, cell, bold)
		}
		for i, r := range t.Rows {
			for j, c := range r.Cells {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
				k := t.Columns[min(j, len(t.Columns)-1)].Kind
				switch {
				case c.Value == nil:
					err = f.SetCellStr(name, cell, c.Text)
				case k == report.KindCount:
					err = f.SetCellInt(name, cell, int64(*c.Value))
				case k == report.KindRateChange:
					err = f.SetCellFloat(name, cell, math.Round(*c.Value*1e8)/1e6, -1, 64)
				default:
					err = f.SetCellFloat(name, cell, *c.Value, -1, 64)
				}
				if err != nil {
					return err
				}
				if style, ok := formats[k]; ok && c.Value != nil {
					_ = f.SetCellStyle(name, cell, cell, style)
				}
			}
		}
		if t.Note != "" {
			cell, _ := excelize.CoordinatesToCellName(1, len(t.Rows)+4)
			if err := f.SetCellStr(name, cell, t.Note); err != nil {
				return err
			}
		}
		_ = f.SetColWidth(name, "A", "A", 36)
		if len(t.Columns) > 1 {
			last, _ := excelize.ColumnNumberToName(len(t.Columns))
			_ = f.SetColWidth(name, "B", last, 16)
		}
		// The header stays in view while scrolling a long table.
		_ = f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
	}
	_, err = f.WriteTo(w)
	return err
}

func ptr[T any](v T) *T { return &v }

// sheetName makes a sheet name Excel accepts (at most 31 characters,
// none of []:*?/\) and unique in the workbook.
func sheetName(s string, used map[string]bool) string {
	clean := []rune{}
	for _, r := range s {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			r = '-'
		}
		clean = append(clean, r)
	}
	if len(clean) == 0 {
		clean = []rune("table")
	}
	if len(clean) > 28 {
		clean = clean[:28]
	}
	name := string(clean)
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d", string(clean), i)
	}
	used[name] = true
	return name
}
