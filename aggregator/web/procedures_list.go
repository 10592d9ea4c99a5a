package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/procedure"
)

// proceduresList answers the procedure catalogue, optionally one field's.
func (s *Server) proceduresList(c *fiber.Ctx) error {
	out := []procedure.Procedure{}
	if s.Procedures != nil {
		cat := s.Procedures()
		for _, p := range cat.All() {
			if f := c.Query("field"); f == "" || p.Field == f {
				out = append(out, p)
			}
		}
	}
	return c.JSON(out)
}
