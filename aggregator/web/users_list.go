package web

import (
	"github.com/gofiber/fiber/v2"
)

// usersList answers GET /api/v1/users: the users whose scope lies inside
// the caller's, by username.
func (s *Server) usersList(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	us, err := pp.Users(c.UserContext(), principalOf(c))
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(us))
	for _, u := range us {
		out = append(out, toUserJSON(u))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
