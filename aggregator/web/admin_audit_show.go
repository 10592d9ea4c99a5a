package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// adminAuditShow renders /admin/audit: the newest events the caller may
// read, filtered by actor and action, with Vietnamese times.
func (s *Server) adminAuditShow(c *fiber.Ctx) error {
	var p adminPage
	q, err := parseAuditQuery(c)
	status := fiber.StatusOK
	if err != nil {
		if status, err = pageError(pageLang(c), err, &p); err != nil {
			return err
		}
		q = auditQuery{Limit: defaultAuditLimit}
	}
	if p.Events, err = s.auditEvents(c, q); err != nil {
		return err
	}
	p.Query = q
	p.Note = fmt.Sprintf(areaWords(pageLang(c), "people")["audit_note"], q.Limit)
	return s.adminRender(c, status, "audit.html", p)
}
