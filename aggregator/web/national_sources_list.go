package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/national"
)

// NationalSources tells how fresh a national aggregator's figures are,
// province by province.
type NationalSources interface {
	Sources() []national.SourceStatus
}

// nationalSourcesList answers GET /api/v1/national/sources: on a national
// aggregator, each provincial aggregator it pulls from, when its figures
// were last pulled and how old they are; an empty list on any other
// aggregator, which pulls from none.
func (s *Server) nationalSourcesList(c *fiber.Ctx) error {
	out := []national.SourceStatus{}
	if s.National != nil {
		out = s.National.Sources()
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
