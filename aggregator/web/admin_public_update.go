package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// actionPublicUpdate is the audit action of switching the public page.
const actionPublicUpdate = "public.update"

// adminPublicUpdate takes the switch of the public results page (on=1 or
// on=0), stores it and records it in the audit log.
func (s *Server) adminPublicUpdate(c *fiber.Ctx) error {
	if s.Publication == nil {
		return hailong.Errorf(hailong.EUNAVAILABLE, "Publishing is not available on this server.")
	}
	p := adminPublicPage{F: s.frame(c, "admin", "adm_pub_title")}
	var on bool
	switch c.FormValue("on") {
	case "1":
		on = true
	case "0":
	default:
		err := hailong.Invalid("The form is not valid.", hailong.FieldError{Field: "on", Message: "must be 1 or 0"})
		s.audit(c, actionPublicUpdate, "public", "", err)
		return err
	}
	detail := "off"
	if on {
		detail = "on"
	}
	err := s.Publication.SetPublished(c.UserContext(), on, actorOf(principalOf(c)))
	s.audit(c, actionPublicUpdate, "public", detail, err)
	if err != nil {
		return err
	}
	p.On, p.Saved = s.Publication.Published(), true
	return s.render(c, fiber.StatusOK, "admin_public.html", p)
}
