package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// adminUsersPassword resets a user's password from /admin/users: a new one
// is generated and shown on the answer only; the user's sessions end.
func (s *Server) adminUsersPassword(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	name := c.Params("username")
	var p adminPage
	generated, err := s.resetPassword(c, pp, name, "")
	if err != nil {
		status, err := pageError(pageLang(c), err, &p)
		if err != nil {
			return err
		}
		return s.usersPage(c, status, p)
	}
	t := areaWords(pageLang(c), "people")
	p.Notice = fmt.Sprintf(t["reset_done"], name)
	p.SecretLabel, p.Secret = t["secret_password"], generated
	return s.usersPage(c, fiber.StatusOK, p)
}
