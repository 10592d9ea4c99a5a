package web

import (
	"github.com/gofiber/fiber/v2"
)

// rolesList answers GET /api/v1/roles: the roles and their permissions,
// which an administrator chooses from when granting.
func (s *Server) rolesList(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	return c.JSON(pp.Roles())
}
