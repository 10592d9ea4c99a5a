package export

import (
	"fmt"
	"io"

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
	for i, line := range describe(meta) {
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
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	score, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0.0")})
	if err != nil {
		return err
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
				default:
					err = f.SetCellFloat(name, cell, *c.Value, -1, 64)
					switch k {
					case report.KindRate:
						_ = f.SetCellStyle(name, cell, cell, pct)
					case report.KindScore:
						_ = f.SetCellStyle(name, cell, cell, score)
					}
				}
				if err != nil {
					return err
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
