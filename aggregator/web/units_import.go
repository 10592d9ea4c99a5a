package web

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// importJSON answers a successful import.
type importJSON struct {
	Imported int `json:"imported"`
}

// unitsImport answers POST /api/v1/units/import: replaces the
// administrative units from CSV (the file of `aggregator units import`),
// all or nothing, and uses them at once. A province-wide act (the route's
// Province flag).
func (s *Server) unitsImport(c *fiber.Ctx) error {
	return s.importAPI(c, actionUnitsImport, func(a Admin) func(context.Context, io.Reader) (int, error) { return a.ImportUnits })
}

// importAPI runs an import from the request's CSV: the body as text/csv,
// or the form field "file" of a multipart body (with an API token only:
// a page of another site can send a multipart form).
func (s *Server) importAPI(c *fiber.Ctx, action string, fn func(Admin) func(context.Context, io.Reader) (int, error)) error {
	if err := notFromForm(c, "text/csv"); err != nil {
		return err
	}
	r, err := csvBody(c)
	if err != nil {
		return err
	}
	n, err := s.runImport(c, action, fn, r)
	if err != nil {
		return err
	}
	return c.JSON(importJSON{Imported: n})
}

// runImport imports and records the act.
func (s *Server) runImport(c *fiber.Ctx, action string, fn func(Admin) func(context.Context, io.Reader) (int, error), r io.Reader) (int, error) {
	adm, err := s.admin()
	if err != nil {
		return 0, err
	}
	n, err := fn(adm)(c.UserContext(), r)
	detail := ""
	if err == nil {
		detail = strconv.Itoa(n) + " records"
	} else if fields := hailong.ErrorFields(err); len(fields) > 0 {
		detail = strconv.Itoa(len(fields)) + " errors"
		if msg := hailong.ErrorMessage(err); !strings.Contains(msg, "nothing was imported") {
			err = &hailong.Error{Code: hailong.ErrorCode(err), Message: msg + " Nothing was changed.", Fields: fields}
		}
	}
	s.record(c, actorOf(principalOf(c)), action, strings.TrimSuffix(action, ".import"), detail, err == nil)
	return n, err
}

// csvBody returns the CSV of an import request.
func csvBody(c *fiber.Ctx) (io.Reader, error) {
	switch mediaType(c) {
	case "text/csv":
		return bytes.NewReader(c.Body()), nil
	case fiber.MIMEMultipartForm:
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, hailong.Invalid("The upload is not valid.", hailong.FieldError{Field: "file", Message: "a CSV file is required"})
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return nil, err
		}
		return bytes.NewReader(b), nil
	}
	return nil, hailong.Errorf(hailong.EUNSUPPORTED, "Send the CSV as text/csv, or as the field \"file\" of a multipart form.")
}
