package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// reportsQuarterlyShow answers GET /api/v1/reports/quarterly: the quarterly
// report of a unit (unit, year, quarter) as PDF, XLSX, CSV or JSON, in
// Vietnamese or, with lang=en, English. It needs the exports permission.
func (s *Server) reportsQuarterlyShow(c *fiber.Ctx) error {
	lang := "vi"
	if c.Query("lang") == "en" {
		lang = "en"
	}
	format := c.Query("format", "pdf")
	if format != "pdf" && format != "xlsx" && format != "csv" && format != "json" {
		return hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "format", Message: fmt.Sprintf("%q is not pdf, xlsx, csv or json", format)})
	}
	if c.Query("year") == "" && c.Query("quarter") == "" && c.Query("period") == "" && c.Query("from") == "" && c.Query("to") == "" {
		return hailong.Invalid("The query is not valid.",
			hailong.FieldError{Field: "year", Message: "is required, from 2015 to 2100"},
			hailong.FieldError{Field: "quarter", Message: "is required: 1, 2, 3 or 4"})
	}
	// The query is read and the scope checked before the period's shape:
	// out of scope, nothing is said but 403.
	q, err := s.parseQuery(c, queryOptions{})
	if err != nil {
		return err
	}
	qr, err := s.quarterly(c, q, lang)
	if err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(qr)
	}
	return s.sendQuarterly(c, qr, q, lang, format)
}

// quarterly makes the quarterly report of the resolved query q, with the
// child units the reader may see.
func (s *Server) quarterly(c *fiber.Ctx, q report.Query, lang string) (report.Quarterly, error) {
	return s.reporter().Quarterly(q, report.QuarterlyOptions{Lang: lang, Allowed: s.scopeFilter(c, q.AsOf)})
}

// sendQuarterly writes the report as a PDF, XLSX or CSV file.
func (s *Server) sendQuarterly(c *fiber.Ctx, qr report.Quarterly, q report.Query, lang, format string) error {
	meta := qr.Meta(lang, filtersOf(q))
	meta.Generated = s.Now()
	name := strings.NewReplacer("/", "-", " ", "-").Replace(fmt.Sprintf("bao-cao-quy-%s-%s.%s", q.Unit, q.Period.String(), format))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	w := c.Response().BodyWriter()
	tables := s.reporter().QuarterlyTables(qr, lang)
	switch format {
	case "xlsx":
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		return export.XLSX(w, meta, tables...)
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		return export.CSV(w, meta, tables...)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	return export.PDF(w, meta, export.PDFOptions{Chart: "trend", Subtitle: meta.UnitName,
		Footer: report.QuarterName(lang, q.Period) + " · " + meta.UnitName}, tables...)
}

// filtersOf names a query's filters by their parameters, for the file to
// say what it holds.
func filtersOf(q report.Query) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"questionnaire": q.Filter.Questionnaire, "channel": string(q.Filter.Channel),
		"procedure": q.Filter.Procedure, "field": q.Filter.Field, "official": q.Filter.Official, "counter": q.Filter.Counter} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}
