package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// apiTokensList answers GET /api/v1/api-tokens: the caller's own API
// tokens, or with owner= another user's, for those who manage users.
func (s *Server) apiTokensList(c *fiber.Ctx) error {
	p := principalOf(c)
	owner := c.Query("owner", p.Username)
	if owner != p.Username && !p.Can(hailong.PermUsersManage) {
		s.record(c, p.Username, "forbidden", c.Method()+" "+c.Path(), "tokens of "+auditName(owner), false)
		return hailong.Errorf(hailong.EFORBIDDEN, "Listing another user's tokens needs the permission %s.", hailong.PermUsersManage)
	}
	ts, err := s.Access.Tokens(actx(c), p, owner)
	if err != nil {
		return err
	}
	out := make([]apiTokenJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenJSON(t))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
