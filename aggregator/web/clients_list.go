package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

type clientJSON struct {
	ID       string    `json:"id"`
	Unit     string    `json:"unit"`
	UnitName string    `json:"unit_name,omitempty"`
	Enrolled time.Time `json:"enrolled"`
	Revoked  bool      `json:"revoked"`
}

// clientsList answers GET /api/v1/clients: the one-stop clients enrolled
// for units in the principal's scope, never their secrets.
func (s *Server) clientsList(c *fiber.Ctx) error {
	list, err := s.clientsInScope(c)
	if err != nil {
		return err
	}
	return c.JSON(list)
}

// clientsInScope lists the clients of the principal's scope, by id.
func (s *Server) clientsInScope(c *fiber.Ctx) ([]clientJSON, error) {
	adm, err := s.admin()
	if err != nil {
		return nil, err
	}
	all, err := adm.Clients(c.UserContext())
	if err != nil {
		return nil, err
	}
	today := hailong.DateOf(s.Now())
	allowed := s.scopeFilter(c, today)
	out := []clientJSON{}
	for _, k := range all {
		if !allowed(k.Unit) {
			continue
		}
		v := clientJSON{ID: k.ID, Unit: k.Unit, Enrolled: k.Created.UTC(), Revoked: k.Revoked}
		if u, ok := s.Units().At(k.Unit, today); ok {
			v.UnitName = u.Name
		}
		out = append(out, v)
	}
	return out, nil
}
