package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/access"
	"hailong/fiberapp"
)

type userCreateRequest struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	// Email is where notifications and scheduled reports go; optional.
	Email string `json:"email,omitempty"`
	// Password is the initial password; without it the server makes one
	// and shows it in this answer only.
	Password string `json:"password"`
}

// usersCreate answers POST /api/v1/users: a new user, with a role that
// grants nothing the caller lacks and a scope inside the caller's. The
// access service checks both and records the act.
func (s *Server) usersCreate(c *fiber.Ctx) error {
	pp, err := s.people()
	if err != nil {
		return err
	}
	var req userCreateRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	u, generated, err := s.addUser(c, pp, req)
	if err != nil {
		return err
	}
	out := toUserJSON(u)
	out.Password = generated
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/api/v1/users/" + url.PathEscape(u.Username))
	return c.Status(fiber.StatusCreated).JSON(out)
}

// addUser adds a user for the API and the page: with the password given,
// or a generated one, which it returns to be shown once.
func (s *Server) addUser(c *fiber.Ctx, pp People, req userCreateRequest) (hailong.User, string, error) {
	generated := ""
	if req.Password == "" {
		generated = access.GeneratePassword()
		req.Password = generated
	}
	u := hailong.User{Username: req.Username, Name: req.Name, Role: req.Role, Scope: req.Scope, Email: req.Email}
	p := principalOf(c)
	if err := pp.AddUser(actx(c), p, u, req.Password); err != nil {
		return u, "", err
	}
	if got, ok, err := findUser(c.UserContext(), pp, p, u.Username); err == nil && ok {
		u = got
	}
	return u, generated, nil
}
