package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/hierarchy"
)

// unitsList answers GET /api/v1/units?as_of=: the units in force on a date.
func (s *Server) unitsList(c *fiber.Ctx) error {
	asOf := hailong.DateOf(s.Now())
	if v := c.Query("as_of"); v != "" {
		d, err := hailong.ParseDate(v)
		if err != nil {
			return hailong.Invalid("The query is not valid.", hailong.FieldError{Field: "as_of", Message: err.Error()})
		}
		asOf = d
	}
	out := []hierarchy.Unit{}
	for _, r := range s.walk(asOf, "") {
		out = append(out, r.Unit)
	}
	return c.JSON(out)
}

type treeRow struct {
	hierarchy.Unit
	Depth int
}

// walk lists the units in force on d depth-first, from root (or from the
// roots when root is empty).
func (s *Server) walk(d hailong.Date, root string) []treeRow {
	t := s.Units()
	var out []treeRow
	var visit func(u hierarchy.Unit, depth int)
	visit = func(u hierarchy.Unit, depth int) {
		out = append(out, treeRow{Unit: u, Depth: depth})
		for _, ch := range t.Children(u.Code, d) {
			visit(ch, depth+1)
		}
	}
	if root != "" {
		if u, ok := t.At(root, d); ok {
			visit(u, 0)
		}
		return out
	}
	for _, u := range t.Roots(d) {
		visit(u, 0)
	}
	return out
}
