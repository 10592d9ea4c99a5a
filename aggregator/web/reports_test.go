package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/measure"
)

// reportUnits are the demo units and three communes whose names carry
// the stacked diacritics a PDF font must draw (ệ, ữ, ở).
const reportUnits = `
09300,Xã Nghĩa Hiệp,commune,24,2025-07-01,,
TT-09300,Trung tâm Phục vụ hành chính công xã Nghĩa Hiệp,centre,09300,2025-07-01,,
09310,Phường Hữu Nghị,commune,24,2025-07-01,,
TT-09310,Trung tâm Phục vụ hành chính công phường Hữu Nghị,centre,09310,2025-07-01,,
09320,Xã Thuỷ Lở,commune,24,2025-07-01,,
TT-09320,Trung tâm Phục vụ hành chính công xã Thuỷ Lở,centre,09320,2025-07-01,,
`

// reportsServer serves a province with fifteen months of ratings at five
// centres, each with two officials, five procedures and dossier outcomes,
// on 30 November 2026 (the last closed quarter is Q3 2026).
func reportsServer(t *testing.T) string {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	demo, _ := io.ReadAll(f)
	f.Close()
	tree, err := hierarchy.ReadCSV(strings.NewReader(strings.TrimRight(string(demo), "\n") + reportUnits))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	book, err := outcomes.Read(ctx, outcomes.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := book.Open(ctx); err != nil {
		t.Fatal(err)
	}
	r := rollup.New()
	var outs []hailong.Outcome
	centres := []string{"TT-09190", "TT-09250", "TT-09300", "TT-09310", "TT-09320"}
	for m := 0; m < 15; m++ { // July 2025 to September 2026
		month := hailong.DateFromYMD(2025, time.Month(7+m), 1)
		for ci, centre := range centres {
			for i := 0; i < 40+ci*10; i++ {
				day := month + hailong.Date(i%28)
				// Each centre and month a different share satisfied.
				sat := (i*7+m*3+ci*11)%100 < 60+ci*7+m
				v := func(k int) int64 { return int64((i + k + ci) % 3) }
				fact := rollup.Fact{Unit: centre, Date: day, Satisfied: sat, Dissatisfied: !sat, Level: 1,
					Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk", Procedure: fmt.Sprintf("1.00000%d", (i+ci)%5+1),
						Official: fmt.Sprintf("cb-%d%d", ci, i%2), Counter: "Q1"},
					Items: []rollup.Item{{Q: "agencies", N: 1, Sum: v(1)}, {Q: "attitude", N: 1, Sum: v(2)}, {Q: "contacts", N: 1, Sum: v(3)}, {Q: "result_time", N: 1, Sum: v(4)}}}
				if sat {
					fact.Level = 2
				}
				r.Add(fact)
				if i%3 == 0 {
					ret := day + hailong.Date(i%3)
					outs = append(outs, hailong.Outcome{Dossier: fmt.Sprintf("HS.%03d-%s-%06d", ci, day.Start().In(hailong.Location).Format("060102"), m*1000+i), Unit: centre, Procedure: fact.Procedure,
						Official: fact.Official, Received: day - 5, Due: day + 1, Returned: &ret, Complaints: i % 13 / 12,
						Indices: map[string]int{"2": i % 3, "5": 2, "6": 2, "8": 1 + i%2, "9": (i + 1) % 3}})
				}
			}
		}
	}
	for i := 0; i < 5; i++ { // too few to rank at Bắc Giang
		r.Add(rollup.Fact{Unit: "TT-07210", Date: hailong.DateFromYMD(2026, 8, 3), Satisfied: true, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
	}
	res, err := book.Report(ctx, outs, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Status != outcomes.Created {
			t.Fatalf("outcome %+v", x)
		}
	}
	_, base, _ := demoServerWith(t, r, func(s *web.Server) {
		s.Units = func() *hierarchy.Tree { return tree }
		s.Access = newFakeAccess(tree)
		s.Outcomes = book
		// Targets above the figures, so the report shows gaps.
		s.Targets = []measure.Target{{Measure: "satisfaction", Target: 0.95, By: 2030, Source: "NQ 76"}, {Measure: "decision766", Target: 0.9, By: 2026, Source: "QĐ 766"}}
		s.Now = func() time.Time { return time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC) }
	})
	return base
}

// figures are an exported table's rows, each cell as written; rates are
// read back as shares 0–1 whatever the format.
type figures map[string][][]string

// readCSV reads an exported CSV back into its tables, by title: a record
// of one field that is one of titles starts a table (encoding/csv skips
// the blank line before it), its next record is the header.
func readCSV(t *testing.T, body []byte, titles map[string]bool) figures {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Fatal("the CSV has no byte-order mark: Excel would not read it as UTF-8")
	}
	cr := csv.NewReader(bytes.NewReader(body[3:]))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := figures{}
	title, header := "", false
	var percent []bool
	for _, rec := range records {
		switch {
		case len(rec) == 1 && titles[rec[0]]:
			title, header = rec[0], true
			out[title] = [][]string{}
		case title == "" || len(rec) == 1: // the description, a note
		case header:
			header = false
			percent = make([]bool, len(rec))
			for j, h := range rec {
				percent[j] = strings.HasSuffix(h, " (%)")
			}
		default:
			row := slices.Clone(rec)
			for j := range row {
				if v, err := strconv.ParseFloat(row[j], 64); err == nil && j < len(percent) && percent[j] {
					row[j] = strconv.FormatFloat(v/100, 'f', -1, 64)
				}
			}
			out[title] = append(out[title], row)
		}
	}
	return out
}

// readXLSX reads an exported workbook back, each sheet by the title in its
// first cell, numbers as the numbers stored (not as formatted).
func readXLSX(t *testing.T, body []byte) (figures, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := figures{}
	var info [][]string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if sheet == "Info" {
			info = rows
			continue
		}
		// A column of figures (one cell stored as a number) holds no
		// figure stored as text; columns of codes (1.000001) hold text.
		texts, figures := map[int][]string{}, map[int]bool{}
		for i := 2; i < len(rows); i++ {
			for j := range rows[i] {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				switch typ, _ := f.GetCellType(sheet, cell); {
				case typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString && rows[i][j] != "":
					figures[j] = true
				case isNumber(rows[i][j]):
					texts[j] = append(texts[j], sheet+"!"+cell)
				}
			}
		}
		for j, cells := range texts {
			if figures[j] {
				t.Errorf("figures stored as text: %v", cells)
			}
		}
		body := rows[2:]
		if end := slices.IndexFunc(body, func(r []string) bool { return len(r) == 0 }); end >= 0 {
			body = body[:end] // the note follows a blank row
		}
		out[rows[0][0]] = body
	}
	return out, info
}

func isNumber(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }

// findRow finds the row whose column col is key.
func findRow(t *testing.T, rows [][]string, col int, key string) []string {
	t.Helper()
	for _, r := range rows {
		if col < len(r) && r[col] == key {
			return r
		}
	}
	t.Fatalf("no row %q in %v", key, rows)
	return nil
}

// sameRate checks an exported figure against a rate of the measures API.
func sameRate(t *testing.T, what, got string, want *float64) {
	t.Helper()
	if want == nil {
		if isNumber(got) {
			t.Errorf("%s: exported %s, the API has none", what, got)
		}
		return
	}
	v, err := strconv.ParseFloat(got, 64)
	if err != nil || fmt.Sprintf("%.6f", v) != fmt.Sprintf("%.6f", *want) {
		t.Errorf("%s: exported %q, the API says %v", what, got, *want)
	}
}

// samePoints checks an exported change of rates, in percentage points,
// against the API's change in share units.
func samePoints(t *testing.T, what, got string, want *float64) {
	t.Helper()
	if want == nil {
		sameRate(t, what, got, nil)
		return
	}
	points := math.Round(*want*1e8) / 1e6
	sameRate(t, what+" (points)", got, &points)
}

func sameCount(t *testing.T, what, got string, want int64) {
	t.Helper()
	if got != strconv.FormatInt(want, 10) {
		t.Errorf("%s: exported %q, the API says %d", what, got, want)
	}
}

// TestQuarterlyExportsEqualTheMeasuresAPI downloads the quarterly report
// as CSV and XLSX, reads each back, and checks every kind of figure in it
// against the same figure asked of /api/v1/measures.
func TestQuarterlyExportsEqualTheMeasuresAPI(t *testing.T) {
	base := reportsServer(t)
	api := func(q string) report.Measures {
		var m report.Measures
		getJSON(t, base, "/api/v1/measures?"+q, &m)
		return m
	}
	quarter := api("unit=24&period=2026-Q3&breakdown=units")
	previous, yearEarlier := api("unit=24&period=2026-Q2"), api("unit=24&period=2025-Q3")
	if !quarter.Satisfaction.Shown() || quarter.Decision766.N == 0 || len(quarter.ByUnit) < 5 {
		t.Fatalf("the test data should give every figure: %+v", quarter)
	}
	w := func(k string) string { return report.QuarterlyWord("vi", k) }
	titleOf := func(name string) string {
		for _, tb := range (&report.Reporter{}).QuarterlyTables(report.Quarterly{}, "vi") {
			if tb.Name == name {
				return tb.Title
			}
		}
		return name
	}
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/api/v1/reports/quarterly?unit=24&year=2026&quarter=3&format="+format, analystProvince, nil)
			if a.status != 200 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if cd := a.header.Get("Content-Disposition"); !strings.Contains(cd, "bao-cao-quy-24-2026-Q3."+format) {
				t.Errorf("Content-Disposition %q", cd)
			}
			var tables figures
			var info [][]string
			if format == "csv" {
				titles := map[string]bool{}
				for _, tb := range (&report.Reporter{}).QuarterlyTables(report.Quarterly{}, "vi") {
					titles[tb.Title] = true
				}
				tables = readCSV(t, []byte(a.body), titles)
				cr := csv.NewReader(strings.NewReader(strings.SplitN(a.body[3:], "\n\n", 2)[0]))
				cr.FieldsPerRecord = -1
				info, _ = cr.ReadAll()
			} else {
				tables, info = readXLSX(t, []byte(a.body))
			}
			t.Run("says what it holds", func(t *testing.T) {
				all := fmt.Sprint(info)
				for _, want := range []string{"Báo cáo quý", "Quý 3/2026", "Tỉnh Bắc Ninh", "2026-Q3", "2026-07-01", "2026-09-30", "Thời điểm lập", "2026-11-30 10:00:00 +07:00"} {
					if !strings.Contains(all, want) {
						t.Errorf("the description lacks %q: %s", want, all)
					}
				}
			})
			t.Run("headline", func(t *testing.T) {
				h := tables[w("headline")]
				gaps := 0
				sat := findRow(t, h, 0, w("satisfaction"))
				sameCount(t, "satisfaction n", sat[1], quarter.Satisfaction.N)
				sameRate(t, "satisfaction", sat[2], quarter.Satisfaction.Rate)
				sameRate(t, "satisfaction interval", sat[3], &quarter.Satisfaction.CI95[0])
				sameRate(t, "satisfaction interval", sat[4], &quarter.Satisfaction.CI95[1])
				d := findRow(t, h, 0, w("decision766"))
				sameCount(t, "decision 766 n", d[1], quarter.Decision766.N)
				sameRate(t, "decision 766", d[2], quarter.Decision766.Rate)
				for _, g := range quarter.Targets {
					r := findRow(t, h, 0, w(g.Measure))
					sameRate(t, g.Measure+" target", r[5], &g.Target.Target)
					// The gap is a difference of rates: in percentage points.
					samePoints(t, g.Measure+" gap", r[6], g.Gap)
					if g.Gap != nil {
						gaps++
					}
				}
				if gaps == 0 {
					t.Error("the test data should give a gap to a target")
				}
				s := findRow(t, tables[w("scores")], 0, w("agency_score"))
				sameRate(t, "agency score", s[1], quarter.Circular01.Agency.Value)
			})
			t.Run("against earlier quarters", func(t *testing.T) {
				c := findRow(t, tables[w("changes")], 0, w("satisfaction"))
				sameRate(t, "this quarter", c[1], quarter.Satisfaction.Rate)
				sameRate(t, "previous quarter", c[2], previous.Satisfaction.Rate)
				sameRate(t, "a year earlier", c[6], yearEarlier.Satisfaction.Rate)
				ch := report.Compare(quarter.Satisfaction, previous.Satisfaction, report.QuarterOf(2026, 2))
				samePoints(t, "change", c[3], ch.Delta)
				sameRate(t, "z", c[4], ch.Z)
			})
			t.Run("ranking and agencies", func(t *testing.T) {
				for _, u := range quarter.ByUnit {
					r := findRow(t, tables[w("ranking")], 1, u.Name)
					if u.Rank > 0 {
						sameCount(t, u.Name+" rank", r[0], int64(u.Rank))
					}
					sameCount(t, u.Name+" n", r[3], u.Satisfaction.N)
					if u.Satisfaction.Shown() {
						sameRate(t, u.Name+" satisfaction", r[4], u.Satisfaction.Rate)
					}
					child := api("unit=" + u.Unit + "&period=2026-Q3")
					a := findRow(t, tables[w("agencies")], 0, u.Name)
					if child.Circular01.Agency.EnoughRatings {
						sameRate(t, u.Name+" agency score", a[1], child.Circular01.Agency.Value)
						if a[2] != w(child.Circular01.Agency.Classification) {
							t.Errorf("%s classed %q, the API says %q", u.Name, a[2], child.Circular01.Agency.Classification)
						}
					}
				}
			})
			t.Run("officials", func(t *testing.T) {
				rows := tables[w("officials")]
				if len(rows) != 10 {
					t.Fatalf("%d officials, want 10: %v", len(rows), rows)
				}
				classes := map[string]int{}
				for _, r := range rows {
					classes[append(r, "")[4]]++
				}
				for _, c := range tables[titleOf("official_classes")] {
					label := c[0]
					if strings.HasPrefix(label, "Chưa xếp loại") {
						label = ""
					}
					sameCount(t, "officials classed "+c[0], c[1], int64(classes[label]))
				}
				for _, r := range rows {
					m := api("unit=24&period=2026-Q3&official=" + r[0])
					sameCount(t, r[0]+" n", r[1], m.Satisfaction.N)
					sameRate(t, r[0]+" satisfaction", r[2], m.Satisfaction.Rate)
					if m.Circular01.Official.EnoughRatings {
						sameRate(t, r[0]+" score", r[3], m.Circular01.Official.Value)
					} else if r[3] != w("not_enough_score") {
						t.Errorf("%s: a score on too few ratings or dossiers is exported as %q", r[0], r[3])
					}
					if class := append(r, "")[4]; class != report.ClassName(m.Circular01.Official.Classification, "vi") {
						t.Errorf("%s classed %q, the API says %q", r[0], r[4], m.Circular01.Official.Classification)
					}
				}
			})
			t.Run("decision 766", func(t *testing.T) {
				r := tables[w("d766")][0]
				sameCount(t, "dossiers", r[0], quarter.Decision766.Dossiers)
				sameCount(t, "not ok", r[1], quarter.Decision766.NotOK)
				sameRate(t, "ratio", r[4], quarter.Decision766.Rate)
			})
			t.Run("trend", func(t *testing.T) {
				rows := tables[w("trend")]
				if len(rows) != 12 || rows[0][0] != "10/2025" || rows[11][0] != "9/2026" {
					t.Fatalf("trend months: %v", rows)
				}
				for _, r := range rows {
					var month, year int
					fmt.Sscanf(r[0], "%d/%d", &month, &year)
					m := api(fmt.Sprintf("unit=24&period=%d-%02d", year, month))
					sameCount(t, r[0]+" n", r[1], m.Satisfaction.N)
					sameRate(t, r[0]+" satisfaction", r[2], m.Satisfaction.Rate)
					sameRate(t, r[0]+" decision 766", r[6], m.Decision766.Rate)
				}
			})
			t.Run("lowest procedures", func(t *testing.T) {
				rows := tables[titleOf("worst_procedure")]
				if len(rows) != 5 {
					t.Fatalf("%d procedures, want 5: %v", len(rows), rows)
				}
				last := -1.0
				for _, r := range rows { // rank, procedure (named by its code without a catalogue), n, rate
					m := api("unit=24&period=2026-Q3&procedure=" + r[1])
					sameCount(t, r[1]+" n", r[2], m.Satisfaction.N)
					sameRate(t, r[1], r[3], m.Satisfaction.Rate)
					if v, _ := strconv.ParseFloat(r[3], 64); v < last {
						t.Errorf("procedures not lowest first: %v", rows)
					}
					last, _ = strconv.ParseFloat(r[3], 64)
				}
			})
		})
	}
}

// pdfText is the text pdftotext extracts from a PDF, spaces made plain.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext is missing: scripts/test-deps.sh installs poppler-utils")
		}
		t.Fatal("pdftotext is missing on CI: scripts/test-deps.sh installs poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(out), "\u00a0", " ")
}

// TestQuarterlyPDF extracts the PDF's text: its Vietnamese, stacked
// diacritics included, reads back, and its figures are the API's, written
// as Vietnamese write them; lang=en makes it English. HAILONG_REPORT_PDF
// names a folder to keep the PDFs in.
func TestQuarterlyPDF(t *testing.T) {
	base := reportsServer(t)
	var m report.Measures
	getJSON(t, base, "/api/v1/measures?unit=24&period=2026-Q3&breakdown=units", &m)
	rate := func(lang string, v *float64) string {
		return strings.ReplaceAll(export.FormatCell(lang, report.KindRate, report.Cell{Value: v}), "\u00a0", " ")
	}
	vi := []string{"Báo cáo quý về sự hài lòng của người dân, tổ chức", "Quý 3/2026", "Tỉnh Bắc Ninh", "Mức độ hài lòng",
		"Xã Nghĩa Hiệp", "Phường Hữu Nghị", "Xã Thuỷ Lở", "Phường Kinh Bắc", "Xếp loại cán bộ theo Thông tư 01/2018",
		"Tỷ lệ hài lòng theo Quyết định 766", "Diễn biến theo tháng", "Thời điểm lập", "Trang 1/", "01/07/2026", "30/09/2026", "(giờ Việt Nam)",
		rate("vi", m.Satisfaction.Rate), rate("vi", m.Decision766.Rate)}
	for _, u := range m.ByUnit {
		if u.Satisfaction.Shown() {
			vi = append(vi, rate("vi", u.Satisfaction.Rate))
		}
	}
	en := []string{"Quarterly report on citizens' satisfaction", "Q3 2026", "Satisfaction rate", "Xã Nghĩa Hiệp", "Page 1 of",
		rate("en", m.Satisfaction.Rate)}
	// The change on the previous quarter, in percentage points (the
	// embedded font has no U+2212: the PDF writes a hyphen for it).
	var prev report.Measures
	getJSON(t, base, "/api/v1/measures?unit=24&period=2026-Q2", &prev)
	ch := report.Compare(m.Satisfaction, prev.Satisfaction, report.QuarterOf(2026, 2))
	if ch.Delta == nil {
		t.Fatalf("the test data should give a change on the previous quarter: %+v", ch)
	}
	points := func(lang string) string {
		return strings.NewReplacer("\u00a0", " ", "\u2212", "-").Replace(export.FormatCell(lang, report.KindRateChange, report.Cell{Value: ch.Delta}))
	}
	vi, en = append(vi, points("vi")), append(en, points("en"))
	// The gaps to the targets, in percentage points too (a difference of
	// two rates, not a rate).
	for _, g := range m.Targets {
		if g.Gap == nil {
			continue
		}
		gap := func(lang string) string {
			return strings.NewReplacer("\u00a0", " ", "\u2212", "-").Replace(export.FormatCell(lang, report.KindRateChange, report.Cell{Value: g.Gap}))
		}
		vi, en = append(vi, gap("vi")), append(en, gap("en"))
	}
	if len(m.Targets) == 0 || m.Targets[0].Gap == nil {
		t.Fatalf("the test data should give a gap to a target: %+v", m.Targets)
	}
	for _, tt := range []struct {
		lang      string
		want, not []string
	}{{"vi", vi, []string{"2026-07-01", "2026-09-30"}}, {"en", en, nil}} {
		t.Run(tt.lang, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/api/v1/reports/quarterly?unit=24&year=2026&quarter=3&format=pdf&lang="+tt.lang, analystProvince, nil)
			if a.status != 200 || a.header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("%d %s %.200s", a.status, a.header.Get("Content-Type"), a.body)
			}
			if dir := os.Getenv("HAILONG_REPORT_PDF"); dir != "" { // to look at it
				_ = os.WriteFile(filepath.Join(dir, "quarterly-"+tt.lang+".pdf"), []byte(a.body), 0o644)
			}
			text := pdfText(t, []byte(a.body))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("the PDF writes %q, not the page's way", w)
				}
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

// TestQuarterlyAPIRefuses checks the report's permission, scope and input.
func TestQuarterlyAPIRefuses(t *testing.T) {
	base := reportsServer(t)
	tests := []struct {
		name, query, auth string
		status            int
		field             string
	}{
		{"own commune", "unit=09190&year=2026&quarter=3&format=json", analystCommune, 200, ""},
		{"a sibling commune", "unit=09250&year=2026&quarter=3", analystCommune, 403, ""},
		{"the province above", "unit=24&year=2026&quarter=3", analystCommune, 403, ""},
		{"without the exports permission", "unit=24&year=2026&quarter=3", noRights, 403, ""},
		{"anonymous", "unit=24&year=2026&quarter=3", "", 401, ""},
		{"no quarter at all", "unit=24", analystProvince, 400, "year"},
		{"a year that is not one", "unit=24&year=20x6&quarter=3", analystProvince, 400, "year"},
		{"a fifth quarter", "unit=24&year=2026&quarter=5", analystProvince, 400, "quarter"},
		{"a year without its quarter", "unit=24&year=2026", analystProvince, 400, "quarter"},
		{"dates that are not a quarter", "unit=24&from=2026-07-01&to=2026-08-31", analystProvince, 400, "quarter"},
		{"an unknown format", "unit=24&year=2026&quarter=3&format=docx", analystProvince, 400, "format"},
		{"a quarter to come", "unit=24&year=2031&quarter=1", analystProvince, 400, "quarter"},
		{"an unknown unit", "unit=99999&year=2026&quarter=3", analystProvince, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/api/v1/reports/quarterly?"+tt.query, tt.auth, nil)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if tt.field != "" && !strings.Contains(a.body, `"field":"`+tt.field+`"`) {
				t.Errorf("no error for field %s: %s", tt.field, a.body)
			}
		})
	}
}

// TestReportsPage checks the page: the units in scope, the last closed
// quarter by default, bad input beside its field in the page's language,
// a download, and the scope.
func TestReportsPage(t *testing.T) {
	base := reportsServer(t)
	tests := []struct {
		name, query, auth string
		status            int
		contains          []string
	}{
		{"the last closed quarter by default", "", analystProvince, 200, []string{"Báo cáo quý", `value="2026"`, `<option value="3" selected>Quý 3</option>`,
			`<option value="24" selected>Tỉnh Bắc Ninh</option>`, "Xã Nghĩa Hiệp", "Tải báo cáo PDF", `aria-current="page"`}},
		{"english", "?lang=en", analystProvince, 200, []string{"Quarterly report", "Download the Excel report", "Quarter 3"}},
		{"a commune sees its own only", "", analystCommune, 200, []string{"Phường Kinh Bắc"}},
		{"a bad year beside its field", "?unit=24&year=20x6&quarter=3&format=pdf", analystProvince, 400, []string{
			`id="reports-year-error">“20x6” không phải một năm từ 2015 đến 2100`, `aria-invalid="true" aria-describedby="reports-year-error"`}},
		{"in english", "?unit=24&year=20x6&quarter=3&lang=en", analystProvince, 400, []string{`id="reports-year-error">&#34;20x6&#34; is not a year`}},
		{"a fifth quarter", "?unit=24&year=2026&quarter=5", analystProvince, 400, []string{`id="reports-quarter-error">“5” không phải một quý`}},
		{"a quarter to come", "?unit=24&year=2031&quarter=1&format=pdf", analystProvince, 400, []string{`id="reports-quarter-error">quý này chưa bắt đầu`}},
		{"an unknown unit", "?unit=99999&year=2026&quarter=3", analystProvince, 400, []string{`id="reports-unit-error">đơn vị “99999” không tồn tại`}},
		{"a sibling commune", "?unit=09250&year=2026&quarter=3&format=pdf", analystCommune, 403, nil},
		{"without the exports permission", "", noRights, 403, nil},
		{"a download", "?unit=09190&year=2026&quarter=3&format=xlsx", analystCommune, 200, []string{"PK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/reports"+tt.query, tt.auth, nil, "Accept", "text/html")
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(a.body, c) {
					t.Errorf("page lacks %q:\n%s", c, a.body)
				}
			}
			if tt.name == "a commune sees its own only" && strings.Contains(a.body, "Phường Từ Sơn") {
				t.Error("a commune's analyst is offered a sibling commune")
			}
		})
	}
}
