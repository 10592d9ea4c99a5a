package web

import (
	"fmt"

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
	if q.Period.From > hailong.DateOf(s.Now()) {
		// As the reports page refuses it: a report of a quarter to come
		// would be an empty one, dated as if made then.
		return hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "quarter", Message: "has not begun: choose a past or the current quarter"})
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
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+export.QuarterlyFileName(q, format)+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	w := c.Response().BodyWriter()
	switch format {
	case "xlsx", "csv":
		meta := qr.Meta(lang, export.Filters(q))
		meta.Generated = s.Now()
		tables := s.reporter().QuarterlyTables(qr, lang)
		if format == "csv" {
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
			return export.CSV(w, meta, tables...)
		}
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		return export.XLSX(w, meta, tables...)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	_, err := export.QuarterlyPDF(w, s.reporter(), qr, q, lang, s.Now())
	return err
}
