package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// download answers a page asked with format=csv or format=xlsx with its
// tables as a file instead of the page, and reports whether it did.
// table=NAME downloads one table; without it, every table of the page. A
// download needs the exports permission, as the page needs its own.
func (s *Server) download(c *fiber.Ctx, meta report.Meta, pageTables func() []report.Table) (bool, error) {
	format := c.Query("format")
	if format == "" || format == "html" {
		return false, nil
	}
	// The tables are made only for a download: a page of the province
	// has thousands of breakdown rows, of which it shows a few.
	tables := pageTables()
	vi := pageLang(c) == "vi"
	if format != "csv" && format != "xlsx" {
		msg := fmt.Sprintf("%q is not csv or xlsx", format)
		if vi {
			msg = fmt.Sprintf("“%s” không phải định dạng tải về được: chọn csv hoặc xlsx", format)
		}
		return true, hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "format", Message: msg})
	}
	if !principalOf(c).Can(hailong.PermExportsRead) {
		return true, hailong.Errorf(hailong.EFORBIDDEN, "Downloading needs the %s permission.", hailong.PermExportsRead)
	}
	name := "report"
	if want := c.Query("table"); want != "" {
		var names []string
		var found []report.Table
		for _, t := range tables {
			names = append(names, t.Name)
			if t.Name == want {
				found = append(found, t)
			}
		}
		if len(found) == 0 {
			msg := fmt.Sprintf("%q is not a table of this page: %s", want, strings.Join(names, ", "))
			if vi {
				msg = fmt.Sprintf("“%s” không phải một bảng của trang này; các bảng: %s", want, strings.Join(names, ", "))
			}
			return true, hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "table", Message: msg})
		}
		tables, name = found, want
	}
	meta.Generated = s.Now()
	file := fmt.Sprintf("hailong-%s-%s-%s.%s", name, meta.Unit, meta.Period.String(), format)
	file = strings.NewReplacer("..", "_", "/", "-", " ", "-").Replace(file)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	w := c.Response().BodyWriter()
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		return true, export.CSV(w, meta, tables...)
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	return true, export.XLSX(w, meta, tables...)
}
