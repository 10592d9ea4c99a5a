package export_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

func ptr(v float64) *float64 { return &v }

// sample is a report with every kind of figure, a figure withheld, a
// note, and a name that no sheet may have.
func sample() (report.Meta, []report.Table) {
	meta := report.Meta{Title: "Mức độ hài lòng", Unit: "09190", UnitName: "Phường Kinh Bắc", Period: report.QuarterOf(2026, 3),
		AsOf: hailong.DateFromYMD(2026, 11, 30), Filters: map[string]string{"official": "cb-07", "channel": "kiosk"},
		Generated: time.Date(2026, 11, 30, 3, 4, 5, 0, time.UTC), Lang: "vi"}
	t := report.Table{Name: "by/unit:[all]", Title: "Theo đơn vị", Note: "Dưới 30 lượt không hiển thị tỷ lệ.",
		Columns: []report.Column{{Title: "Đơn vị", Kind: report.KindText}, {Title: "Số lượt", Kind: report.KindCount},
			{Title: "Tỷ lệ", Kind: report.KindRate}, {Title: "Điểm", Kind: report.KindScore}, {Title: "z", Kind: report.KindZ},
			{Title: "Thay đổi", Kind: report.KindRateChange}},
		Rows: []report.Row{
			{Cells: []report.Cell{{Text: "Xã Nghĩa Hiệp"}, {Value: ptr(1234)}, {Value: ptr(0.8361)}, {Value: ptr(8.5)}, {Value: ptr(-2.0312)}, {Value: ptr(-0.0231)}}},
			{Cells: []report.Cell{{Text: "Phường Hữu Nghị"}, {Value: ptr(12)}, {Text: "Chưa đủ số lượt đánh giá"}, {}, {}, {Value: ptr(0.005)}}},
		}}
	return meta, []report.Table{t, {Name: "by/unit:[all]", Title: "Lần nữa", Columns: t.Columns}}
}

func TestCSV(t *testing.T) {
	meta, tables := sample()
	var b bytes.Buffer
	if err := export.CSV(&b, meta, tables...); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\uFEFF")) {
		t.Fatal("no byte-order mark: Excel would show the Vietnamese as mojibake")
	}
	cr := csv.NewReader(bytes.NewReader(b.Bytes()[3:]))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(records)
	for _, want := range []string{
		"[Mức độ hài lòng]", "[Đơn vị Phường Kinh Bắc 09190]", "[Kỳ (tên, từ ngày, đến ngày) 2026-Q3 2026-07-01 2026-09-30]",
		"[Theo địa giới ngày 2026-11-30]", "[Bộ lọc channel kiosk] [Bộ lọc official cb-07]", "[Thời điểm lập 2026-11-30 10:04:05 +07:00]",
		"[Theo đơn vị] [Đơn vị Số lượt Tỷ lệ (%) Điểm z Thay đổi (điểm %)]", "[Xã Nghĩa Hiệp 1234 83.61 8.5 -2.0312 -2.31]",
		"[Phường Hữu Nghị 12 Chưa đủ số lượt đánh giá   0.5]", "[Dưới 30 lượt không hiển thị tỷ lệ.]", "[Lần nữa]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the CSV lacks %s:\n%s", want, got)
		}
	}
}

func TestXLSX(t *testing.T) {
	meta, tables := sample()
	var b bytes.Buffer
	if err := export.XLSX(&b, meta, tables...); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); fmt.Sprint(sheets) != "[Info by-unit--all- by-unit--all--2]" {
		t.Errorf("sheets %v", sheets)
	}
	info, _ := f.GetRows("Info")
	if fmt.Sprint(info) != "[[Mức độ hài lòng] [Đơn vị Phường Kinh Bắc 09190] [Kỳ (tên, từ ngày, đến ngày) 2026-Q3 2026-07-01 2026-09-30] "+
		"[Theo địa giới ngày 2026-11-30] [Bộ lọc channel kiosk] [Bộ lọc official cb-07] [Thời điểm lập 2026-11-30 10:04:05 +07:00]]" {
		t.Errorf("Info sheet %v", info)
	}
	const s = "by-unit--all-"
	tests := []struct {
		cell, raw, shown string
		typ              excelize.CellType
	}{
		{"A1", "Theo đơn vị", "Theo đơn vị", excelize.CellTypeSharedString},
		{"A3", "Xã Nghĩa Hiệp", "Xã Nghĩa Hiệp", excelize.CellTypeSharedString},
		{"B3", "1234", "1,234", excelize.CellTypeUnset},
		{"C3", "0.8361", "83.6%", excelize.CellTypeUnset},
		{"D3", "8.5", "8.5", excelize.CellTypeUnset},
		{"E3", "-2.0312", "-2.03", excelize.CellTypeUnset},
		{"F3", "-2.31", "\u22122.3 điểm %", excelize.CellTypeUnset},
		{"F4", "0.5", "+0.5 điểm %", excelize.CellTypeUnset},
		{"C4", "Chưa đủ số lượt đánh giá", "Chưa đủ số lượt đánh giá", excelize.CellTypeSharedString},
		{"A6", "Dưới 30 lượt không hiển thị tỷ lệ.", "Dưới 30 lượt không hiển thị tỷ lệ.", excelize.CellTypeSharedString},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			raw, _ := f.GetCellValue(s, tt.cell, excelize.Options{RawCellValue: true})
			shown, _ := f.GetCellValue(s, tt.cell)
			typ, _ := f.GetCellType(s, tt.cell)
			if raw != tt.raw || shown != tt.shown || typ != tt.typ {
				t.Errorf("%s: raw %q shown %q type %v, want %q %q %v", tt.cell, raw, shown, typ, tt.raw, tt.shown, tt.typ)
			}
		})
	}
}

func TestFormatCell(t *testing.T) {
	tests := []struct {
		lang string
		kind report.Kind
		cell report.Cell
		want string
	}{
		{"vi", report.KindRate, report.Cell{Value: ptr(0.8361)}, "83,6\u00a0%"},
		{"en", report.KindRate, report.Cell{Value: ptr(0.8361)}, "83.6%"},
		{"vi", report.KindCount, report.Cell{Value: ptr(1234567)}, "1.234.567"},
		{"en", report.KindCount, report.Cell{Value: ptr(1234567)}, "1,234,567"},
		{"vi", report.KindScore, report.Cell{Value: ptr(11.5)}, "11,5"},
		{"vi", report.KindZ, report.Cell{Value: ptr(-1.9612)}, "\u22121,96"},
		{"en", report.KindZ, report.Cell{Value: ptr(-1.9612)}, "\u22121.96"},
		{"vi", report.KindRateChange, report.Cell{Value: ptr(-0.0231)}, "\u22122,3\u00a0điểm\u00a0%"},
		{"en", report.KindRateChange, report.Cell{Value: ptr(-0.0231)}, "\u22122.3\u00a0pp"},
		{"vi", report.KindRateChange, report.Cell{Value: ptr(0.0126)}, "+1,3\u00a0điểm\u00a0%"},
		{"en", report.KindRateChange, report.Cell{Value: ptr(0.0126)}, "+1.3\u00a0pp"},
		{"en", report.KindRateChange, report.Cell{Value: ptr(0)}, "0.0\u00a0pp"},
		{"vi", report.KindRate, report.Cell{Text: "Chưa đủ số lượt đánh giá"}, "Chưa đủ số lượt đánh giá"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.want, func(t *testing.T) {
			if got := export.FormatCell(tt.lang, tt.kind, tt.cell); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDuration: a span in its two largest units, rounded to the second,
// with Vietnamese thousands.
func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		name, lang string
		d          time.Duration
		want       string
	}{
		{"hours", "vi", 5 * time.Hour, "5 giờ"},
		{"hours", "en", 5 * time.Hour, "5 h"},
		{"a day and hours", "vi", 26*time.Hour + 59*time.Minute, "1 ngày 2 giờ"},
		{"a day and hours", "en", 26 * time.Hour, "1 d 2 h"},
		{"a day and no hours", "vi", 24*time.Hour + 5*time.Minute, "1 ngày"},
		{"minutes and seconds", "vi", 3*time.Minute + 20*time.Second, "3 phút 20 giây"},
		{"rounded to the second", "en", 2*time.Minute + 59500*time.Millisecond, "3 min"},
		{"thousands of days", "vi", 1500 * 24 * time.Hour, "1.500 ngày"},
		{"none", "vi", 400 * time.Millisecond, "0 giây"},
		{"negative", "en", -time.Hour, "0 s"},
		{"unknown language", "fr", 90 * time.Minute, "1 h 30 min"},
	} {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			if got := export.Duration(tt.lang, tt.d); got != tt.want {
				t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

// TestPDF writes a table long enough for three pages: the text reads back
// with its diacritics, the header repeats on each page, pages are numbered.
func TestPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext is missing: scripts/test-deps.sh installs poppler-utils")
		}
		t.Fatal("pdftotext is missing on CI")
	}
	meta, tables := sample()
	long := tables[0]
	for i := range 150 {
		long.Rows = append(long.Rows, report.Row{Cells: []report.Cell{{Text: fmt.Sprintf("Trung tâm số %d ở Hưng Yên", i)}, {Value: ptr(float64(i))}}})
	}
	var b bytes.Buffer
	if err := export.PDF(&b, meta, export.PDFOptions{Subtitle: "Quý 3/2026", Footer: "Quý 3/2026 · Phường Kinh Bắc", Chart: long.Name}, long); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(out), "\u00a0", " ")
	for _, want := range []string{"Mức độ hài lòng", "Quý 3/2026", "Phường Kinh Bắc · 09190", "Xã Nghĩa Hiệp", "Phường Hữu Nghị",
		"83,6 %", "1.234", "Trung tâm số 149 ở Hưng Yên", "Trang 1/", "Trang 3/", "channel · kiosk"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if n := strings.Count(text, "Tỷ lệ"); n < 3 {
		t.Errorf("the header is printed %d times: it should repeat on every page", n)
	}
}
