package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// adminUsersUpdate takes the per-user forms of /admin/users: role and
// scope, or the standing (disabled=true/false). The user's sessions end
// at once.
func (s *Server) adminUsersUpdate(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	name := c.Params("username")
	var role, scope *string
	var disabled *bool
	if v := c.FormValue("role"); v != "" {
		role = &v
	}
	if v := strings.TrimSpace(c.FormValue("scope")); v != "" {
		scope = &v
	}
	switch c.FormValue("disabled") {
	case "true":
		t := true
		disabled = &t
	case "false":
		f := false
		disabled = &f
	}
	var p adminPage
	// The role and scope form also carries the address.
	email, hasEmail := strings.TrimSpace(c.FormValue("email")), c.Request().PostArgs().Has("email")
	if role == nil && scope == nil && disabled == nil && !hasEmail {
		p.Error, p.Details = "invalid", []string{"Give a role, a scope or a standing."}
		return s.usersPage(c, fiber.StatusBadRequest, p)
	}
	err = nil
	if hasEmail {
		err = s.setEmail(c, name, email)
	}
	if err == nil && (role != nil || scope != nil || disabled != nil) {
		err = pp.UpdateUser(actx(c), principalOf(c), name, role, scope, disabled)
	}
	if err != nil {
		status, err := pageError(pageLang(c), err, &p)
		if err != nil {
			return err
		}
		return s.usersPage(c, status, p)
	}
	p.Notice = fmt.Sprintf(areaWords(pageLang(c), "people")["updated"], name)
	return s.usersPage(c, fiber.StatusOK, p)
}
