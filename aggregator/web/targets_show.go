package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/measure"
)

// targetsShow answers GET /api/v1/targets: the targets in force, as stored
// through PUT, else as configured (-targets).
func (s *Server) targetsShow(c *fiber.Ctx) error {
	ts := s.targetList()
	if ts == nil {
		ts = []measure.Target{}
	}
	return c.JSON(ts)
}
