package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

type userUpdateRequest struct {
	Role     *string `json:"role"`
	Scope    *string `json:"scope"`
	Disabled *bool   `json:"disabled"`
	// Email sets the address notifications go to; "" removes it.
	Email *string `json:"email"`
}

// usersUpdate answers PATCH /api/v1/users/:username: a new role, scope or
// standing. The user's sessions end at once (the access service bumps the
// user's generation), so a disabled user's next request is refused.
func (s *Server) usersUpdate(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	var req userUpdateRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	if req.Role == nil && req.Scope == nil && req.Disabled == nil && req.Email == nil {
		return hailong.Invalid("Nothing to change.", hailong.FieldError{Field: "role", Message: "Give role, scope, disabled or email."})
	}
	p, name := principalOf(c), c.Params("username")
	if req.Email != nil {
		if err := s.setEmail(c, name, *req.Email); err != nil {
			return err
		}
	}
	if req.Role != nil || req.Scope != nil || req.Disabled != nil {
		if err := pp.UpdateUser(actx(c), p, name, req.Role, req.Scope, req.Disabled); err != nil {
			return err
		}
	}
	u, ok, err := findUser(c.UserContext(), pp, p, name)
	if err != nil {
		return err
	}
	if !ok { // moved out of the caller's scope? checkGrant forbids it; answer what was asked
		return c.SendStatus(fiber.StatusNoContent)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(toUserJSON(u))
}
