package web

import (
	"context"
	"io"

	"github.com/gofiber/fiber/v2"
)

// proceduresImport answers POST /api/v1/procedures/import: replaces the
// procedure catalogue from CSV, all or nothing, and uses it at once (the
// fields of queries by field included). A province-wide act.
func (s *Server) proceduresImport(c *fiber.Ctx) error {
	return s.importAPI(c, actionProceduresImport, func(a Admin) func(context.Context, io.Reader) (int, error) { return a.ImportProcedures })
}
