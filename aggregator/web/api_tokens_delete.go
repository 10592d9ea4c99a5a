package web

import (
	"github.com/gofiber/fiber/v2"
)

// apiTokensDelete answers DELETE /api/v1/api-tokens/:id: the token is
// revoked at once (the access service checks tokens from memory).
func (s *Server) apiTokensDelete(c *fiber.Ctx) error {
	if err := s.Access.RevokeToken(actx(c), principalOf(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
