package web

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/fleet"
	"hailong/hierarchy"
)

// adminKiosksShow renders /admin/kiosks: the enrolment form and the
// kiosks of the principal's scope with their health.
func (s *Server) adminKiosksShow(c *fiber.Ctx) error {
	return s.adminKiosksRender(c, fiber.StatusOK, fleetPage{})
}

func (s *Server) adminKiosksRender(c *fiber.Ctx, status int, p fleetPage) error {
	now := s.Now()
	today := hailong.DateOf(now)
	lim := s.FleetLimits.withDefaults()
	if s.Enrolled != nil {
		enrolled, err := s.Enrolled.List(c.UserContext())
		if err != nil {
			return err
		}
		reports := map[string]fleet.Report{}
		if s.Fleet != nil {
			for _, r := range s.Fleet.Reports() {
				reports[r.Kiosk] = r
			}
		}
		allowed := s.scopeFilter(c, today)
		for _, k := range enrolled {
			if !allowed(k.Unit) {
				continue
			}
			r, seen := reports[k.ID]
			v := kioskView(k, r, seen, now, lim)
			if u, ok := s.Units().At(k.Unit, today); ok {
				v.UnitName = u.Name
			}
			p.Kiosks = append(p.Kiosks, v)
		}
	}
	slices.SortFunc(p.Kiosks, func(a, b kioskJSON) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.Unit, b.Unit), strings.Compare(a.Kiosk, b.Kiosk))
	})
	p.Units = s.unitsFor(c, c.FormValue("unit"), hierarchy.Centre)
	return s.fleetRender(c, status, "fleet_kiosks.html", p)
}
