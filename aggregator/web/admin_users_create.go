package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// adminUsersCreate adds a user from the form of /admin/users; a password
// left empty is generated and shown on the answer only.
func (s *Server) adminUsersCreate(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	req := userCreateRequest{Username: c.FormValue("username"), Name: c.FormValue("name"), Role: c.FormValue("role"),
		Scope: c.FormValue("scope"), Email: c.FormValue("email"), Password: c.FormValue("password")}
	var p adminPage
	u, generated, err := s.addUser(c, pp, req)
	if err != nil {
		status, err := pageError(pageLang(c), err, &p)
		if err != nil {
			return err
		}
		req.Password = ""
		p.Form = req
		return s.usersPage(c, status, p)
	}
	p.Notice = fmt.Sprintf(areaWords(pageLang(c), "people")["added"], u.Username)
	if generated != "" {
		p.SecretLabel, p.Secret = areaWords(pageLang(c), "people")["secret_password"], generated
	}
	return s.usersPage(c, fiber.StatusCreated, p)
}
