package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// Emails reads and sets users' email addresses (the access service).
type Emails interface {
	User(ctx context.Context, actor *hailong.Principal, username string) (hailong.User, error)
	SetEmail(ctx context.Context, actor *hailong.Principal, username, email string) error
}

// emails returns the keeper of email addresses, or an error when the
// server was built without one.
func (s *Server) emails() (Emails, error) {
	if e, ok := s.Access.(Emails); ok {
		return e, nil
	}
	return nil, hailong.Errorf(hailong.EUNAVAILABLE, "Email addresses are not kept by this server.")
}

// setEmail sets a user's email address for the signed-in principal.
func (s *Server) setEmail(c *fiber.Ctx, username, email string) error {
	e, err := s.emails()
	if err != nil {
		return err
	}
	return e.SetEmail(actx(c), principalOf(c), username, email)
}
