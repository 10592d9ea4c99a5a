package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/syncapi"
)

// kioskConfigShow tells a kiosk its enrolment and the questionnaires the
// aggregator publishes: every version it accepts, as written, so the kiosk
// offers only those and can rebuild the same catalog
// (hailong.ParseCatalog).
func (s *Server) kioskConfigShow(c *fiber.Ctx) error {
	now := s.Now()
	k := credentialOf(c) // authenticated by the route's rule
	out := syncapi.Config{Kiosk: k.ID, Unit: k.Unit, Questionnaires: s.Catalog.Definitions(), Clock: now.UTC()}
	if u, ok := s.Units().At(k.Unit, hailong.DateOf(now)); ok {
		out.UnitName = u.Name
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
