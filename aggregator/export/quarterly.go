package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"hailong/aggregator/report"
)

// QuarterlyPDF writes the quarterly report qr of the query q as the PDF
// the reports page, the API and the scheduled emails all send, and
// returns its file name.
func QuarterlyPDF(w io.Writer, r *report.Reporter, qr report.Quarterly, q report.Query, lang string, generated time.Time) (string, error) {
	meta := qr.Meta(lang, Filters(q))
	meta.Generated = generated
	err := PDF(w, meta, PDFOptions{Chart: "trend", Subtitle: meta.UnitName,
		Footer: report.QuarterName(lang, q.Period) + " · " + meta.UnitName}, r.QuarterlyTables(qr, lang)...)
	return QuarterlyFileName(q, "pdf"), err
}

// QuarterlyFileName names a quarterly report's file of a format.
func QuarterlyFileName(q report.Query, format string) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(fmt.Sprintf("bao-cao-quy-%s-%s.%s", q.Unit, q.Period.String(), format))
}

// Filters names a query's filters by their parameters, for a file to say
// what it holds.
func Filters(q report.Query) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"questionnaire": q.Filter.Questionnaire, "channel": string(q.Filter.Channel),
		"procedure": q.Filter.Procedure, "field": q.Filter.Field, "official": q.Filter.Official, "counter": q.Filter.Counter} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}
