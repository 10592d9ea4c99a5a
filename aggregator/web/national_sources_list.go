package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/national"
)

// NationalSources tells how fresh a national aggregator's figures are,
// province by province.
type NationalSources interface {
	Sources() []national.SourceStatus
}

// nationalSourcesList answers GET /api/v1/national/sources: on a national
// aggregator, each provincial aggregator it pulls from, when its figures
// were last pulled and how old they are; 404 on any other aggregator.
func (s *Server) nationalSourcesList(c *fiber.Ctx) error {
	if s.National == nil {
		return hailong.Errorf(hailong.ENOTFOUND, "This aggregator is not a national view: it pulls from no provincial aggregator.")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(s.National.Sources())
}
