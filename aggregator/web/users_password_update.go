package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/aggregator/access"
	"hailong/fiberapp"
)

type passwordResetRequest struct {
	// Password is the new password; without it the server makes one and
	// shows it in this answer only.
	Password string `json:"password"`
}

// usersPasswordUpdate answers POST /api/v1/users/:username/password: an
// administrator sets a user's password. Every session of the user ends.
func (s *Server) usersPasswordUpdate(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	var req passwordResetRequest
	if len(c.Body()) > 0 {
		if err := fiberapp.DecodeJSON(c, &req); err != nil {
			return err
		}
	}
	name := c.Params("username")
	generated, err := s.resetPassword(c, pp, name, req.Password)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"username": name, "password": generated})
}

// resetPassword sets a user's password for the API and the page: the one
// given, or a generated one, which it returns to be shown once.
func (s *Server) resetPassword(c *fiber.Ctx, pp People, name, password string) (string, error) {
	generated := ""
	if password == "" {
		generated = access.GeneratePassword()
		password = generated
	}
	if err := pp.SetPassword(actx(c), principalOf(c), name, password); err != nil {
		return "", err
	}
	return generated, nil
}
