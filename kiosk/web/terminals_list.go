package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/kiosk/terminals"
)

// terminalsList answers the administrator: every pairing, revoked ones
// included.
func (s *Server) terminalsList(c *fiber.Ctx) error {
	list := s.Terminals.List()
	for i := range list {
		list[i].Hash = "" // the token's hash is nobody's business
	}
	return c.JSON(map[string][]terminals.Terminal{"terminals": list})
}
