package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/hierarchy"
)

// unitsList answers GET /api/v1/units?as_of=: the units in force on a date
// within the principal's scope.
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
	for _, r := range s.walk(asOf, "", s.scopeFilter(c, asOf)) {
		out = append(out, r.Unit)
	}
	return c.JSON(out)
}

type treeRow struct {
	hierarchy.Unit
	Depth int
}

// walk lists the units in force on d depth-first, from root (or from the
// roots when root is empty), keeping only those in scope (allowed): a unit
// out of scope is passed over and its children are looked at, the first
// units in scope start at depth 0, and everything under a unit in scope is
// in it.
func (s *Server) walk(d hailong.Date, root string, allowed func(string) bool) []treeRow {
	t := s.Units()
	var out []treeRow
	var visit func(u hierarchy.Unit, depth int, in bool)
	visit = func(u hierarchy.Unit, depth int, in bool) {
		if in = in || allowed(u.Code); in {
			out = append(out, treeRow{Unit: u, Depth: depth})
			depth++
		}
		for _, ch := range t.Children(u.Code, d) {
			visit(ch, depth, in)
		}
	}
	if root != "" {
		if u, ok := t.At(root, d); ok {
			visit(u, 0, false)
		}
		return out
	}
	for _, u := range t.Roots(d) {
		visit(u, 0, false)
	}
	return out
}
