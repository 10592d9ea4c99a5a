package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// tokensRevoke revokes one of the signed-in person's own tokens from
// /account/tokens; it is refused from the next request on.
func (s *Server) tokensRevoke(c *fiber.Ctx) error {
	actor := principalOf(c)
	var p adminPage
	t, ok, err := s.ownToken(c, actor, c.Params("id"))
	if err == nil && !ok {
		err = hailong.Errorf(hailong.ENOTFOUND, "You have no token %q.", c.Params("id"))
	}
	if err == nil {
		err = s.Access.RevokeToken(actx(c), actor, t.ID)
	}
	if err != nil {
		status, err := pageError(pageLang(c), err, &p)
		if err != nil {
			return err
		}
		return s.tokensPage(c, status, p)
	}
	p.Notice = fmt.Sprintf(areaWords(pageLang(c), "people")["token_revoked"], t.Name)
	return s.tokensPage(c, fiber.StatusOK, p)
}
