package web

import (
	"github.com/gofiber/fiber/v2"
)

// terminalRevoke ends a pairing at once: the terminal's next request is
// refused.
func (s *Server) terminalRevoke(c *fiber.Ctx) error {
	t, err := s.Terminals.Revoke(c.Params("id"))
	if err != nil {
		return err
	}
	s.Logger.Info("terminal revoked", "terminal", t.ID, "name", t.Name)
	t.Hash = ""
	return c.JSON(t)
}
