package web

import (
	"context"
	"io"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// adminImportsCreate takes the upload of /admin/imports (kind units or
// procedures; procedures need their own permission), through the same
// import and audit as the API, and shows the per-line errors or the count.
func (s *Server) adminImportsCreate(c *fiber.Ctx) error {
	p := principalOf(c)
	var page fleetPage
	kind := c.FormValue("kind")
	var fn func(Admin) func(context.Context, io.Reader) (int, error)
	action := ""
	switch kind {
	case "units":
		fn, action = func(a Admin) func(context.Context, io.Reader) (int, error) { return a.ImportUnits }, actionUnitsImport
	case "procedures":
		if !p.Can(hailong.PermProceduresManage) {
			return s.forbid(c, Route{Rule: Needs(hailong.PermProceduresManage)}, p, "This needs the permission %s.", hailong.PermProceduresManage)
		}
		fn, action = func(a Admin) func(context.Context, io.Reader) (int, error) { return a.ImportProcedures }, actionProceduresImport
	}
	var err error
	if fn == nil {
		err = hailong.Invalid("The form is not valid.", hailong.FieldError{Field: "kind", Message: "is units or procedures"})
	}
	var r io.Reader
	if err == nil {
		r, err = csvBody(c)
	}
	if err == nil {
		page.Count, err = s.runImport(c, action, fn, r)
		page.Notice = "imported_" + kind
	}
	if err != nil {
		page.Notice = ""
		status := fiberapp.Status(hailong.ErrorCode(err))
		if hailong.ErrorCode(err) == "" || status >= 500 {
			return err
		}
		page.failure(pageLang(c), err)
		if len(page.Lines) > 0 {
			page.Error = "import_errors"
		}
		return s.adminImportsRender(c, status, page)
	}
	return s.adminImportsRender(c, fiber.StatusOK, page)
}
