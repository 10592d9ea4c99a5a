package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// happyLabel is how every page, file and email names the Happy Index: the
// quarterly report's label, with its scale.
var happyLabel = map[string]string{"vi": "Chỉ số Happy Index (0–100)", "en": "Happy Index (0–100)"}

// happyReading is the Happy Index as one surface writes it: its label, the
// heading of the column its figure is in, and the figure as shown (and,
// in a workbook, as stored).
type happyReading struct{ label, header, shown, raw string }

// TestHappyIndexReadsAsAScoreOutOf100 reads the Happy Index where a
// person reads it — the overview and unit pages, their CSV and XLSX
// downloads, the quarterly report's PDF, XLSX and CSV — in Vietnamese and
// English, and finds it written the same way in each: labelled
// "Chỉ số Happy Index (0–100)", its figure a score with one decimal as
// the language writes it (62,3 / 62.3), a plain number in a file, and
// never a percentage (no "%" after it, nor on its column).
func TestHappyIndexReadsAsAScoreOutOf100(t *testing.T) {
	base := reportsServer(t)
	measures := func(q string) float64 {
		t.Helper()
		var m report.Measures
		getJSON(t, base, "/api/v1/measures?unit=24&period=2026-Q3"+q, &m)
		if m.HappyIndex.Value == nil || !m.HappyIndex.EnoughRatings {
			t.Fatalf("the test data should give a Happy Index: %+v", m.HappyIndex)
		}
		return *m.HappyIndex.Value
	}
	all, kiosk := measures(""), measures("&channel=kiosk")
	get := func(t *testing.T, path string) []byte {
		t.Helper()
		a := do(t, nil, "GET", base+path, analystProvince, nil, "Accept", "text/html")
		if a.status != 200 {
			t.Fatalf("%s: %d %.300s", path, a.status, a.body)
		}
		return []byte(a.body)
	}
	// What a page, a PDF and a workbook show: one decimal, as the
	// language writes it (a workbook's format writes it with a dot); a
	// CSV file and a workbook's cell hold the number itself.
	shown := func(lang string, v float64) string { return export.Number(lang, v, 1) }
	plain := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	value := map[string]string{"vi": "Giá trị", "en": "Value"}

	type surface struct {
		name, lang string
		read       func(t *testing.T, lang string) happyReading
		want       func(lang string) happyReading
	}
	var tests []surface
	for _, lang := range []string{"vi", "en"} {
		tests = append(tests, []surface{
			{"overview page", lang, func(t *testing.T, lang string) happyReading {
				body := string(get(t, "/?unit=24&period=2026-Q3&lang="+lang))
				table, r := happyRowOf(t, body)
				return happyReading{label: r.head, header: headersOf(t, body, table)[2], shown: r.texts[1]}
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: value[lang], shown: shown(lang, all)}
			}},
			{"overview CSV", lang, func(t *testing.T, lang string) happyReading {
				return happyCSV(t, get(t, "/?unit=24&period=2026-Q3&format=csv&lang="+lang), value[lang])
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: value[lang], shown: plain(all)}
			}},
			{"overview XLSX", lang, func(t *testing.T, lang string) happyReading {
				return happyXLSX(t, get(t, "/?unit=24&period=2026-Q3&format=xlsx&lang="+lang), value[lang])
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: value[lang], shown: shown("en", all), raw: plain(all)}
			}},
			{"unit page, by channel", lang, func(t *testing.T, lang string) happyReading {
				body := string(get(t, "/units/24?period=2026-Q3&lang="+lang))
				heads := headersOf(t, body, "by_channel")
				col := columnOf(heads, "Happy Index")
				if col < 1 {
					t.Fatalf("no Happy Index column in %q", heads)
				}
				r := tableOf(t, body, "by_channel")[0] // the kiosk, every rating
				return happyReading{label: heads[col], header: heads[col], shown: r.texts[col-1]}
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: happyLabel[lang], shown: shown(lang, kiosk)}
			}},
			{"unit page, by channel, CSV", lang, func(t *testing.T, lang string) happyReading {
				records := readRecords(t, get(t, "/units/24?period=2026-Q3&format=csv&table=by_channel&lang="+lang))
				for i, rec := range records {
					if col := columnOf(rec, "Happy Index"); col >= 0 && i+1 < len(records) {
						return happyReading{label: rec[col], header: rec[col], shown: records[i+1][col]}
					}
				}
				t.Fatalf("no Happy Index column in %q", records)
				return happyReading{}
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: happyLabel[lang], shown: plain(kiosk)}
			}},
			{"quarterly PDF", lang, func(t *testing.T, lang string) happyReading {
				a := do(t, nil, "GET", base+"/api/v1/reports/quarterly?unit=24&year=2026&quarter=3&format=pdf&lang="+lang, analystProvince, nil)
				if a.status != 200 {
					t.Fatalf("%d %.300s", a.status, a.body)
				}
				text := pdfText(t, []byte(a.body))
				m := regexp.MustCompile(`(?m)^\s*((?:Chỉ số )?Happy Index.*?)\s{2,}(\S+(?: ?%)?)\s*$`).FindStringSubmatch(text)
				if m == nil {
					t.Fatalf("no Happy Index row in the PDF:\n%s", text)
				}
				return happyReading{label: m[1], shown: m[2]}
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], shown: shown(lang, all)}
			}},
			{"quarterly XLSX", lang, func(t *testing.T, lang string) happyReading {
				return happyXLSX(t, get(t, "/api/v1/reports/quarterly?unit=24&year=2026&quarter=3&format=xlsx&lang="+lang), value[lang])
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: value[lang], shown: shown("en", all), raw: plain(all)}
			}},
			{"quarterly CSV", lang, func(t *testing.T, lang string) happyReading {
				return happyCSV(t, get(t, "/api/v1/reports/quarterly?unit=24&year=2026&quarter=3&format=csv&lang="+lang), value[lang])
			}, func(lang string) happyReading {
				return happyReading{label: happyLabel[lang], header: value[lang], shown: plain(all)}
			}},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			got, want := tt.read(t, tt.lang), tt.want(tt.lang)
			if got != want {
				t.Errorf("the Happy Index reads %+v, want %+v", got, want)
			}
			if strings.Contains(got.shown+got.header, "%") {
				t.Errorf("the Happy Index is written as a percentage: %+v", got)
			}
		})
	}
}

// TestHappyIndexAlertReadsAsAScore: an alert on the Happy Index names it
// and writes what it measured and its threshold as scores out of 100 (the
// reports' 62,3), not as percentages.
func TestHappyIndexAlertReadsAsAScore(t *testing.T) {
	base, eng, _, _ := alertsServer(t)
	ctx := context.Background()
	if _, err := eng.SaveRule(ctx, hailong.AlertRule{Name: "Happy Index thấp", Unit: "24", Kind: hailong.AlertIndexBelow, Measure: alerts.MeasureHappyIndex,
		Threshold: 75, Window: 24 * time.Hour, MinRatings: 1, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	eng.Evaluate(ctx, "TT-09190")
	list, err := eng.Alerts(ctx, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var fired *hailong.Alert
	for i := range list {
		if list[i].Measure == alerts.MeasureHappyIndex {
			fired = &list[i]
		}
	}
	if fired == nil {
		t.Fatalf("the Happy Index rule did not fire: %+v", list)
	}
	for _, tt := range []struct{ lang, kind string }{{"vi", "Chỉ số dưới ngưỡng"}, {"en", "Measure below threshold"}} {
		t.Run(tt.lang, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/alerts?lang="+tt.lang, alertsProvince, nil, "Accept", "text/html")
			if a.status != 200 {
				t.Fatalf("%d %.300s", a.status, a.body)
			}
			i := strings.Index(a.body, `id="alert-`+fired.ID+`"`)
			if i < 0 {
				t.Fatalf("no card for the alert %s", fired.ID)
			}
			card := html.UnescapeString(a.body[i : i+strings.Index(a.body[i:], "</dl>")])
			for _, want := range []string{tt.kind + ": " + happyLabel[tt.lang], "<dd>" + export.Number(tt.lang, fired.Value, 1) + " (",
				"<dd>" + export.Number(tt.lang, 75, 1) + "</dd>"} {
				if !strings.Contains(card, want) {
					t.Errorf("the card lacks %q:\n%s", want, card)
				}
			}
			if strings.Contains(card, "%") {
				t.Errorf("the Happy Index is written as a percentage:\n%s", card)
			}
			if strings.Contains(a.body, `aria-invalid="true"`) {
				t.Errorf("a field of the filter, which has no problem, is marked invalid")
			}
		})
	}
}

// happyRowOf finds the row of the Happy Index among a page's tables,
// and the table's name.
func happyRowOf(t *testing.T, body string) (string, row) {
	t.Helper()
	for _, m := range regexp.MustCompile(`data-table="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		for _, r := range tableOf(t, body, m[1]) {
			if strings.Contains(r.head, "Happy Index") {
				return m[1], r
			}
		}
	}
	t.Fatal("no Happy Index row on the page")
	return "", row{}
}

// headersOf reads the column headings of a page's table, a grouped
// heading's columns each under their own.
func headersOf(t *testing.T, body, name string) []string {
	t.Helper()
	i := strings.Index(body, `data-table="`+name+`"`)
	if i < 0 {
		t.Fatalf("no table %s on the page", name)
	}
	head := body[i:]
	head = head[strings.Index(head, "<thead>"):strings.Index(head, "</thead>")]
	var out []string
	for _, m := range regexp.MustCompile(`<th scope="col"[^>]*>(?:<a [^>]*>)?([^<]*)`).FindAllStringSubmatch(head, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// columnOf is the index of the first heading containing s, or −1.
func columnOf(heads []string, s string) int {
	for j, h := range heads {
		if strings.Contains(h, s) {
			return j
		}
	}
	return -1
}

// readRecords reads a downloaded CSV file's records.
func readRecords(t *testing.T, body []byte) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// happyCSV finds the Happy Index's row in a CSV file and the heading of
// its value column (value, or value with a unit).
func happyCSV(t *testing.T, body []byte, value string) happyReading {
	t.Helper()
	var header []string
	title := false
	for _, rec := range readRecords(t, body) {
		switch {
		case len(rec) == 1:
			title = true
		case title:
			header, title = rec, false
		case strings.Contains(rec[0], "Happy Index"):
			col := valueColumn(header, value)
			if col < 0 || col >= len(rec) {
				t.Fatalf("no %q column in %q", value, header)
			}
			return happyReading{label: rec[0], header: header[col], shown: rec[col]}
		}
	}
	t.Fatal("no Happy Index row in the CSV")
	return happyReading{}
}

// valueColumn is the index of the first heading that is value or starts
// with value and a space (a unit after it), or −1.
func valueColumn(heads []string, value string) int {
	for j, h := range heads {
		if h == value || strings.HasPrefix(h, value+" ") {
			return j
		}
	}
	return -1
}

// happyXLSX finds the Happy Index's row in a workbook: its label, the
// heading of its value column, the cell as shown and as stored.
func happyXLSX(t *testing.T, body []byte, value string) happyReading {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for i, r := range rows {
			if i < 2 || len(r) == 0 || !strings.Contains(r[0], "Happy Index") {
				continue
			}
			col := valueColumn(rows[1], value)
			if col < 0 {
				t.Fatalf("no %q column in %q", value, rows[1])
			}
			cell, _ := excelize.CoordinatesToCellName(col+1, i+1)
			raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
			return happyReading{label: r[0], header: rows[1][col], shown: r[col], raw: raw}
		}
	}
	t.Fatal("no Happy Index row in the workbook")
	return happyReading{}
}

// TestDefaultRulesAreNamedInThePagesLanguage: the default rules, stored
// with Vietnamese names, are named in English on the English alerts and
// rules pages, and in Vietnamese on the Vietnamese ones.
func TestDefaultRulesAreNamedInThePagesLanguage(t *testing.T) {
	base, _, _, _ := alertsServer(t) // the default harassment rule has fired
	for _, tt := range []struct{ lang, name, other string }{
		{"en", "Officials reported for causing trouble or harassment", "Phản ánh công chức gây phiền hà, sách nhiễu"},
		{"vi", "Phản ánh công chức gây phiền hà, sách nhiễu", "Officials reported for causing trouble or harassment"},
	} {
		for _, page := range []string{"/alerts", "/alerts/rules"} {
			t.Run(tt.lang+page, func(t *testing.T) {
				a := do(t, nil, "GET", base+page+"?lang="+tt.lang, alertsProvince, nil, "Accept", "text/html")
				body := html.UnescapeString(a.body)
				if a.status != 200 || !strings.Contains(body, ">"+tt.name) {
					t.Errorf("%d: no heading %q", a.status, tt.name)
				}
				if page == "/alerts" && strings.Contains(body, tt.other) {
					t.Errorf("the page names the rule %q", tt.other)
				}
			})
		}
	}
}
