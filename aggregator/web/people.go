package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/access"
)

// People is what the administration of people needs of the access service
// (aggregator/access): users, roles and the audit log. The service checks
// the actor's rights and scope and records every change in the audit log;
// the handlers only translate.
type People interface {
	Users(ctx context.Context, actor *hailong.Principal) ([]hailong.User, error)
	AddUser(ctx context.Context, actor *hailong.Principal, u hailong.User, password string) error
	UpdateUser(ctx context.Context, actor *hailong.Principal, username string, role, scope *string, disabled *bool) error
	SetPassword(ctx context.Context, actor *hailong.Principal, username, password string) error
	Roles() []hailong.Role
	AuditLog(ctx context.Context, actor *hailong.Principal, since time.Time, limit int) ([]Event, error)
}

// people returns the administration of people, or an error when the
// server was built without it.
func (s *Server) people() (People, error) {
	if s.People != nil {
		return s.People, nil
	}
	if p, ok := s.Access.(People); ok {
		return p, nil
	}
	return nil, hailong.Errorf(hailong.EINTERNAL, "The administration of people is not available.")
}

// actx is a request's context carrying its address, so that what the
// access service records while serving it says from where.
func actx(c *fiber.Ctx) context.Context {
	return access.WithAddr(c.UserContext(), c.IP())
}

// userJSON is a user as the API shows it, without the password hash.
type userJSON struct {
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Scope    string    `json:"scope"`
	Email    string    `json:"email,omitempty"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
	// Password is the initial or reset password the server generated,
	// in the one answer that made it.
	Password string `json:"password,omitempty"`
}

func toUserJSON(u hailong.User) userJSON {
	return userJSON{Username: u.Username, Name: u.Name, Role: u.Role, Scope: u.Scope, Email: u.Email, Disabled: u.Disabled, Created: u.Created.UTC()}
}

// findUser returns one user among those the actor may manage.
func findUser(ctx context.Context, pp People, actor *hailong.Principal, username string) (hailong.User, bool, error) {
	us, err := pp.Users(ctx, actor)
	if err != nil {
		return hailong.User{}, false, err
	}
	for _, u := range us {
		if u.Username == username {
			return u, true, nil
		}
	}
	return hailong.User{}, false, nil
}
