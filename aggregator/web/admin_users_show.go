package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminUsersShow renders /admin/users: the users in the caller's scope,
// the form to add one, and per user the forms to change role and scope,
// disable or enable, and reset the password.
func (s *Server) adminUsersShow(c *fiber.Ctx) error {
	return s.usersPage(c, fiber.StatusOK, adminPage{})
}

// usersPage renders the users page with what p already says (a notice, an
// error, a secret to show once).
func (s *Server) usersPage(c *fiber.Ctx, status int, p adminPage) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	actor := principalOf(c)
	if p.Users, err = pp.Users(c.UserContext(), actor); err != nil {
		return err
	}
	// Only the roles the caller may grant: those granting nothing it lacks.
	for _, r := range pp.Roles() {
		ok := true
		for _, perm := range r.Permissions {
			ok = ok && actor.Can(perm)
		}
		if ok {
			p.Roles = append(p.Roles, r)
		}
	}
	today := hailong.DateOf(s.Now())
	p.Units = s.walk(today, "", s.scopeFilter(c, today))
	if p.Form.Role == "" {
		p.Form.Role = "analyst"
	}
	if p.Form.Scope == "" {
		p.Form.Scope = actor.Scope
	}
	return s.adminRender(c, status, "users.html", p)
}
