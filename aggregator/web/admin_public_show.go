package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminPublicPage is the switch of the public results page.
type adminPublicPage struct {
	F      Frame
	On     bool
	Saved  bool
	Failed string
}

// adminPublicShow renders /admin/public: whether the public results page
// is on, and the form that switches it.
func (s *Server) adminPublicShow(c *fiber.Ctx) error {
	if s.Publication == nil {
		return hailong.Errorf(hailong.EUNAVAILABLE, "Publishing is not available on this server.")
	}
	return s.render(c, fiber.StatusOK, "admin_public.html", adminPublicPage{F: s.frame(c, "admin", "adm_pub_title"), On: s.Publication.Published()})
}
