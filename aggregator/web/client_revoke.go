package web

import (
	"github.com/gofiber/fiber/v2"
)

// clientRevoke answers POST /api/v1/clients/:id/revoke: the client's
// credential is refused from its next report on.
func (s *Server) clientRevoke(c *fiber.Ctx) error {
	if err := notFromForm(c, fiber.MIMEApplicationJSON); err != nil {
		return err
	}
	if err := s.revokeClient(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// revokeClient revokes a client of the principal's scope and records it.
func (s *Server) revokeClient(c *fiber.Ctx, id string) error {
	adm, err := s.admin()
	if err != nil {
		return err
	}
	all, err := adm.Clients(c.UserContext())
	if err == nil {
		_, err = s.credentialInScope(c, all, id)
	}
	if err == nil {
		err = adm.RevokeClient(c.UserContext(), id)
	}
	s.audit(c, actionClientRevoke, "client "+auditName(id), "", err)
	return err
}
