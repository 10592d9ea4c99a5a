package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// The /admin index of this branch: when the people's administration
// (with its own /admin) is merged, this file, fleet_index.html and the
// route line give way to it, and its index links to the pages here.

// fleetIndexShow renders /admin: links to the administration the principal may
// do.
func (s *Server) fleetIndexShow(c *fiber.Ctx) error {
	p := principalOf(c)
	t := fleetTexts[pageLang(c)]
	var links []fleetLink
	for _, l := range []struct {
		perm     hailong.Permission
		province bool
		href     string
	}{
		{hailong.PermKiosksManage, false, "kiosks"}, {hailong.PermClientsManage, false, "clients"},
		{hailong.PermUnitsManage, true, "imports"}, {hailong.PermTargetsManage, true, "targets"},
	} {
		if p.Can(l.perm) && (!l.province || s.provinceWide(p)) {
			links = append(links, fleetLink{Href: "/admin/" + l.href + "?lang=" + pageLang(c), Title: t[l.href], Desc: t[l.href+"_d"]})
		}
	}
	return s.fleetRender(c, fiber.StatusOK, "fleet_index.html", fleetPage{Links: links})
}
