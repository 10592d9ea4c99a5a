package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// fleetLinks lists, for /admin, the administration of kiosks, clients,
// imports and targets that the principal may do: imports and targets only
// for a scope of everything the aggregator serves (wholeInstallation),
// which a template's permission check cannot tell.
func (s *Server) fleetLinks(c *fiber.Ctx) []fleetLink {
	p := principalOf(c)
	t := areaWords(pageLang(c), "fleet")
	var links []fleetLink
	for _, l := range []struct {
		perm     hailong.Permission
		province bool
		href     string
	}{
		{hailong.PermKiosksManage, false, "kiosks"}, {hailong.PermClientsManage, false, "clients"},
		{hailong.PermUnitsManage, true, "imports"}, {hailong.PermTargetsManage, true, "targets"},
		{hailong.PermWebhooksManage, false, "webhooks"},
	} {
		if p.Can(l.perm) && (!l.province || s.wholeInstallation(p)) {
			links = append(links, fleetLink{Href: "/admin/" + l.href + "?lang=" + pageLang(c), Title: t[l.href], Desc: t[l.href+"_d"]})
		}
	}
	if p.Can(hailong.PermTargetsManage) && s.wholeInstallation(p) && s.Publication != nil {
		w := words[pageLang(c)]
		links = append(links, fleetLink{Href: "/admin/public?lang=" + pageLang(c), Title: w["adm_pub_title"], Desc: w["adm_pub_desc"]})
	}
	return links
}
